"""The variational autoencoder (β-VAE when beta != 1) and its loss, the negative ELBO.

ELBO(x) = E_q(z|x)[log p(x|z)] - KL(q(z|x) || N(0, I)), with a diagonal Gaussian q and a
Bernoulli p(x|z) over pixels. Training minimises recon + beta * KL; anomaly scores are the
negative ELBO itself (beta = 1) with the reconstruction taken at the posterior mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .base import LatentNetwork
from .nets import Architecture, Decoder, Encoder


@dataclass(frozen=True)
class VAEConfig:
    """What rebuilds a VAE: its networks' architecture and the KL weight it was trained with."""

    architecture: Architecture
    beta: float = 1.0


def kl_nats(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(logvar)) || N(0, I)) per code, float (N,), for mean and logvar (N, d)."""
    return -0.5 * (1 + logvar - mean.pow(2) - logvar.exp()).sum(dim=1)


class VAE(LatentNetwork):
    """Encoder images (N, C, H, W) -> (mean, logvar) (N, d); decoder codes (N, d) -> logits (N, C, H, W)."""

    TERMS = ("loss", "recon", "kl")

    def __init__(self, config: VAEConfig):
        super().__init__(Decoder(config.architecture), Encoder(config.architecture))
        self.config = config

    def elbo_terms(self, x: torch.Tensor, noise: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstruction, KL) per image, each float (N,): the two parts of the negative ELBO.

        With `noise`, z is sampled from q(z|x) (the reparameterisation trick); without it, z is the posterior mean.
        """
        mean, logvar = self.encoder(x)
        z = mean if noise is None else mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=noise)
        return self.reconstruction_nats(self.decoder(z), x), kl_nats(mean, logvar)

    def loss_terms(self, x: torch.Tensor, noise: torch.Generator | None) -> dict[str, torch.Tensor]:
        recon, kl = (term.mean() for term in self.elbo_terms(x, noise))
        return {"loss": recon + self.config.beta * kl, "recon": recon, "kl": kl}

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """The negative ELBO per image, float (N,), at the posterior mean."""
        recon, kl = self.elbo_terms(x, None)
        return recon + kl
