"""train_model: learning, determinism, progress, cancellation and clean failures."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import latent_core
from latent_core import ImageDataset, InvalidInputError


def weights(model):
    return [p.detach().clone() for p in model.network.parameters()]


def test_training_lowers_validation_loss(tiny_model):
    history = tiny_model.history
    assert len(history) == 2
    assert history[-1]["val_loss"] < history[0]["val_loss"]
    assert {"train_loss", "val_loss", "train_recon", "train_kl", "val_recon", "val_kl"} <= set(history[0])


def test_untrained_model_reconstructs_worse_than_trained(tiny_model, digits):
    fresh = latent_core.LatentModel.build(tiny_model.config)
    sample = digits.images[:200].astype(np.float32)
    err_trained = np.abs(tiny_model.reconstruct(digits.images[:200]) - sample).mean()
    err_fresh = np.abs(fresh.reconstruct(digits.images[:200]) - sample).mean()
    assert err_trained < 0.8 * err_fresh


def test_same_seed_gives_same_weights_and_other_seed_differs(digits):
    small = digits.subset(np.arange(300))
    a = latent_core.train_model(small, latent_dim=3, epochs=1, batch_size=32, seed=5, hidden=32)
    b = latent_core.train_model(small, latent_dim=3, epochs=1, batch_size=32, seed=5, hidden=32)
    c = latent_core.train_model(small, latent_dim=3, epochs=1, batch_size=32, seed=6, hidden=32)
    assert all(torch.equal(x, y) for x, y in zip(weights(a), weights(b), strict=True))
    assert not all(torch.equal(x, y) for x, y in zip(weights(a), weights(c), strict=True))


def test_autoencoder_and_beta_vae_record_their_kind(digits):
    small = digits.subset(np.arange(200))
    ae = latent_core.train_model(small, kind="ae", latent_dim=2, epochs=1, hidden=32)
    beta = latent_core.train_model(small, kind="vae", beta=4.0, latent_dim=2, epochs=1, hidden=32)
    assert ae.kind == "ae" and ae.history[0]["train_kl"] == 0.0
    assert beta.config["beta"] == 4.0 and beta.history[0]["train_kl"] > 0
    assert ae.encode(small.images[:3]).shape == (3, 2)


def test_progress_reports_fields_and_ends_complete(digits):
    records = []
    latent_core.train_model(
        digits.subset(np.arange(400)), latent_dim=2, epochs=2, batch_size=50, hidden=32, on_progress=records.append
    )
    assert records, "on_progress was never called"
    last = records[-1]
    assert last.epoch == 2 and last.step == last.steps_per_epoch and math.isclose(last.fraction, 1.0)
    assert last.images_per_s > 0 and last.eta_s == 0 and len(last.history) == 2
    assert all(np.isfinite(r.losses["loss"]) for r in records)


def test_progress_arrives_at_least_once_a_second(digits, monkeypatch):
    import latent_core.training as training

    clock = {"t": 0.0}
    monkeypatch.setattr(training.time, "perf_counter", lambda: clock.__setitem__("t", clock["t"] + 0.3) or clock["t"])
    records = []
    latent_core.train_model(
        digits.subset(np.arange(640)), latent_dim=2, epochs=1, batch_size=32, hidden=32, on_progress=records.append
    )
    # 18 training steps, each 0.3 s of fake time apart: a report at least every 0.6 s of it.
    steps = [r.step for r in records]
    assert len(records) >= 8 and steps == sorted(steps)


def test_should_stop_cancels_within_one_batch(digits):
    calls = {"n": 0}

    def stop_after_three() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    model = latent_core.train_model(
        digits, latent_dim=2, epochs=50, batch_size=32, hidden=32, should_stop=stop_after_three
    )
    assert calls["n"] == 4, "training went on after should_stop() said yes"
    assert model.config["stopped_early"] and model.history == []
    assert np.isfinite(model.encode(digits.images[:2])).all()


def test_huge_learning_rate_is_a_clean_error(digits):
    with pytest.raises(InvalidInputError, match="learning rate"):
        latent_core.train_model(digits.subset(np.arange(300)), epochs=3, learning_rate=1e4, hidden=32)


def test_nan_images_are_refused_before_training():
    array = np.random.default_rng(0).random((20, 8, 8)).astype(np.float32)
    array[7, 0, 0] = np.nan
    with pytest.raises(InvalidInputError, match="NaN"):
        latent_core.train_model(ImageDataset.from_array(array), epochs=1)


def test_float_images_are_refused_by_the_container():
    with pytest.raises(InvalidInputError, match="uint8"):
        ImageDataset(np.full((20, 8, 8, 1), np.nan, dtype=np.float32))


@pytest.mark.parametrize(
    "setting, value",
    [
        ("kind", "diffusion"),
        ("latent_dim", 0),
        ("epochs", 0),
        ("beta", -1.0),
        ("learning_rate", float("nan")),
        ("validation_fraction", 0.9),
    ],
)
def test_bad_settings_name_themselves(digits, setting, value):
    with pytest.raises(InvalidInputError, match=setting if setting != "kind" else "diffusion"):
        latent_core.train_model(digits, **{setting: value})


def test_images_outside_supported_size_are_refused():
    with pytest.raises(InvalidInputError, match="8 to 128"):
        latent_core.train_model(ImageDataset(np.zeros((10, 4, 4, 1), np.uint8)), epochs=1)


@pytest.mark.parametrize("shape", [(9, 13, 1), (28, 28, 3), (64, 48, 1)])
def test_networks_adapt_to_image_shapes(shape):
    images = np.random.default_rng(0).integers(0, 256, (12, *shape), dtype=np.uint8)
    model = latent_core.train_model(
        ImageDataset(images), latent_dim=3, epochs=1, batch_size=6, hidden=16, base_channels=8
    )
    assert model.image_shape == shape
    assert model.decode(model.encode(images[:2])).shape == (2, *shape)


def test_encode_is_batched_and_matches_one_shot(tiny_model, digits):
    batched = tiny_model.encode(digits.images[:300], batch_size=7)
    whole = tiny_model.encode(digits.images[:300], batch_size=1000)
    np.testing.assert_allclose(batched, whole, rtol=1e-5, atol=1e-5)


def test_decode_checks_codes(tiny_model):
    with pytest.raises(InvalidInputError, match="4 values"):
        tiny_model.decode(np.zeros((2, 5)))
    with pytest.raises(InvalidInputError, match="NaN"):
        tiny_model.decode(np.full((1, 4), np.nan))
