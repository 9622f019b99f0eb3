"""Early stopping and cancelling keep the weights of the epoch with the lowest validation loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import latent_core
import latent_core.training as training
from latent_core.training import epoch_noise, split

SETTINGS = {"latent_dim": 2, "batch_size": 32, "hidden": 16, "base_channels": 8, "kl_warmup_steps": 0}


@pytest.fixture
def small(digits):
    return digits.subset(np.arange(200))


@pytest.fixture
def worse_from_epoch_3(monkeypatch):
    """Validation as usual, plus 1,000 nats from epoch 3 on; keeps each epoch's weights as validated."""
    snapshots = []
    real = training.evaluate

    def evaluate(network, images, index, batch_size, noise):
        snapshots.append({k: v.clone() for k, v in network.state_dict().items()})
        measured = real(network, images, index, batch_size, noise)
        return measured | {"loss": measured["loss"] + (1000.0 if len(snapshots) >= 3 else 0.0)}

    monkeypatch.setattr(training, "evaluate", evaluate)
    return snapshots


def same_weights(network, state) -> bool:
    return all(torch.equal(v, state[k]) for k, v in network.state_dict().items())


def test_patience_stops_and_restores_the_best_epochs_weights(small, worse_from_epoch_3):
    model = latent_core.train_model(small, epochs=20, patience=2, **SETTINGS)
    losses = [h["val_loss"] for h in model.history]
    assert len(model.history) == 4 and model.config["stopped_on_plateau"]  # epochs 3 and 4 did not improve
    best = int(np.argmin(losses)) + 1
    assert model.config["best_epoch"] == best in (1, 2)
    assert same_weights(model.network, worse_from_epoch_3[best - 1])
    assert not same_weights(model.network, worse_from_epoch_3[-1])


def test_without_patience_every_epoch_runs_and_the_best_is_still_kept(small, worse_from_epoch_3):
    model = latent_core.train_model(small, epochs=5, **SETTINGS)
    assert len(model.history) == 5 and "stopped_on_plateau" not in model.config
    assert model.config["best_epoch"] in (1, 2)
    assert same_weights(model.network, worse_from_epoch_3[model.config["best_epoch"] - 1])


def test_cancel_returns_the_best_model_so_far(small, worse_from_epoch_3):
    steps = {"n": 0}

    def stop_in_epoch_4() -> bool:  # 180 training images: 6 steps per epoch
        steps["n"] += 1
        return steps["n"] > 6 * 3 + 2

    model = latent_core.train_model(small, epochs=20, should_stop=stop_in_epoch_4, **SETTINGS)
    assert model.config["stopped_early"] and len(model.history) == 3
    assert same_weights(model.network, worse_from_epoch_3[model.config["best_epoch"] - 1])
    assert np.isfinite(model.encode(small.images[:3])).all()


def test_epochs_of_the_kl_warm_up_are_not_candidates(small, worse_from_epoch_3):
    model = latent_core.train_model(small, epochs=5, **(SETTINGS | {"kl_warmup_steps": 6 * 3}))
    assert model.config["best_epoch"] == 3 + int(np.argmin([h["val_loss"] for h in model.history[2:]]))


def test_without_validation_images_the_last_epoch_is_kept(small):
    model = latent_core.train_model(small, epochs=2, validation_fraction=0.0, patience=1, **SETTINGS)
    assert model.config["best_epoch"] == 2 and "val_loss" not in model.history[-1]


def test_validation_figures_are_a_seeded_single_sample_elbo_and_the_beta_objective(small):
    model = latent_core.train_model(small, epochs=2, beta=3.0, seed=4, **SETTINGS)
    best = model.history[model.config["best_epoch"] - 1]
    _, val_index = split(len(small), 0.1, 4)
    images = torch.from_numpy(small.images)
    again = training.evaluate(model.network, images, val_index, 32, epoch_noise(4, best["epoch"]))
    assert again == {"loss": best["val_loss"], "recon": best["val_recon"], "kl": best["val_kl"]}
    assert best["val_loss"] == pytest.approx(best["val_recon"] + 3.0 * best["val_kl"], rel=1e-6)
    at_mean = training.evaluate(model.network, images, val_index, 32, None)
    assert at_mean["recon"] != best["val_recon"]  # not the posterior mean's reconstruction


def test_same_seed_gives_the_same_history(small):
    a = latent_core.train_model(small, epochs=2, seed=9, **SETTINGS)
    b = latent_core.train_model(small, epochs=2, seed=9, **SETTINGS)
    drop = ("seconds",)
    assert [{k: v for k, v in h.items() if k not in drop} for h in a.history] == [
        {k: v for k, v in h.items() if k not in drop} for h in b.history
    ]
