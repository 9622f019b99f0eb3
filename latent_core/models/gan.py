"""The GAN: a DCGAN-style generator, a spectrally normalised discriminator, the hinge losses,
and an optional inversion encoder that maps images back to codes.

The generator is the decoder every LatentModel has: codes (N, d) from the prior N(0, I) ->
logits (N, C, H, W), so `LatentModel.decode`'s sigmoid gives the image. The discriminator is
only needed to train and is not part of the saved network: a checkpoint holds what decoding
and encoding need (generator, and inversion encoder once trained), at half the size, and
nothing in the project resumes a GAN's training. Training lives in latent_core/gan_training.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .base import LatentNetwork
from .nets import Architecture

LOSSES = ("hinge",)


@dataclass(frozen=True)
class GANConfig:
    """What rebuilds a GAN: the networks' architecture (image size, latent_dim, base_channels; its networks have
    plain stages whatever `blocks` says, and no coordinate channels),
    the discriminator steps per generator step it was trained with, its loss, and whether an
    inversion encoder was trained (then the network has one and `can_encode` is true)."""

    architecture: Architecture
    n_dis: int = 1
    loss: str = "hinge"
    has_encoder: bool = False

    @classmethod
    def from_dict(cls, config: dict) -> GANConfig:
        """From a saved model config (config.json): 'architecture', 'gan' {n_dis, loss} and 'inversion'."""
        gan = config.get("gan", {})
        return cls(
            Architecture.from_dict(config["architecture"]),
            int(gan.get("n_dis", 1)),
            str(gan.get("loss", "hinge")),
            bool(config.get("inversion")),
        )


class Generator(nn.Module):
    """codes (N, d) -> logits (N, C, H, W): a linear layer to the smallest feature map, then one
    stride-2 transposed conv per stage (batch norm and ReLU between), whose output padding restores
    odd sizes exactly (28 -> 14 -> 7 and back). The first layer is linear in z (SeFa reads it)."""

    def __init__(self, arch: Architecture):
        super().__init__()
        sizes, channels = arch.stage_sizes(), arch.stage_channels()
        self.start_shape = (channels[-1], *sizes[-1])
        self.project = nn.Linear(arch.latent_dim, math.prod(self.start_shape))
        layers: list[nn.Module] = [nn.BatchNorm2d(channels[-1]), nn.ReLU()]
        outs = list(reversed(channels[:-1])) + [arch.channels]
        for i, (in_ch, out_ch) in enumerate(zip(reversed(channels), outs, strict=True)):
            small, big = sizes[-1 - i], sizes[-2 - i]
            padding = (big[0] - 2 * small[0], big[1] - 2 * small[1])
            layers.append(nn.ConvTranspose2d(in_ch, out_ch, 4, stride=2, padding=1, output_padding=padding))
            if i < len(channels) - 1:
                layers += [nn.BatchNorm2d(out_ch), nn.ReLU()]
        self.upsample = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z).view(-1, *self.start_shape))


def conv_trunk(arch: Architecture, spectral: bool) -> tuple[nn.Sequential, int]:
    """Stride-2 4x4 convs, one per stage, with LeakyReLU(0.1): images (N, C, H, W) -> flat features
    (N, F). Returns the trunk and F. With `spectral`, every conv is spectrally normalised.

    (A 3x3 conv before each, as in the SNGAN paper's CNN, made a step 4x slower on a CPU.)"""
    wrap = spectral_norm if spectral else (lambda module: module)
    layers, in_ch = [], arch.channels
    for out_ch in arch.stage_channels():
        layers += [wrap(nn.Conv2d(in_ch, out_ch, 4, stride=2, padding=1)), nn.LeakyReLU(0.1)]
        in_ch = out_ch
    h, w = arch.stage_sizes()[-1]
    return nn.Sequential(*layers, nn.Flatten()), in_ch * h * w


class Discriminator(nn.Module):
    """images (N, C, H, W) in [0, 1] -> realness scores, float (N,); every layer spectrally normalised
    (Miyato et al. 2018). Its weights are parametrised: state_dict keys end in
    'parametrizations.weight.original' (plus the power iteration's '_u', '_v')."""

    def __init__(self, arch: Architecture):
        super().__init__()
        self.features, width = conv_trunk(arch, spectral=True)
        self.head = spectral_norm(nn.Linear(width, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x * 2 - 1)).squeeze(1)


class InversionEncoder(nn.Module):
    """images (N, C, H, W) in [0, 1] -> (mean, logvar), each (N, d): `mean` is the code whose
    generated image resembles x; `logvar` does not depend on x: it is the log of the encoder's
    mean squared error per dimension on generated pairs (G(z), z), set after its training, so every
    code path that reads a posterior (mean, logvar) works and the spread says how sure it is."""

    def __init__(self, arch: Architecture):
        super().__init__()
        self.features, width = conv_trunk(arch, spectral=False)
        self.head = nn.Linear(width, arch.latent_dim)
        self.register_buffer("logvar", torch.zeros(arch.latent_dim))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = self.head(self.features(x * 2 - 1))
        return mean, self.logvar.expand_as(mean)


def discriminator_hinge_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))) for scores (N,): zero once D separates them by a margin."""
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def generator_hinge_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """-mean(D(G(z))) for scores (N,)."""
    return -fake_scores.mean()


class GAN(LatentNetwork):
    """decoder: the Generator, codes (N, d) -> logits (N, C, H, W); encoder: None, or an
    InversionEncoder once one is trained (`attach_encoder`). The discriminator is not part of
    it: `make_discriminator` builds one for training."""

    TERMS = ("d_loss", "g_loss")

    def __init__(self, config: GANConfig):
        arch = config.architecture
        super().__init__(Generator(arch), InversionEncoder(arch) if config.has_encoder else None)
        self.config = config

    def make_discriminator(self) -> Discriminator:
        """A fresh discriminator for this generator's images, drawn from torch's global generator."""
        return Discriminator(self.config.architecture)

    def attach_encoder(self, encoder: InversionEncoder) -> None:
        """Give the network its trained inversion encoder (then `can_encode` is true)."""
        self.encoder = encoder
