"""Latent directions read from a decoder's own layers, without labels: SeFa and GANSpace.

Both need the decoder's first layer to act linearly on z (a Linear on (N, d) codes, or a
transposed conv on (N, d, 1, 1)); that holds for the GAN generator and the VAE/AE decoders
here. `latent_core.traversal.directions(..., kind="sefa" | "ganspace", model=...)` calls them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .errors import InvalidInputError

GANSPACE_SAMPLES = 2000
ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Tanh, nn.Sigmoid, nn.Softplus, nn.PReLU)


def leaf_calls(decoder: nn.Module, z: torch.Tensor) -> list[tuple[nn.Module, torch.Tensor, torch.Tensor]]:
    """(module, input, output) of every leaf module in the order a forward pass of codes z (N, d) calls them.

    Runs in eval mode (batch norm keeps its running statistics) and restores the decoder's mode."""
    calls: list[tuple[nn.Module, torch.Tensor, torch.Tensor]] = []
    leaves = [m for m in decoder.modules() if not list(m.children())]
    training = decoder.training
    try:
        handles = [m.register_forward_hook(lambda m, args, out: calls.append((m, args[0], out))) for m in leaves]
    except (AttributeError, RuntimeError):
        raise InvalidInputError(
            "This model's decoder was loaded from TorchScript, whose layers cannot be read; "
            "SeFa and GANSpace directions need a checkpoint saved with weights (safetensors)."
        ) from None
    try:
        decoder.eval()
        with torch.inference_mode():
            decoder(z)
    finally:
        for handle in handles:
            handle.remove()
        decoder.train(training)
    return calls


def first_layer_weight(decoder: nn.Module, latent_dim: int) -> np.ndarray:
    """W, float64 (out, d), of the first layer acting on codes (N, d): a Linear's weight, or a transposed
    conv's weight (d, out, kh, kw) on a 1x1 map, reshaped to (out * kh * kw, d)."""
    calls = leaf_calls(decoder, torch.zeros(2, latent_dim))
    if not calls:
        raise InvalidInputError("This model's decoder has no layers to read directions from.")
    layer, given, _ = calls[0]
    if isinstance(layer, nn.Linear) and layer.in_features == latent_dim and given.shape[-1] == latent_dim:
        return layer.weight.detach().double().numpy()
    if (
        isinstance(layer, nn.ConvTranspose2d)
        and layer.in_channels == latent_dim
        and given.ndim == 4
        and given.shape[2:] == (1, 1)
    ):
        return layer.weight.detach().double().reshape(latent_dim, -1).T.numpy()
    raise InvalidInputError(
        f"This model's decoder starts with a {type(layer).__name__} layer that is not linear in the code, "
        "so SeFa and GANSpace directions do not apply to it."
    )


def signed_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit rows float32 (K, d), each with its largest component positive, so the sign is reproducible."""
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    signs = np.sign(vectors[np.arange(len(vectors)), np.abs(vectors).argmax(axis=1)])
    return (vectors * signs[:, None]).astype(np.float32)


def sefa_directions(decoder: nn.Module, latent_dim: int) -> np.ndarray:
    """SeFa (Shen & Zhou 2021): the eigenvectors of WᵀW for the first layer's weight W (out, d), by falling
    eigenvalue: the unit moves in z that change that layer's output most. Orthonormal, float32 (d, d)."""
    weight = first_layer_weight(decoder, latent_dim)
    _, vectors = np.linalg.eigh(weight.T @ weight)
    return signed_rows(vectors[:, ::-1].T)


def ganspace_directions(
    decoder: nn.Module, latent_dim: int, samples: int = GANSPACE_SAMPLES, seed: int = 0
) -> np.ndarray:
    """GANSpace (Härkönen et al. 2020): PCA of the decoder's early activations (the output of its first
    non-linearity) over `samples` codes drawn from N(0, I) with `seed`, each principal axis carried back
    to z by the least-squares regression of the codes on their principal coordinates.

    Unit rows float32 (K, d), K = min(d, features), by falling variance of the activations.
    """
    first_layer_weight(decoder, latent_dim)  # the same applicability check as SeFa
    codes = torch.from_numpy(np.random.default_rng(seed).standard_normal((samples, latent_dim)).astype(np.float32))
    calls = leaf_calls(decoder, codes)
    early = next((out for module, _, out in calls if isinstance(module, ACTIVATIONS)), calls[0][2])
    activations = early.reshape(samples, -1).double().numpy()
    centred = activations - activations.mean(axis=0)
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    k = min(latent_dim, int((singular > singular[0] * 1e-9).sum()))
    coordinates = centred @ axes[:k].T  # (samples, k)
    regression, *_ = np.linalg.lstsq(coordinates, codes.double().numpy(), rcond=None)  # (k, d)
    return signed_rows(regression)
