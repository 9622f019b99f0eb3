"""LatentNetwork: the nn.Module behind every LatentModel, and the pixel likelihood all kinds share.

A kind (vae.py, ae.py, ...) subclasses LatentNetwork and writes its loss next to it. Training
calls `loss_terms` on batches; the Model page's anomaly scores call `scores`. The network's
`likelihood` (likelihoods.py) is a submodule, so a learned scale is saved with the weights.
"""

from __future__ import annotations

import torch
from torch import nn

from .likelihoods import Bernoulli, PixelLikelihood, bernoulli_nats

reconstruction_nats = bernoulli_nats  # the Bernoulli nats as a plain function, for callers without a network


class LatentNetwork(nn.Module):
    """A decoder, codes (N, d) -> logits (N, C, H, W), an optional encoder, images (N, C, H, W) in [0, 1] ->
    (mean, logvar), and the pixel likelihood that scores decoded logits against images (Bernoulli by default).

    This base class holds networks loaded as they are (TorchScript files); kinds that train
    override `loss_terms` and, where they have a prior, `scores`.
    """

    TERMS: tuple[str, ...] = ("loss",)

    def __init__(self, decoder: nn.Module, encoder: nn.Module | None = None, likelihood: PixelLikelihood | None = None):
        super().__init__()
        self.decoder = decoder
        self.encoder = encoder
        self.likelihood = likelihood if likelihood is not None else Bernoulli()

    def reconstruction_nats(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) per image, float (N,), for decoder outputs (N, C, H, W) and x (N, C, H, W) in [0, 1],
        under this network's pixel likelihood."""
        return self.likelihood.nats(logits, x)

    def loss_terms(
        self, x: torch.Tensor, noise: torch.Generator | None, *, kl_weight: float = 1.0, free_bits: float = 0.0
    ) -> dict[str, torch.Tensor]:
        """Batch means of the training loss ('loss') and its parts, for x (N, C, H, W) in [0, 1].

        With `noise` a stochastic kind samples; without it, it is deterministic. kl_weight
        (the KL warm-up's factor) and free_bits (nats per latent dimension) shape the loss of
        kinds with a KL term; the reported parts stay the true ones.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot be trained here.")

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """How badly each image of x (N, C, H, W) is explained, float (N,) in nats: the reconstruction nats of
        the posterior mean (a network without a prior has no KL term to add)."""
        mean, _ = self.encoder(x)
        return self.reconstruction_nats(self.decoder(mean), x)
