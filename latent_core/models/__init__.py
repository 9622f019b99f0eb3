"""The model family: one module per kind (vae.py, ae.py, gan.py), each with its config dataclass, nn.Module and loss.

REGISTRY maps a kind's name (as stored in config.json) to how it is built; KINDS are the
names a user can train. A new kind adds a module and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .ae import AEConfig, Autoencoder
from .base import LatentNetwork, reconstruction_nats
from .gan import GAN, GANConfig
from .likelihoods import LIKELIHOODS, choose_likelihood, make_likelihood
from .nets import Architecture
from .vae import VAE, VAEConfig, kl_nats


@dataclass(frozen=True)
class ModelKind:
    """name: as in config.json; label and summary: how people call it; build: saved model config dict -> network."""

    name: str
    label: str
    summary: str
    build: Callable[[dict], LatentNetwork]


def build_vae(config: dict) -> VAE:
    return VAE(
        VAEConfig(
            Architecture.from_dict(config["architecture"]),
            float(config.get("beta", 1.0)),
            float(config.get("tc_weight", 0.0)),  # configs saved before the TC term: none
        )
    )


def build_ae(config: dict) -> Autoencoder:
    return Autoencoder(AEConfig(Architecture.from_dict(config["architecture"])))


def build_gan(config: dict) -> GAN:
    return GAN(GANConfig.from_dict(config))


REGISTRY: dict[str, ModelKind] = {
    "vae": ModelKind(
        "vae", "VAE", "A VAE learns a smooth, sampleable latent space; beta weights its KL term.", build_vae
    ),
    "ae": ModelKind("ae", "AE", "An autoencoder only reconstructs: no KL term, no prior to sample from.", build_ae),
    "gan": ModelKind(
        "gan",
        "GAN",
        "A GAN's generator learns to make images from N(0, I) against a discriminator; an encoder trained "
        "afterwards places real images in its latent space.",
        build_gan,
    ),
}
KINDS: tuple[str, ...] = tuple(REGISTRY)


def build_network(config: dict) -> LatentNetwork:
    """Fresh, untrained networks for a saved model config holding 'kind' and 'architecture', with the pixel
    likelihood it names ('likelihood'; configs from before that key are Bernoulli)."""
    network = REGISTRY[config["kind"]].build(config)
    network.likelihood = make_likelihood(config.get("likelihood", "bernoulli"), config["architecture"]["channels"])
    return network


__all__ = [
    "AEConfig",
    "Architecture",
    "Autoencoder",
    "GAN",
    "GANConfig",
    "KINDS",
    "LIKELIHOODS",
    "LatentNetwork",
    "ModelKind",
    "REGISTRY",
    "VAE",
    "VAEConfig",
    "build_network",
    "choose_likelihood",
    "kl_nats",
    "make_likelihood",
    "reconstruction_nats",
]
