"""A tiny GAN on 8x8 digits, trained once per session: a few dozen steps and its inversion encoder, in seconds."""

from __future__ import annotations

import numpy as np
import pytest

from latent_core import LatentModel, TrainConfig
from latent_core.gan_training import train_gan

TINY = TrainConfig(kind="gan", latent_dim=4, epochs=4, batch_size=32, base_channels=8, seed=3)


@pytest.fixture(scope="session")
def small_digits(digits):
    return digits.subset(np.arange(300))


@pytest.fixture(scope="session")
def tiny_gan(small_digits) -> LatentModel:
    """A 4-D GAN after 36 steps (9 an epoch) and 50 inversion steps, without the quality checks."""
    return train_gan(small_digits, TINY, check_quality=False)
