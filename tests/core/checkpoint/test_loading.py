"""Loading checkpoints: round trips, and refusing anything that could run code or does not match its config."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import latent_core
from latent_core import InvalidInputError
from latent_core.models import LatentNetwork
from tests.builders import CreatesFile


def test_round_trip_decodes_identically(tiny_model, tmp_path):
    tiny_model.save(tmp_path / "ckpt")
    saved = {p.name for p in (tmp_path / "ckpt").iterdir()}
    assert saved == {"config.json", "model.safetensors", "README.md", "training_map.safetensors"}  # a trained run
    loaded = latent_core.load_model(tmp_path / "ckpt")
    z = np.random.default_rng(1).standard_normal((16, tiny_model.latent_dim)).astype(np.float32)
    assert np.array_equal(loaded.decode(z), tiny_model.decode(z))
    assert loaded.history == tiny_model.history and loaded.image_shape == tiny_model.image_shape


def test_config_records_what_the_brief_asks(tiny_model, tmp_path, digits):
    tiny_model.save(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["kind"] == "vae" and config["beta"] == 1.0
    assert config["architecture"]["latent_dim"] == 4 and config["architecture"]["height"] == 8
    assert config["dataset"]["fingerprint"] == digits.fingerprint and config["dataset"]["name"] == "digits"
    assert len(config["history"]) == 2 and "torch" in config["versions"]
    card = (tmp_path / "README.md").read_text()  # each loss named as what it is (issue 11): no "validation loss"
    assert "Training objective (reconstruction + β·KL)" in card and "validation loss" not in card.lower()


@pytest.mark.parametrize("filename", ["model.pt", "weights.pkl", "model.safetensors"])
def test_pickle_is_refused_without_running_it(tiny_model, tmp_path, filename):
    marker = tmp_path / "pwned"
    folder = tmp_path / "ckpt"
    tiny_model.save(folder)
    payload = pickle.dumps(CreatesFile(marker))
    if filename == "model.safetensors":
        (folder / filename).write_bytes(payload)
        target = folder
    else:
        (folder / "model.safetensors").unlink()
        (folder / filename).write_bytes(payload)
        target = folder / filename if filename == "model.pt" else folder
    with pytest.raises(InvalidInputError, match="pickle|safetensors"):
        latent_core.load_model(target)
    assert not marker.exists()


def test_torch_save_file_is_refused(tiny_model, tmp_path):
    path = tmp_path / "model.pt"
    torch.save(tiny_model.decoder.state_dict(), path)
    with pytest.raises(InvalidInputError, match="Refused 'model.pt'"):
        latent_core.load_model(path)


def test_weights_that_do_not_match_config_are_refused(tiny_model, tmp_path):
    tiny_model.save(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["architecture"]["latent_dim"] = 5
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(InvalidInputError, match="do not match"):
        latent_core.load_model(tmp_path)


def test_nan_weights_are_refused(tiny_model, tmp_path):
    tiny_model.save(tmp_path)
    tensors = {k: v.clone() for k, v in tiny_model.network.state_dict().items()}
    next(iter(tensors.values())).fill_(float("nan"))
    save_file(tensors, tmp_path / "model.safetensors")
    with pytest.raises(InvalidInputError, match="NaN"):
        latent_core.load_model(tmp_path)


def test_missing_files_and_bad_config_are_explained(tiny_model, tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        latent_core.load_model(tmp_path / "nowhere")
    with pytest.raises(InvalidInputError, match="config.json and model.safetensors"):
        latent_core.load_model(tmp_path)
    tiny_model.save(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        latent_core.load_model(tmp_path)


def test_decoder_only_model_cannot_encode(tiny_model):
    generator = latent_core.LatentModel(LatentNetwork(tiny_model.decoder), tiny_model.config)
    assert not generator.can_encode
    assert generator.decode(np.zeros((1, 4))).shape == (1, 8, 8, 1)
    with pytest.raises(InvalidInputError, match="no encoder"):
        generator.encode(np.zeros((1, 8, 8, 1), np.uint8))
