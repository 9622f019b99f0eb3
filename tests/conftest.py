"""Shared fixtures: the real MNIST test set from ../shared and a tiny model trained on digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import latent_core
from tests.paths import MNIST_DIR


@pytest.fixture(scope="session", autouse=True)
def private_folders(tmp_path_factory):
    """Projection cache, uploads, downloads and the library go to this run's temporary folders
    (the e2e servers inherit them), never the user's."""
    root = tmp_path_factory.mktemp("latent-explorer")
    with pytest.MonkeyPatch.context() as patch:
        names = ("LATENT_EXPLORER_CACHE", "LATENT_EXPLORER_UPLOADS", "LATENT_EXPLORER_DATA", "LATENT_EXPLORER_HOME")
        for variable in names:
            patch.setenv(variable, str(root / variable.rsplit("_", 1)[1].lower()))
        yield root


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    if not MNIST_DIR.is_dir():
        pytest.fail(f"The MNIST test set is expected at {MNIST_DIR} on every machine.")
    return MNIST_DIR


@pytest.fixture(scope="session")
def digits() -> latent_core.ImageDataset:
    return latent_core.load_dataset("digits")


@pytest.fixture(scope="session")
def tiny_model(digits) -> latent_core.LatentModel:
    """A 4-D VAE trained for two epochs on digits: enough to decode distinct images, in about a second."""
    return latent_core.train_model(digits, latent_dim=4, epochs=2, batch_size=64, seed=0, hidden=64)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
