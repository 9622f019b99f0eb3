"""Models with latent dimensions switched off, for the tests of inactive dimensions and collapse."""

from __future__ import annotations

import copy

import torch
from torch import nn

import latent_core


def encoder_head(model: latent_core.LatentModel) -> nn.Linear:
    """The encoder's last linear layer: its outputs are the posterior means (first d) and log-variances (last d)."""
    d = model.latent_dim
    return [m for m in model.network.encoder.modules() if isinstance(m, nn.Linear) and m.out_features == 2 * d][-1]


@torch.no_grad()
def silenced(model: latent_core.LatentModel, dims: list[int]) -> latent_core.LatentModel:
    """A copy of a VAE in which latent dimensions `dims` carry nothing: the encoder's posterior for them is the prior
    N(0, 1) whatever the image (KL 0, posterior means 0) and the decoder ignores them. Silencing every dimension
    makes the decoder ignore the code: every image is reconstructed alike (collapse)."""
    copied = copy.deepcopy(model)
    d = copied.latent_dim
    head = encoder_head(copied)
    first = next(m for m in copied.network.decoder.modules() if isinstance(m, nn.Linear) and m.in_features == d)
    for i in dims:
        for row in (i, d + i):  # the mean's and the log-variance's outputs
            head.weight[row] = 0.0
            head.bias[row] = 0.0
        first.weight[:, i] = 0.0
    copied.metrics = None
    return copied


@torch.no_grad()
def louder(model: latent_core.LatentModel, dims: list[int], factor: float) -> latent_core.LatentModel:
    """A copy of a model whose posterior means of dimensions `dims` are `factor` times as large: they vary more
    across the images (a briefly trained model's codes vary little)."""
    copied = copy.deepcopy(model)
    head = encoder_head(copied)
    for i in dims:
        head.weight[i] *= factor
        head.bias[i] *= factor
    copied.metrics = None
    return copied
