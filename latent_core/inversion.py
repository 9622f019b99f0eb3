"""Placing real images in a generator's latent space: a trained inversion encoder, and `invert`'s refinement.

The encoder (models.gan.InversionEncoder) is trained after the generator, which stays frozen,
on two terms (Zhu et al. 2016; Zhu et al. 2020 "in-domain" inversion): the codes of generated
images, |E(G(z)) - z|², and the reconstruction of real images, |G(E(x)) - x|². `invert` then
refines the encoder's codes per image with a few dozen Adam steps on the pixel MSE.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .errors import InvalidInputError
from .model import ENCODE_BATCH, LatentModel, images_to_tensor
from .models.gan import GAN, InversionEncoder
from .training import batches

INVERSION_STEPS = 300  # encoder training steps after the generator (a fixed budget)
INVERSION_LR = 1e-3
RECON_WEIGHT = 10.0  # weight of the real images' pixel MSE against the codes' MSE
SPREAD_PAIRS = 1000  # generated pairs that measure the encoder's error per dimension (its logvar)
REFINE_LR = 0.05
MAX_REFINE_STEPS = 1000


def generated_pairs(generator: torch.nn.Module, n: int, latent_dim: int, noise: torch.Generator):
    """(images (n, C, H, W) in [0, 1], codes (n, d)) from codes drawn from N(0, I); no gradients."""
    z = torch.randn(n, latent_dim, generator=noise)
    with torch.no_grad():
        return torch.sigmoid(generator(z)), z


def endless_batches(images: torch.Tensor, index: np.ndarray, batch_size: int, shuffler: np.random.Generator):
    """Float batches (B, C, H, W) of uint8 `images` at `index`, reshuffled each pass, without end."""
    while True:
        yield from batches(images, shuffler.permutation(index), batch_size)


def train_inversion(
    network: GAN,
    images: torch.Tensor,
    train_index: np.ndarray,
    batch_size: int,
    seed: int,
    *,
    steps: int = INVERSION_STEPS,
    on_step: Callable[[int, dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict:
    """Train an InversionEncoder for `network`'s frozen generator on uint8 `images` (N, H, W, C) at
    `train_index`, attach it to the network, and return what it did: steps and the mean of each term.

    Deterministic for `seed`. on_step(step, losses) follows each step; should_stop() ends it early
    (the encoder so far is kept). The encoder's logvar is set to the log of its mean squared error per
    dimension on SPREAD_PAIRS fresh generated pairs.
    """
    arch = network.config.architecture
    generator = network.decoder.eval()
    frozen = [p.requires_grad for p in generator.parameters()]
    for p in generator.parameters():
        p.requires_grad_(False)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = InversionEncoder(arch)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=INVERSION_LR)
    noise = torch.Generator().manual_seed(seed + 3)
    shuffler = np.random.default_rng(seed + 4)
    done, sums = 0, {"latent_mse": 0.0, "recon_mse": 0.0}
    try:
        encoder.train()
        for x in endless_batches(images, train_index, batch_size, shuffler):
            if done >= steps or (should_stop is not None and should_stop()):
                break
            fake, z = generated_pairs(generator, len(x), arch.latent_dim, noise)
            latent = F.mse_loss(encoder(fake)[0], z)
            recon = F.mse_loss(torch.sigmoid(generator(encoder(x)[0])), x)
            optimizer.zero_grad(set_to_none=True)
            (latent + RECON_WEIGHT * recon).backward()
            optimizer.step()
            done += 1
            sums["latent_mse"] += latent.item()
            sums["recon_mse"] += recon.item()
            if on_step is not None:
                on_step(done, {"latent_mse": latent.item(), "recon_mse": recon.item()})
        encoder.eval()
        fake, z = generated_pairs(generator, SPREAD_PAIRS, arch.latent_dim, noise)
        with torch.no_grad():
            error = (encoder(fake)[0] - z).pow(2).mean(dim=0)
            encoder.logvar.copy_(error.clamp_min(1e-6).log())
    finally:
        for p, flag in zip(generator.parameters(), frozen, strict=True):
            p.requires_grad_(flag)
    network.attach_encoder(encoder)
    return {"steps": done, **{key: value / max(done, 1) for key, value in sums.items()}}


def check_refine(steps, lr) -> tuple[int, float]:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 0 <= steps <= MAX_REFINE_STEPS:
        raise InvalidInputError(f"steps={steps!r} is invalid; it must be a whole number from 0 to {MAX_REFINE_STEPS}.")
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not np.isfinite(lr) or lr <= 0:
        raise InvalidInputError(f"lr={lr!r} is invalid; it must be a positive number.")
    return int(steps), float(lr)


def refine_batch(decoder: torch.nn.Module, x: torch.Tensor, start: torch.Tensor, steps: int, lr: float) -> torch.Tensor:
    """Codes (N, d) whose images sigmoid(decoder(z)) are closest (pixel MSE) to x (N, C, H, W) among the
    `steps` Adam iterates from `start` (N, d), per image; only z gets gradients, never the decoder."""
    z = start.clone().requires_grad_(True)
    best, best_error = start.clone(), torch.full((len(x),), float("inf"))
    optimizer = torch.optim.Adam([z], lr=lr)
    for step in range(steps + 1):
        error = (torch.sigmoid(decoder(z)) - x).pow(2).flatten(1).mean(1)  # (N,)
        with torch.no_grad():
            better = error < best_error
            best[better], best_error[better] = z[better], error[better]
        if step == steps:
            break
        (gradient,) = torch.autograd.grad(error.sum(), z)
        z.grad = gradient
        optimizer.step()
    return best


@torch.inference_mode()
def pixel_mse(model: LatentModel, images, codes, batch_size: int = ENCODE_BATCH) -> np.ndarray:
    """Mean squared error over pixels, in the [0, 1] range, between uint8 images (N, H, W, C) and the model's
    images decoded from codes (N, d) before rounding to uint8: float32 (N,)."""
    images, codes = model.check_images(images), model.check_codes(codes)
    if len(codes) != len(images):
        raise InvalidInputError(f"{len(images)} images need {len(images)} codes, not {len(codes)}.")
    out = np.empty(len(images), dtype=np.float32)
    for s in range(0, len(images), batch_size):
        decoded = torch.sigmoid(model.decoder(torch.from_numpy(codes[s : s + batch_size])))
        out[s : s + batch_size] = (decoded - images_to_tensor(images[s : s + batch_size])).pow(2).flatten(1).mean(1)
    return out


def invert(model: LatentModel, images, steps: int = 50, lr: float = REFINE_LR, batch_size: int = 256) -> np.ndarray:
    """Codes float32 (N, d) for uint8 images (N, H, W, C): the encoder's codes (zeros, the prior's mean, for a
    model without an encoder) refined by `steps` Adam steps on z per image against the pixel MSE between the
    decoded image and the image; each image keeps its best iterate, so refining never makes it worse.
    steps=0 gives the encoder's codes. Works for any model with a decoder (GAN, VAE, AE); batched.
    """
    images = model.check_images(images)
    steps, lr = check_refine(steps, lr)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise InvalidInputError(f"batch_size={batch_size!r} is invalid; it must be a whole number from 1.")
    starts = (
        model.encode(images, batch_size=ENCODE_BATCH)
        if model.can_encode
        else np.zeros((len(images), model.latent_dim), dtype=np.float32)
    )
    if steps == 0:
        return starts
    decoder, out = model.decoder, np.empty_like(starts)
    training = decoder.training
    decoder.eval()
    try:
        with torch.enable_grad():
            for s in range(0, len(images), batch_size):
                x = images_to_tensor(images[s : s + batch_size])
                out[s : s + batch_size] = refine_batch(
                    decoder, x, torch.from_numpy(starts[s : s + batch_size]), steps, lr
                ).numpy()
    finally:
        decoder.train(training)
    return out
