"""Finding a checkpoint's files: zipped checkpoints (with or without a top folder, pickles and torch.save archives
refused) and the shipped checkpoints in models/."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import latent_core
from latent_core import InvalidInputError
from latent_core.checkpoint.discovery import shipped_dir
from tests.builders import CreatesFile, tiny_checkpoint, write_zip, zip_folder


@pytest.mark.parametrize("prefix", ["", "ckpt/"])
def test_zipped_checkpoint_loads_like_its_folder(tmp_path, prefix):
    folder = tiny_checkpoint(tmp_path / "ckpt")
    path = zip_folder(folder, tmp_path / "ckpt.zip", prefix)
    z = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    assert np.array_equal(latent_core.load_model(path).decode(z), latent_core.load_model(folder).decode(z))


def test_zip_without_weights_names_the_pickle_it_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = write_zip(tmp_path / "m.zip", {"config.json": b"{}", "model.pt": pickle.dumps(CreatesFile(marker))})
    with pytest.raises(
        InvalidInputError,
        match=r"needs config\.json and model\.safetensors \(model\.pt refused: pickled files can run code\)",
    ):
        latent_core.load_model(path)
    assert not marker.exists()


def test_torch_save_archive_is_refused_even_when_named_zip(tmp_path):
    path = tmp_path / "weights.zip"
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(
        InvalidInputError, match=r"Refused 'weights\.zip': it is a torch\.save archive, which holds pickled code"
    ):
        latent_core.load_model(path)


@pytest.mark.parametrize("name, shape", [("digits", (8, 8, 1)), ("shapes", (32, 32, 1)), ("mnist", (28, 28, 1))])
def test_shipped_models_load_small_and_reconstruct(name, shape, mnist_dir):
    assert name in latent_core.shipped_models()
    folder = shipped_dir() / name
    assert sum(p.stat().st_size for p in folder.iterdir()) < (8 if name == "mnist" else 5) * 2**20
    model = latent_core.load_model(name)
    assert model.image_shape == shape and model.can_encode
    options = {"n": 500} if name == "shapes" else {}
    data = latent_core.load_dataset(mnist_dir if name == "mnist" else name, **options)
    images = data.images[-500:]  # for mnist: the held-out end of the test set, by index
    if name == "mnist":
        images = np.where(images >= 128, 255, 0).astype(np.uint8)  # it was trained on binarised digits
    error = np.abs(model.reconstruct(images).astype(float) - images).mean()
    assert error < 30, f"shipped {name} model reconstructs poorly (mean abs error {error:.1f}/255)"
    assert model.history[-1]["val_loss"] < model.history[0]["val_loss"]
    card = (folder / "README.md").read_text()
    assert card.count("Validation −ELBO (1 sample per image)") == 1 and "validation loss" not in card
    assert "−log p(x), IWAE bound (k=" in card
