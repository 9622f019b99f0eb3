"""TorchScript checkpoints: loaded only behind the server's explicit opt-in, and still checked when they are."""

from __future__ import annotations

import io
import json
import pickle

import numpy as np
import pytest
import torch
from torch import nn

import latent_core
from latent_core import InvalidInputError
from latent_core.settings import settings
from tests.builders import CreatesFile, zip_folder

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:FutureWarning")


class Generator(nn.Module):
    """codes (N, 3) -> (N, 1, 6, 5) in [-1, 1]."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 30)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.linear(z)).view(-1, 1, 6, 5)


class MeanEncoder(nn.Module):
    """images (N, 1, 6, 5) -> codes (N, 3): a mean only, no log-variance."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(30, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.flatten(1))


def scripted(module: nn.Module) -> bytes:
    torch.manual_seed(0)
    out = io.BytesIO()
    torch.jit.save(torch.jit.script(module), out)
    return out.getvalue()


@pytest.fixture
def script_folder(tmp_path):
    folder = tmp_path / "gan"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"latent_dim": 3, "name": "gan", "decoder_output": "tanh"}))
    (folder / "decoder.pt").write_bytes(scripted(Generator()))
    return folder


def test_torchscript_is_refused_without_the_opt_in_and_never_loaded(script_folder, monkeypatch):
    monkeypatch.setattr(torch.jit, "load", lambda *a, **k: pytest.fail("torch.jit.load ran without the opt-in"))
    with pytest.raises(
        InvalidInputError,
        match=r"Refused 'gan': decoder\.pt holds TorchScript, which is executable code; .*LATENT_ALLOW_TORCHSCRIPT=1",
    ):
        latent_core.load_model(script_folder)
    with pytest.raises(
        InvalidInputError, match=r"Refused 'decoder\.pt': it is a TorchScript program, which is executable code"
    ):
        latent_core.load_model(script_folder / "decoder.pt")


def test_opted_in_torchscript_decoder_only_model(script_folder):
    model = latent_core.load_model(script_folder, allow_torchscript=True)
    assert model.image_shape == (6, 5, 1) and model.latent_dim == 3 and not model.can_encode and model.name == "gan"
    z = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    torch.manual_seed(0)
    expected = (
        (torch.tanh(Generator().linear(torch.from_numpy(z))).view(-1, 1, 6, 5).permute(0, 2, 3, 1).detach().numpy() + 1)
        / 2
        * 255
    )
    assert np.abs(model.decode(z).astype(float) - expected).max() <= 1.0
    with pytest.raises(InvalidInputError, match="no encoder"):
        model.encode(np.zeros((1, 6, 5, 1), np.uint8))


def test_a_torchscript_model_is_not_saved_as_a_checkpoint(script_folder, tmp_path):
    model = latent_core.load_model(script_folder, allow_torchscript=True)
    with pytest.raises(InvalidInputError, match="loaded from TorchScript files"):
        model.save(tmp_path / "copy")
    assert not (tmp_path / "copy").exists()


def test_opt_in_from_the_environment(script_folder, tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_ALLOW_TORCHSCRIPT", "1")
    assert settings().limits.allow_torchscript
    (script_folder / "encoder.pt").write_bytes(scripted(MeanEncoder()))
    model = latent_core.load_model(zip_folder(script_folder, tmp_path / "gan.zip"))
    assert model.can_encode and model.encode(np.zeros((2, 6, 5, 1), np.uint8)).shape == (2, 3)
    monkeypatch.setenv("LATENT_ALLOW_TORCHSCRIPT", "maybe")
    with pytest.raises(InvalidInputError, match=r"LATENT_ALLOW_TORCHSCRIPT='maybe' must be 1 or 0"):
        settings()


@pytest.mark.parametrize(
    "config, message",
    [
        ({"name": "gan"}, r"needs a config\.json with 'latent_dim' \(1-4096\)"),
        ({"latent_dim": 3, "decoder_output": "sigmoid"}, r"'decoder_output' \(logits, probabilities, tanh\)"),
        ({"latent_dim": 4}, r"TorchScript file 'decoder\.pt' fails on an input of shape \(2, 4\)"),
    ],
)
def test_opted_in_torchscript_is_still_checked(script_folder, config, message):
    (script_folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(InvalidInputError, match=message):
        latent_core.load_model(script_folder, allow_torchscript=True)


def test_opt_in_does_not_admit_pickles(script_folder):
    marker = script_folder.parent / "pwned"
    (script_folder / "encoder.pt").write_bytes(pickle.dumps(CreatesFile(marker)))
    with pytest.raises(InvalidInputError, match=r"encoder\.pt refused: pickled files can run code"):
        latent_core.load_model(script_folder, allow_torchscript=True)
    assert not marker.exists()
