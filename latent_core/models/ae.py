"""The plain autoencoder: the VAE's networks trained on reconstruction alone, decoding the posterior mean."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .base import LatentNetwork
from .nets import Architecture, Decoder, Encoder


@dataclass(frozen=True)
class AEConfig:
    """What rebuilds an autoencoder: its networks' architecture."""

    architecture: Architecture


class Autoencoder(LatentNetwork):
    """Encoder images (N, C, H, W) -> (code, unused) (N, d); decoder codes (N, d) -> logits (N, C, H, W).

    The encoder's second output is ignored, so an AE checkpoint has the same tensors as a VAE's.
    Its anomaly score (LatentNetwork.scores) is the reconstruction nats of its code.
    """

    TERMS = ("loss", "recon", "kl")

    def __init__(self, config: AEConfig):
        super().__init__(Decoder(config.architecture), Encoder(config.architecture))
        self.config = config

    def loss_terms(
        self, x: torch.Tensor, noise: torch.Generator | None, *, kl_weight: float = 1.0, free_bits: float = 0.0
    ) -> dict[str, torch.Tensor]:
        """Reconstruction nats per image, batch mean; 'kl' is 0 so that histories of all kinds have the same columns.
        An autoencoder has no KL term, so kl_weight and free_bits do not apply."""
        z, _ = self.encoder(x)
        recon = self.reconstruction_nats(self.decoder(z), x).mean()
        return {"loss": recon, "recon": recon, "kl": torch.zeros((), dtype=x.dtype)}
