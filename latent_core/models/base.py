"""LatentNetwork: the nn.Module behind every LatentModel, and the pixel likelihood all kinds share.

A kind (vae.py, ae.py, ...) subclasses LatentNetwork and writes its loss next to it. Training
calls `loss_terms` on batches; the Model page's anomaly scores call `scores`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def reconstruction_nats(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) per image, float (N,): Bernoulli cross-entropy of logits
    (N, C, H, W) against x in [0, 1], summed over pixels."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


class LatentNetwork(nn.Module):
    """A decoder, codes (N, d) -> logits (N, C, H, W), and an optional encoder,
    images (N, C, H, W) in [0, 1] -> (mean, logvar).

    This base class holds networks loaded as they are (TorchScript files); kinds that train
    override `loss_terms` and `scores`.
    """

    TERMS: tuple[str, ...] = ("loss",)

    def __init__(self, decoder: nn.Module, encoder: nn.Module | None = None):
        super().__init__()
        self.decoder = decoder
        self.encoder = encoder

    def reconstruction_nats(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) per image, float (N,), for decoder outputs (N, C, H, W) and x (N, C, H, W) in [0, 1],
        under this network's pixel likelihood (Bernoulli here; a kind or a config may choose another)."""
        return reconstruction_nats(logits, x)

    def loss_terms(self, x: torch.Tensor, noise: torch.Generator | None) -> dict[str, torch.Tensor]:
        """Batch means of the training loss ('loss') and its parts, for x (N, C, H, W) in [0, 1].

        With `noise` a stochastic kind samples; without it (validation) it is deterministic.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot be trained here.")

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """How badly each image of x (N, C, H, W) is explained,
        float (N,) in nats: reconstruction of the posterior mean."""
        mean, _ = self.encoder(x)
        return self.reconstruction_nats(self.decoder(mean), x)
