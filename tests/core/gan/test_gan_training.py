"""train_gan: a tiny GAN trains with finite losses, deterministically, reports progress with samples, and stops."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import replace

import numpy as np
import torch

from latent_core.gan_training import (
    GAN_LEARNING_RATE,
    GANProgress,
    collapse_warning,
    discriminator_wins_warning,
    gan_learning_rate,
    train_gan,
)
from tests.core.gan.conftest import TINY

ONE_EPOCH = replace(TINY, epochs=1)


def weights(model) -> dict[str, torch.Tensor]:
    return model.network.state_dict()


def test_a_tiny_gan_trains_with_finite_losses_and_learns_to_encode(tiny_gan):
    assert [record["epoch"] for record in tiny_gan.history] == [1, 2, 3, 4]
    for record in tiny_gan.history:
        assert math.isfinite(record["train_d_loss"]) and math.isfinite(record["train_g_loss"])
    assert tiny_gan.kind == "gan" and tiny_gan.can_encode
    assert tiny_gan.config["inversion"]["steps"] == 50  # as many as the GAN's 36 steps, at least 50
    assert 0 <= tiny_gan.config["inversion"]["val_mse_encoder"] < 1
    assert tiny_gan.config["gan"] == {"n_dis": 1, "loss": "hinge", "betas": [0.0, 0.9]}
    assert tiny_gan.config["training"]["learning_rate"] == 2e-4  # the rate used: the VAE default means the recipe's
    assert tiny_gan.decode(np.zeros((2, 4))).shape == (2, 8, 8, 1)
    assert not tiny_gan.network.training


def test_the_same_seed_gives_the_same_weights(small_digits):
    first = train_gan(small_digits, ONE_EPOCH, check_quality=False)
    again = train_gan(small_digits, ONE_EPOCH)  # the quality checks draw from their own generators
    assert weights(first).keys() == weights(again).keys()
    for key, value in weights(first).items():
        torch.testing.assert_close(weights(again)[key], value, rtol=0, atol=0)
    other = train_gan(small_digits, replace(ONE_EPOCH, seed=4), check_quality=False)
    assert not torch.equal(weights(other)["decoder.project.weight"], weights(first)["decoder.project.weight"])


def test_progress_carries_both_losses_a_sample_grid_and_the_inversion_phase(small_digits):
    seen: list[GANProgress] = []
    train_gan(small_digits, replace(TINY, epochs=2), on_progress=seen.append, check_quality=False)
    gan = [p for p in seen if p.phase == "gan"]
    inversion = [p for p in seen if p.phase == "inversion"]
    assert [p.epoch for p in gan if p.step == p.steps_per_epoch] == [1, 2]  # one report after every epoch
    assert all(set(p.losses) == {"d_loss", "g_loss"} for p in gan)
    grid = gan[-1].samples
    assert grid.shape == (16, 8, 8, 1) and grid.dtype == np.uint8 and gan[-1].samples_step == 1
    assert inversion and inversion[-1].step == inversion[-1].steps_per_epoch == 50
    assert set(inversion[-1].losses) == {"latent_mse", "recon_mse"}
    assert inversion[-1].fraction == 1.0


def test_cancel_keeps_the_model_so_far_without_an_encoder(small_digits):
    calls = iter(range(1000))
    model = train_gan(small_digits, TINY, should_stop=lambda: next(calls) >= 12, check_quality=False)
    assert model.config["stopped_early"] is True
    assert len(model.history) == 1 and not model.can_encode  # stopped in epoch 2 (9 steps an epoch)
    assert model.decode(np.zeros((1, 4))).shape == (1, 8, 8, 1)


def test_the_vae_default_learning_rate_means_the_gan_recipes():
    assert gan_learning_rate(TINY) == GAN_LEARNING_RATE == 2e-4
    assert gan_learning_rate(replace(TINY, learning_rate=3e-4)) == 3e-4


def test_quality_is_recorded_at_the_last_epoch(small_digits):
    model = train_gan(small_digits, ONE_EPOCH)
    (record,) = model.history
    assert {"fd", "class_coverage", "largest_class_share", "median_confidence"} <= set(record)
    assert record["fd"] >= 0 and 0 <= record["class_coverage"] <= 1


def test_a_discriminator_that_wins_is_put_in_words(small_digits, monkeypatch):
    assert discriminator_wins_warning(deque([0.0] * 5, maxlen=6)) is None  # not a long stretch yet
    assert discriminator_wins_warning(deque([0.3] * 6, maxlen=6)) is None
    assert "discriminator wins" in discriminator_wins_warning(deque([0.01] * 6, maxlen=6))
    monkeypatch.setattr("latent_core.gan_training.D_WINS_WINDOW", 5)
    monkeypatch.setattr("latent_core.gan_training.D_WINS_LOSS", 100.0)  # every loss counts as near zero
    model = train_gan(small_digits, ONE_EPOCH, check_quality=False)
    assert any("discriminator wins" in warning for warning in model.config["warnings"])


def test_collapse_is_put_in_words():
    shares = {"a": 0.9, "b": 0.05, "c": 0.05}
    collapsed = {"class_shares": shares, "largest_class_share": 0.9, "largest_class": "a", "classes_found": 1}
    assert "collapse to few classes" in collapse_warning(collapsed | {"samples": 500})
    healthy = {"class_shares": shares, "largest_class_share": 0.4, "largest_class": "a", "classes_found": 3}
    assert collapse_warning(healthy | {"samples": 500}) is None
