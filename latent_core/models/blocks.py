"""Building blocks of the encoder and decoder (nets.py): residual blocks, coordinate channels and fully connected
hidden layers."""

from __future__ import annotations

import torch
from torch import nn

SLOPE = 0.2  # LeakyReLU's negative slope, everywhere in the networks


def activation() -> nn.Module:
    return nn.LeakyReLU(SLOPE)


def fully_connected(in_features: int, *widths: int) -> nn.Sequential:
    """(N, in_features) -> (N, widths[-1]): a Linear layer and an activation per width."""
    layers: list[nn.Module] = []
    for width in widths:
        layers += [nn.Linear(in_features, width), activation()]
        in_features = width
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    """x + conv3x3(act(conv3x3(act(x)))): (N, C, H, W) -> (N, C, H, W), the same size and channels.

    Pre-activation style (He et al. 2016) without normalisation: the skip keeps a path with no
    nonlinearity, so gradients reach the earlier stages whatever the block learns.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            activation(),
            nn.Conv2d(channels, channels, 3, padding=1),
            activation(),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class CoordChannels(nn.Module):
    """(N, C, H, W) -> (N, C + 2, H, W): appends maps of x and y, each running from -1 to 1 across the image
    (CoordConv, Liu et al. 2018), so that the convolutions after it can tell where they are."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        ys = torch.linspace(-1, 1, h, dtype=x.dtype, device=x.device).view(1, 1, h, 1).expand(n, 1, h, w)
        xs = torch.linspace(-1, 1, w, dtype=x.dtype, device=x.device).view(1, 1, 1, w).expand(n, 1, h, w)
        return torch.cat([x, xs, ys], dim=1)
