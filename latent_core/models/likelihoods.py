"""Pixel likelihoods p(x|z): how a decoder's logits (N, C, H, W) score images x (N, C, H, W) in [0, 1].

Every likelihood decodes to the same picture, sigmoid(logits) (LatentModel.decode), and says
how many nats -log p(x|z) an image costs, summed over its pixels:

- bernoulli: binary cross-entropy. A true likelihood only for black-and-white pixels; on grey
  ones it cannot go below the pixels' own entropy, and it weighs errors too little, which is
  why grey photos collapse to the mean image under it.
- gaussian: N(x; sigmoid(logits), sigma_c^2) with one learned scale per channel (the σ-VAE of
  Rybkin et al. 2021). The scale follows the reconstruction error, so a good decoder is
  trusted more; nats are of a density on [0, 1] and can be negative.
- continuous_bernoulli: the normalised Bernoulli on [0, 1] of Loaiza-Ganem & Cunningham 2019.

`choose_likelihood` is the rule of the "auto" setting.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InvalidInputError

LIKELIHOODS = ("bernoulli", "gaussian", "continuous_bernoulli")
NEAR_EXTREME = 32  # a pixel within this many levels of 0 or 255 counts as black or white
BINARY_SHARE = 0.9  # images are near-binary when at least this share of their pixels is black or white
SAMPLE_IMAGES = 10_000  # the rule looks at an even sample of at most this many images
INITIAL_SCALE = 0.1  # the Gaussian's starting sigma, in units of the [0, 1] pixel range
MIN_LOG_SCALE = math.log(1e-3)  # sigma never goes below 1/1000 of the range
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def bernoulli_nats(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) per image, float (N,): Bernoulli cross-entropy of logits (N, C, H, W) against x in [0, 1]."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def log_normaliser(logits: torch.Tensor) -> torch.Tensor:
    """log C(λ) of the continuous Bernoulli, elementwise, for λ = sigmoid(logits).

    C = 2 artanh(1 - 2λ) / (1 - 2λ) = l / tanh(l / 2) for logits l; near l = 0 its Taylor
    series 2 + l²/6 avoids 0/0.
    """
    small = logits.abs() < 1e-2
    safe = torch.where(small, torch.ones_like(logits), logits)
    exact = torch.log(safe / torch.tanh(safe / 2))
    return torch.where(small, torch.log(2 + logits.pow(2) / 6), exact)


class PixelLikelihood(nn.Module):
    """-log p(x|z) of images x (N, C, H, W) in [0, 1] given decoder logits (N, C, H, W): `nats`, float (N,)."""

    name = ""

    def nats(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class Bernoulli(PixelLikelihood):
    """Binary cross-entropy summed over pixels; no parameters (checkpoints from before likelihoods are these)."""

    name = "bernoulli"

    def nats(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return bernoulli_nats(logits, x)


class Gaussian(PixelLikelihood):
    """N(x; sigmoid(logits), sigma_c²) per pixel; `log_scale` (C,) is log sigma_c, learned with the networks."""

    name = "gaussian"

    def __init__(self, channels: int):
        super().__init__()
        self.log_scale = nn.Parameter(torch.full((channels,), math.log(INITIAL_SCALE)))

    def nats(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        log_scale = self.log_scale.clamp(min=MIN_LOG_SCALE).view(1, -1, 1, 1)
        z = (x - torch.sigmoid(logits)) * torch.exp(-log_scale)
        return (0.5 * z.pow(2) + log_scale + HALF_LOG_2PI).flatten(1).sum(1)


class ContinuousBernoulli(PixelLikelihood):
    """The continuous Bernoulli CB(x; λ = sigmoid(logits)): cross-entropy minus its log normaliser, summed."""

    name = "continuous_bernoulli"

    def nats(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        cross_entropy = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
        return (cross_entropy - log_normaliser(logits)).flatten(1).sum(1)


def make_likelihood(name: str, channels: int) -> PixelLikelihood:
    """The likelihood called `name` (one of LIKELIHOODS) for images of `channels` channels."""
    if name == "bernoulli":
        return Bernoulli()
    if name == "gaussian":
        return Gaussian(channels)
    if name == "continuous_bernoulli":
        return ContinuousBernoulli()
    raise InvalidInputError(f"Pixel likelihood {name!r} is unknown; choose one of {', '.join(LIKELIHOODS)}.")


def binary_share(images: np.ndarray) -> float:
    """Share of the pixels of uint8 images (N, H, W, C) within NEAR_EXTREME levels of 0 or 255, over an even
    sample of at most SAMPLE_IMAGES images."""
    if len(images) > SAMPLE_IMAGES:
        images = images[np.linspace(0, len(images) - 1, SAMPLE_IMAGES).astype(int)]
    return float(((images <= NEAR_EXTREME) | (images >= 255 - NEAR_EXTREME)).mean())


def choose_likelihood(images: np.ndarray) -> str:
    """'bernoulli' for near-binary uint8 images (N, H, W, C): ink on paper, sprites, MNIST; 'gaussian' for grey
    or colour photos. Near-binary: at least 90% of the pixels within 32 levels (an eighth of the range) of
    black or white (MNIST 92%, shapes 98%; the 8x8 digits 71%, photos far less)."""
    return "bernoulli" if binary_share(images) >= BINARY_SHARE else "gaussian"
