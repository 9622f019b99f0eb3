"""The variational autoencoder (β-VAE when beta != 1) and its loss, the negative ELBO.

ELBO(x) = E_q(z|x)[log p(x|z)] - KL(q(z|x) || N(0, I)), with a diagonal Gaussian q and the
network's pixel likelihood p(x|z). Training minimises recon + beta * KL, optionally with the
KL weighted up from 0 (warm-up) and a free-bits floor per dimension, and optionally plus
tc_weight * TC, a minibatch estimate of the codes' total correlation (β-TCVAE, see
total_correlation); anomaly scores are a seeded Monte Carlo estimate of the negative ELBO
itself (beta = 1, no TC term).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .base import LatentNetwork
from .nets import Architecture, Decoder, Encoder

SCORE_SAMPLES = 8  # draws of z per image in `scores`
SCORE_SEED = 0
SCORE_ROWS = 1024  # codes decoded per call in `scores`


@dataclass(frozen=True)
class VAEConfig:
    """What rebuilds a VAE: its networks' architecture, the KL weight and the total-correlation weight it was
    trained with (configs saved before tc_weight existed were trained without it: 0)."""

    architecture: Architecture
    beta: float = 1.0
    tc_weight: float = 0.0


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


def log_normal(z: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mean, exp(logvar)) of each coordinate, elementwise over broadcast tensors."""
    return -0.5 * (math.log(2 * math.pi) + logvar + (z - mean).pow(2) * torch.exp(-logvar))


def total_correlation(z: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Minibatch estimate of the total correlation of the codes, scalar in nats: KL(q(z) || prod_j q(z_j)),
    for z (M, d) drawn from the diagonal Gaussians q(z|x_i) = N(mean_i, exp(logvar_i)), each (M, d).

    q(z) is estimated by the batch's aggregate posterior (1/M) sum_i q(z|x_i), and each marginal q(z_j) by
    the same mixture of dimension j, both at the batch's own draws (Chen et al. 2018's minibatch-weighted
    sampling: their 1/(N M) weights differ from 1/M by a constant, which changes no gradient; with 1/M the
    estimate is that of the batch mixture's own TC, about 0 when its dimensions are independent and
    (d - 1) log M at most). An (M, M, d) tensor of log densities is formed, so M should stay in the hundreds.
    """
    m = z.shape[0]
    log_q = log_normal(z[:, None, :], mean[None, :, :], logvar[None, :, :])  # (M, M, d): log q(z_i,j | x_k)
    log_joint = torch.logsumexp(log_q.sum(dim=2), dim=1) - math.log(m)  # (M,): log q(z_i)
    log_marginals = (torch.logsumexp(log_q, dim=1) - math.log(m)).sum(dim=1)  # (M,): sum_j log q(z_i,j)
    return (log_joint - log_marginals).mean()


class VAE(LatentNetwork):
    """Encoder images (N, C, H, W) -> (mean, logvar) (N, d); decoder codes (N, d) -> logits (N, C, H, W).

    TERMS are the loss terms it reports, and 'tc' (the total-correlation estimate) too when tc_weight > 0."""

    TERMS = ("loss", "recon", "kl")

    def __init__(self, config: VAEConfig):
        super().__init__(Decoder(config.architecture), Encoder(config.architecture))
        self.config = config
        if config.tc_weight > 0:
            self.TERMS = (*VAE.TERMS, "tc")

    def sample_codes(
        self, x: torch.Tensor, noise: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(z, mean, logvar), each float (N, d), for images x (N, C, H, W): with `noise`, z is one draw from
        q(z|x) (the reparameterisation trick); without it, z is the posterior mean."""
        mean, logvar = self.encoder(x)
        z = mean if noise is None else mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=noise)
        return z, mean, logvar

    def elbo_parts(self, x: torch.Tensor, noise: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruction nats per image, float (N,), and the KL of each latent dimension, float (N, d).

        With `noise`, z is one draw from q(z|x) (the reparameterisation trick), so recon + KL is a
        single-sample estimate of the negative ELBO; without it, z is the posterior mean.
        """
        z, mean, logvar = self.sample_codes(x, noise)
        return self.reconstruction_nats(self.decoder(z), x), kl_per_dim(mean, logvar)

    def elbo_terms(self, x: torch.Tensor, noise: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstruction, KL) per image, each float (N,): the two parts of the negative ELBO (see elbo_parts)."""
        recon, kl = self.elbo_parts(x, noise)
        return recon, kl.sum(dim=1)

    def loss_terms(
        self, x: torch.Tensor, noise: torch.Generator | None, *, kl_weight: float = 1.0, free_bits: float = 0.0
    ) -> dict[str, torch.Tensor]:
        """'loss': recon + kl_weight * (beta * KL penalty + tc_weight * TC) (see kl_penalty and
        total_correlation); 'recon' and 'kl' are the true batch means, whatever the warm-up weight and the floor,
        and 'tc' (only when tc_weight > 0) the batch's TC estimate.

        The TC term comes on top of beta * KL, as in disentanglement_lib's β-TCVAE: since KL = index-code MI + TC
        + dimension-wise KL, beta=1 with tc_weight=w is Chen et al.'s objective with alpha = gamma = 1 and their
        β = 1 + w. It follows the KL warm-up's weight; with tc_weight = 0 the loss is exactly recon + β·KL.
        """
        z, mean, logvar = self.sample_codes(x, noise)
        kl = kl_per_dim(mean, logvar)
        recon_mean = self.reconstruction_nats(self.decoder(z), x).mean()
        loss = recon_mean + kl_weight * self.config.beta * kl_penalty(kl, free_bits)
        terms = {"recon": recon_mean, "kl": kl.sum(dim=1).mean()}
        if self.config.tc_weight > 0:
            terms["tc"] = total_correlation(z, mean, logvar)
            loss = loss + kl_weight * self.config.tc_weight * terms["tc"]
        return {"loss": loss, **terms}

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
