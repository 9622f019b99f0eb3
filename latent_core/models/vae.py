"""The variational autoencoder (β-VAE when beta != 1) and its loss, the negative ELBO.

ELBO(x) = E_q(z|x)[log p(x|z)] - KL(q(z|x) || N(0, I)), with a diagonal Gaussian q and the
network's pixel likelihood p(x|z). Training minimises recon + beta * KL, optionally with the
KL weighted up from 0 (warm-up) and a free-bits floor per dimension; anomaly scores are a
seeded Monte Carlo estimate of the negative ELBO itself (beta = 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .base import LatentNetwork
from .nets import Architecture, Decoder, Encoder

SCORE_SAMPLES = 8  # draws of z per image in `scores`
SCORE_SEED = 0
SCORE_ROWS = 1024  # codes decoded per call in `scores`


@dataclass(frozen=True)
class VAEConfig:
    """What rebuilds a VAE: its networks' architecture and the KL weight it was trained with."""

    architecture: Architecture
    beta: float = 1.0


def kl_per_dim(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(logvar)) || N(0, 1)) of each latent dimension, float (N, d), for mean and logvar (N, d)."""
    return -0.5 * (1 + logvar - mean.pow(2) - logvar.exp())


def kl_nats(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(logvar)) || N(0, I)) per code, float (N,), for mean and logvar (N, d)."""
    return kl_per_dim(mean, logvar).sum(dim=1)


def kl_penalty(kl: torch.Tensor, free_bits: float) -> torch.Tensor:
    """The KL the loss pays for a batch, scalar: the sum over dimensions of each dimension's batch-mean KL
    (kl: (N, d)), floored at `free_bits` nats per dimension (Kingma et al. 2016). Below the floor a dimension
    pays the floor, so the loss does not push its KL further down."""
    per_dim = kl.mean(dim=0)
    return (per_dim.clamp(min=free_bits) if free_bits > 0 else per_dim).sum()


class VAE(LatentNetwork):
    """Encoder images (N, C, H, W) -> (mean, logvar) (N, d); decoder codes (N, d) -> logits (N, C, H, W)."""

    TERMS = ("loss", "recon", "kl")

    def __init__(self, config: VAEConfig):
        super().__init__(Decoder(config.architecture), Encoder(config.architecture))
        self.config = config

    def elbo_parts(self, x: torch.Tensor, noise: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruction nats per image, float (N,), and the KL of each latent dimension, float (N, d).

        With `noise`, z is one draw from q(z|x) (the reparameterisation trick), so recon + KL is a
        single-sample estimate of the negative ELBO; without it, z is the posterior mean.
        """
        mean, logvar = self.encoder(x)
        z = mean if noise is None else mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=noise)
        return self.reconstruction_nats(self.decoder(z), x), kl_per_dim(mean, logvar)

    def elbo_terms(self, x: torch.Tensor, noise: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstruction, KL) per image, each float (N,): the two parts of the negative ELBO (see elbo_parts)."""
        recon, kl = self.elbo_parts(x, noise)
        return recon, kl.sum(dim=1)

    def loss_terms(
        self, x: torch.Tensor, noise: torch.Generator | None, *, kl_weight: float = 1.0, free_bits: float = 0.0
    ) -> dict[str, torch.Tensor]:
        """'loss': recon + kl_weight * beta * KL penalty (see kl_penalty); 'recon' and 'kl' are the true batch
        means, whatever the warm-up weight and the floor."""
        recon, kl = self.elbo_parts(x, noise)
        recon_mean = recon.mean()
        loss = recon_mean + kl_weight * self.config.beta * kl_penalty(kl, free_bits)
        return {"loss": loss, "recon": recon_mean, "kl": kl.sum(dim=1).mean()}

    def scores(self, x: torch.Tensor, samples: int = SCORE_SAMPLES) -> torch.Tensor:
        """The negative ELBO per image, float (N,) in nats: the exact KL plus the reconstruction nats averaged
        over `samples` draws z = mean + std * e_j of q(z|x).

        The draws e_j ~ N(0, I) are seeded and shared by every image, so a score is deterministic and does
        not depend on the batch it is computed in; for each image it is an unbiased estimate. The samples x
        images codes are decoded SCORE_ROWS at a time (or N, when more), so a few images cost few calls.
        """
        mean, logvar = self.encoder(x)
        draws = torch.randn((samples, mean.shape[1]), generator=torch.Generator().manual_seed(SCORE_SEED))
        codes = (mean + torch.exp(0.5 * logvar) * draws[:, None, :]).reshape(-1, mean.shape[1])  # (samples * N, d)
        image = torch.arange(len(codes)) % len(x)  # the image each code belongs to
        rows = max(len(x), SCORE_ROWS)
        parts = range(0, len(codes), rows)
        recon = torch.cat(
            [self.reconstruction_nats(self.decoder(codes[i : i + rows]), x[image[i : i + rows]]) for i in parts]
        )
        return recon.view(samples, len(x)).mean(dim=0) + kl_nats(mean, logvar)
