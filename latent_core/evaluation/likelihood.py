"""How well a model explains held-out images: ELBO, importance-sampled NLL, KL per dimension, reconstructions.

All figures are nats per image (natural log) unless named otherwise, under the network's own pixel
likelihood (`network.reconstruction_nats`). For grey images under a Bernoulli likelihood that is a
cross-entropy, not a normalised density; `binarize=True` makes the targets 0/1 (the figure
comparable with the binarised-MNIST literature).

- ELBO: log p(x|z) - KL(q(z|x) || p(z)) with one z drawn from q per image (seeded): an unbiased
  single-sample estimate; its reconstruction part is -log p(x|z) and its KL part is exact.
- IWAE bound (Burda et al. 2015): -log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x), z_i drawn from q;
  an upper bound on -log p(x) that tightens with k, so at most -ELBO up to sampling noise. The
  effective sample size of the importance weights w_i, (sum w)^2 / sum w^2, is 1 to k per image:
  near 1 means q is a poor proposal and the bound is loose.
- Reconstruction MSE: per pixel in [0, 1], of the decoded posterior mean (sigmoid of the decoder's
  output, as the app shows it), against the mean image's MSE (predicting every image by the mean).
- Spread ratio: root mean per-pixel variance of the reconstructions across images over the same of
  the images; near 0 when every image decodes alike (collapse).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from ..model import images_to_tensor
from ..models import LatentNetwork
from ..models.vae import kl_per_dim

ACTIVE_KL_NATS = 0.01
BATCH = 256
DECODE_BUDGET = 2**21  # pixel values decoded per forward pass while importance sampling: bounds memory for any k
LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class LikelihoodFigures:
    """Held-out figures of one model; the density ones (elbo_*, iwae_*, kl_per_dim, active_units) are None
    for a model without a density (an autoencoder). `codes` (N, d) are the posterior means; `reconstructions`
    float32 (N, C, H, W) in [0, 1] the decoded posterior means, when asked for."""

    n_images: int
    elbo_nats: float | None
    elbo_se: float | None
    elbo_recon_nats: float | None
    elbo_kl_nats: float | None
    iwae_nll_nats: float | None
    iwae_se: float | None
    iwae_ess: float | None
    kl_per_dim: list[float] | None
    active_units: int | None
    recon_mse: float
    mean_image_mse: float
    recon_spread_ratio: float | None
    codes: np.ndarray
    reconstructions: np.ndarray | None


def standard_error(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("nan")


def log_weights(
    network: LatentNetwork, x: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor, samples: int, noise
) -> torch.Tensor:
    """log p(x|z) + log p(z) - log q(z|x), float64 (samples, B), for z drawn from q(z|x) for images x (B, C, H, W)
    with posterior mean and logvar (B, d)."""
    eps = torch.randn((samples, *mean.shape), generator=noise)
    z = mean + torch.exp(0.5 * logvar) * eps
    logits = network.decoder(z.reshape(-1, mean.shape[1]))
    log_px = -network.reconstruction_nats(logits, x.expand(samples, *x.shape).reshape(-1, *x.shape[1:]))
    log_pz = -0.5 * (z.pow(2) + LOG_2PI).sum(-1)
    log_qz = -0.5 * (eps.pow(2) + logvar + LOG_2PI).sum(-1)
    return (log_px.view(samples, -1) + log_pz - log_qz).double()


def importance_sampled(network, x, mean, logvar, k: int, noise, on_chunk: Callable[[float], None]):
    """Per image of x (B, C, H, W): the IWAE bound on -log p(x) with k samples and the weights' effective sample
    size, each float64 (B,). Samples go through the decoder in chunks of DECODE_BUDGET pixel values."""
    per_pass = max(1, DECODE_BUDGET // (x[0].numel() * len(x)))
    lse = torch.full((len(x),), -math.inf, dtype=torch.float64)
    lse_squared = lse.clone()
    done = 0
    while done < k:
        samples = min(per_pass, k - done)
        w = log_weights(network, x, mean, logvar, samples, noise)
        lse = torch.logaddexp(lse, torch.logsumexp(w, 0))
        lse_squared = torch.logaddexp(lse_squared, torch.logsumexp(2 * w, 0))
        done += samples
        on_chunk(done / k)
    return math.log(k) - lse, torch.exp(2 * lse - lse_squared)


def within_batch(on_progress: Callable[[float], None], start: int, size: int, n: int, fraction: float) -> None:
    """Report `fraction` of the batch of `size` images from `start` as a fraction of all n images."""
    on_progress((start + fraction * size) / n)


class Sums:
    """Running per-pixel sums over images (float64), for a mean image and a spread without keeping the images."""

    def __init__(self):
        self.n, self.total, self.squares = 0, 0.0, 0.0

    def add(self, batch: torch.Tensor) -> None:
        flat = batch.flatten(1).double()
        self.n += len(flat)
        self.total = self.total + flat.sum(0)
        self.squares = self.squares + flat.pow(2).sum(0)

    def mean_variance(self) -> float:
        """Mean over pixels of the per-pixel variance across images (population variance)."""
        mean = self.total / self.n
        return float((self.squares / self.n - mean.pow(2)).clamp_min(0).mean())


@torch.inference_mode()
def measure_likelihood(
    network: LatentNetwork,
    images: np.ndarray,
    *,
    k: int,
    density: bool,
    binarize: bool = False,
    seed: int = 0,
    keep_reconstructions: bool = False,
    on_progress: Callable[[float], None] = lambda fraction: None,
) -> LikelihoodFigures:
    """The figures above for uint8 images (N, H, W, C), N >= 1, in batches of BATCH.

    density: whether the network is a VAE (has a prior and a posterior), else only codes and reconstructions
    are measured. binarize: targets are pixels >= 128 (of 255) set to 1, else 0. Draws come from a generator
    seeded by `seed`, so equal inputs give equal figures. on_progress(fraction) after each decoder pass.
    """
    noise = torch.Generator().manual_seed(seed)
    n = len(images)
    codes, kept, recon_sse = [], [], 0.0
    data, recon = Sums(), Sums()
    elbo_recon, elbo_kl, nll, ess, kl_dims = [], [], [], [], 0.0
    for start in range(0, n, BATCH):
        x = images_to_tensor(images[start : start + BATCH])
        if binarize:
            x = (x > 0.5).float()
        mean, logvar = network.encoder(x)
        reconstruction = torch.sigmoid(network.decoder(mean))
        codes.append(mean.numpy().copy())
        if keep_reconstructions:
            kept.append(reconstruction.numpy().copy())
        recon_sse += float((reconstruction - x).double().pow(2).sum())
        data.add(x)
        recon.add(reconstruction)
        if density:
            per_dim = kl_per_dim(mean, logvar)
            kl_dims = kl_dims + per_dim.double().sum(0)
            z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=noise)
            elbo_recon.append(network.reconstruction_nats(network.decoder(z), x).double())
            elbo_kl.append(per_dim.double().sum(1))
            within = partial(within_batch, on_progress, start, len(x), n)
            bound, sample_size = importance_sampled(network, x, mean, logvar, k, noise, within)
            nll.append(bound)
            ess.append(sample_size)
        on_progress(min(start + BATCH, n) / n)
    data_variance = data.mean_variance()
    figures = {
        "n_images": n,
        "recon_mse": recon_sse / (n * images[0].size),
        "mean_image_mse": data_variance,
        "recon_spread_ratio": math.sqrt(recon.mean_variance() / data_variance) if data_variance > 0 else None,
        "codes": np.concatenate(codes),
        "reconstructions": np.concatenate(kept) if keep_reconstructions else None,
    }
    if not density:
        none = dict.fromkeys(("elbo_nats", "elbo_se", "elbo_recon_nats", "elbo_kl_nats"), None)
        none |= dict.fromkeys(("iwae_nll_nats", "iwae_se", "iwae_ess", "kl_per_dim", "active_units"), None)
        return LikelihoodFigures(**figures, **none)
    recon_nats, kl_nats, bounds = (torch.cat(v).numpy() for v in (elbo_recon, elbo_kl, nll))
    kl_means = (kl_dims / n).tolist()
    return LikelihoodFigures(
        **figures,
        elbo_nats=float(-(recon_nats + kl_nats).mean()),
        elbo_se=standard_error(recon_nats + kl_nats),
        elbo_recon_nats=float(recon_nats.mean()),
        elbo_kl_nats=float(kl_nats.mean()),
        iwae_nll_nats=float(bounds.mean()),
        iwae_se=standard_error(bounds),
        iwae_ess=float(torch.cat(ess).mean()),
        kl_per_dim=kl_means,
        active_units=sum(value > ACTIVE_KL_NATS for value in kl_means),
    )
