"""Default runs are sized by optimisation steps; the thread count is chosen; a short run beats the mean image."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import latent_core
import latent_core.training_config as training_config
from latent_core import TrainConfig, training
from latent_core.datasets.faces import make_faces
from latent_core.training import default_threads


def test_suggested_runs_take_about_the_target_steps_on_small_images():
    config = TrainConfig.suggested((8, 8, 1), 1797)  # digits: 1,617 training images, 26 steps per epoch at 64
    assert config.batch_size == 64 and config.steps_per_epoch(1797) == 26
    assert abs(config.steps(1797) - training_config.TARGET_STEPS) <= 13
    assert config.describe_steps(1797) == f"≈ {config.steps(1797):,} steps ({config.epochs} epochs)"
    assert config.warmup_steps == 100 and config.kl_warmup_steps == round(config.steps(1797) / 4)


def test_large_images_get_fewer_steps_within_the_pixel_budget():
    faces = TrainConfig.suggested((64, 64, 1), 400)
    mnist = TrainConfig.suggested((28, 28, 1), 10_000)
    for config, shape, n in ((faces, (64, 64, 1), 400), (mnist, (28, 28, 1), 10_000)):
        processed = config.steps(n) * config.batch_size * np.prod(shape)
        assert 0.8 * training_config.PIXEL_BUDGET < processed < 1.2 * training_config.PIXEL_BUDGET
    assert faces.batch_size == 32 and faces.epochs > 30  # 12 steps per epoch: many epochs, few images
    assert faces.learning_rate == 5e-4 and mnist.learning_rate == 1e-3


def test_explicit_settings_are_kept_and_empty_ones_chosen():
    config = TrainConfig(epochs=3, warmup_steps=0, kl_warmup_steps=None).resolved((8, 8, 1), 1000)
    assert (config.epochs, config.warmup_steps, config.kl_warmup_steps) == (3, 0, round(config.steps(1000) / 4))
    assert TrainConfig(kind="ae").resolved((8, 8, 1), 1000).kl_warmup_steps == 0  # no KL to warm up
    assert TrainConfig.suggested((8, 8, 1)).epochs is None  # without a dataset size, left to train_model


def test_train_model_fills_in_epochs_for_the_dataset(digits, monkeypatch):
    monkeypatch.setattr(training_config, "TARGET_STEPS", 30)
    small = digits.subset(np.arange(200))  # 180 training images: 6 steps per epoch at 32
    model = latent_core.train_model(small, latent_dim=2, batch_size=32, hidden=16, base_channels=8)
    assert model.config["training"]["epochs"] == 5 == len(model.history)
    assert model.config["training"]["warmup_steps"] == 3 and model.config["training"]["kl_warmup_steps"] == 8


def test_threads_are_set_for_the_training_and_restored(digits, monkeypatch):
    seen = []
    before = torch.get_num_threads()
    latent_core.train_model(
        digits.subset(np.arange(20)),
        epochs=1,
        latent_dim=2,
        hidden=16,
        base_channels=8,
        threads=2,
        on_progress=lambda p: seen.append(torch.get_num_threads()),
    )
    assert set(seen) == {2} and torch.get_num_threads() == before
    with pytest.raises(latent_core.InvalidInputError, match="threads=0"):
        latent_core.train_model(digits, threads=0)


def test_default_threads_follow_the_environment_then_the_free_cores(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert default_threads() == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    monkeypatch.setattr(training.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(training.os, "getloadavg", lambda: (0.2, 0.0, 0.0))
    assert default_threads() == 4  # an idle machine: every core
    monkeypatch.setattr(training.os, "getloadavg", lambda: (2.6, 0.0, 0.0))
    assert default_threads() == 1  # 2.6 of 4 cores busy: 1 thread, not 4 that would wait on each other
    monkeypatch.setattr(training.os, "getloadavg", lambda: (9.0, 0.0, 0.0))
    assert default_threads() == 1


def test_a_short_training_beats_the_mean_image():
    faces = make_faces(n=96, size=12, identities=8, seed=1)  # 240 steps of a small network: a few seconds
    model = latent_core.train_model(
        faces,
        latent_dim=8,
        epochs=40,
        batch_size=16,
        learning_rate=3e-3,
        hidden=32,
        base_channels=8,
        validation_fraction=0.0,
    )
    x = faces.images.astype(np.float32) / 255
    reconstructed = model.reconstruct(faces.images).astype(np.float32) / 255
    mean_image_mse = ((x - x.mean(axis=0)) ** 2).mean()
    assert ((reconstructed - x) ** 2).mean() < 0.6 * mean_image_mse  # 0.37 when written


def test_the_cli_says_how_many_steps_and_threads_a_run_takes(tmp_path, capsys):
    from latent_core.cli import main

    args = ["train", "--dataset", "digits", "--out", str(tmp_path / "m"), "--epochs", "1", "--hidden", "16"]
    assert main([*args, "--threads", "1", "--latent-dim", "2"]) == 0
    captured = capsys.readouterr()
    assert "training on digits: ≈ 13 steps (1 epoch), 1 thread(s)" in captured.err
    assert "epoch 1 of 1 kept" in captured.out
    assert main([*args, "--threads", "0"]) == 2
    assert "threads=0 is invalid" in capsys.readouterr().err
