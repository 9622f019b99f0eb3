"""A GAN through the project's doors: train_model, TrainConfig's n_dis, checkpoints and the CLI."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

import latent_core
from latent_core.cli import main
from latent_core.gan_training import train_gan
from tests.core.gan.conftest import TINY


def test_train_model_trains_a_gan(small_digits):
    model = latent_core.train_model(small_digits, replace(TINY, epochs=1))
    assert model.kind == "gan" and model.can_encode and model.config["best_epoch"] == 1
    assert model.config["training"]["n_dis"] == 1 and "gan" in latent_core.KINDS


def test_n_dis_steps_the_discriminator_more_often(small_digits, monkeypatch):
    import latent_core.gan_training as gan_training

    calls = []
    real = gan_training.generator_hinge_loss
    monkeypatch.setattr(gan_training, "generator_hinge_loss", lambda scores: calls.append(1) or real(scores))
    model = train_gan(small_digits, replace(TINY, epochs=1, n_dis=2), check_quality=False)
    assert len(calls) == 4  # 9 discriminator steps, a generator step after every second
    assert model.config["gan"]["n_dis"] == 2


def test_a_saved_gan_loads_and_decodes_and_encodes_identically(tiny_gan, small_digits, tmp_path):
    tiny_gan.save(tmp_path / "gan")
    loaded = latent_core.load_model(tmp_path / "gan")
    assert loaded.kind == "gan" and loaded.can_encode
    z = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_array_equal(loaded.decode(z), tiny_gan.decode(z))
    images = small_digits.images[:6]
    np.testing.assert_array_equal(loaded.encode(images), tiny_gan.encode(images))
    np.testing.assert_array_equal(loaded.encode_with_logvar(images)[1], tiny_gan.encode_with_logvar(images)[1])
    assert not any("discriminator" in key for key in tiny_gan.network.state_dict())  # decoding does not need it


def test_a_gan_saved_without_encoder_loads_without_one(small_digits, tmp_path):
    calls = iter(range(1000))
    stopped = train_gan(small_digits, TINY, should_stop=lambda: next(calls) >= 3, check_quality=False)
    stopped.save(tmp_path / "bare")
    loaded = latent_core.load_model(tmp_path / "bare")
    assert not loaded.can_encode and loaded.config["stopped_early"]
    z = np.zeros((1, 4), dtype=np.float32)
    torch.testing.assert_close(loaded.decode_logits(z), stopped.decode_logits(z), rtol=0, atol=0)


def test_the_cli_trains_a_gan(tmp_path, capsys):
    out = tmp_path / "g"
    flags = ["--kind", "gan", "--epochs", "1", "--latent-dim", "3", "--base-channels", "8", "--n-dis", "1"]
    assert main(["train", "--dataset", "digits", "--out", str(out), *flags]) == 0
    assert "discriminator loss" in capsys.readouterr().out
    model = latent_core.load_model(out)
    assert model.kind == "gan" and model.latent_dim == 3 and model.can_encode


@pytest.mark.parametrize("kind", ["vae", "ae"])
def test_train_gan_refuses_other_kinds(small_digits, kind):
    with pytest.raises(latent_core.InvalidInputError, match="train_gan trains GANs"):
        train_gan(small_digits, replace(TINY, kind=kind))
