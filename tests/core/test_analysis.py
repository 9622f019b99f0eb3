"""Decoded manifold grids over a map, and per-image anomaly scores."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from latent_core import InvalidInputError, LatentModel, anomaly_scores, fit_projection, grid_points, manifold_grid
from latent_core.model import images_to_tensor
from latent_core.models import LatentNetwork, build_network


@pytest.fixture(scope="module")
def digit_codes(tiny_model, digits) -> np.ndarray:
    return tiny_model.encode(digits.images)


@pytest.fixture(scope="module")
def digit_map(digit_codes):
    return fit_projection(digit_codes, method="tsne", epochs=100)


def test_grid_images_are_the_decoded_inverse_of_the_grid_points(tiny_model, digit_map):
    bounds = (-10.0, 10.0, -5.0, 5.0)
    images, confidence = manifold_grid(tiny_model, digit_map, bounds, rows=4, cols=6, return_confidence=True)
    assert images.shape == (4, 6, 8, 8, 1) and images.dtype == np.uint8
    assert (
        confidence.shape == (4, 6) and confidence.dtype == np.float32 and ((0 <= confidence) & (confidence <= 1)).all()
    )
    points = grid_points(bounds, 4, 6)
    np.testing.assert_allclose(points[0, 0], [-10, 5])  # top left
    np.testing.assert_allclose(points[-1, -1], [10, -5])  # bottom right
    expected = tiny_model.decode(digit_map.inverse(points.reshape(-1, 2)))
    np.testing.assert_array_equal(images.reshape(-1, 8, 8, 1), expected)
    np.testing.assert_allclose(confidence.ravel(), digit_map.confidence(points.reshape(-1, 2)))


def test_default_bounds_cover_the_map_and_far_cells_have_low_confidence(tiny_model, digit_map):
    images = manifold_grid(tiny_model, digit_map, rows=3, cols=3)
    assert images.shape == (3, 3, 8, 8, 1) and len(np.unique(images.reshape(9, -1), axis=0)) > 1
    low, high = digit_map.embedding.min(axis=0), digit_map.embedding.max(axis=0)
    span = high - low
    far = (low[0] - 5 * span[0], low[0] - 4 * span[0], low[1], high[1])
    _, confidence = manifold_grid(tiny_model, digit_map, far, rows=2, cols=2, return_confidence=True)
    assert confidence.max() < 1e-6


def test_a_20_by_20_grid_takes_under_a_second(tiny_model, digit_map):
    manifold_grid(tiny_model, digit_map, rows=2, cols=2)
    start = time.perf_counter()
    manifold_grid(tiny_model, digit_map, rows=20, cols=20)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    "bounds, rows, words",
    [
        ((0, 0, 0, 1), 3, "x_min < x_max"),
        ((0, 1, 0, float("nan")), 3, "finite"),
        ((0, 1), 3, "four numbers"),
        (None, 0, "rows=0 is invalid"),
        (None, 101, "rows=101 is invalid"),
    ],
)
def test_bad_grid_input(tiny_model, digit_map, bounds, rows, words):
    with pytest.raises(InvalidInputError, match=words):
        manifold_grid(tiny_model, digit_map, bounds, rows=rows, cols=3)


def test_grid_needs_a_2d_map_of_the_models_codes(tiny_model, digit_codes):
    with pytest.raises(InvalidInputError, match="needs a 2-D map"):
        manifold_grid(tiny_model, fit_projection(digit_codes, method="pca", dims=3))
    other = fit_projection(np.random.default_rng(0).normal(size=(50, 5)), method="pca")
    with pytest.raises(InvalidInputError, match="5-D codes but model"):
        manifold_grid(tiny_model, other)


def test_vae_scores_are_a_seeded_estimate_of_the_negative_elbo_per_image(tiny_model, digits):
    scores = anomaly_scores(tiny_model, digits)
    assert scores.shape == (len(digits),) and scores.dtype == np.float32 and np.isfinite(scores).all()
    x = images_to_tensor(digits.images[:300])
    with torch.no_grad():  # beta is 1: the loss of one draw of z per image is a single-sample -ELBO estimate
        draws = [tiny_model.network.loss_terms(x, torch.Generator().manual_seed(s))["loss"] for s in range(40)]
        at_mean = tiny_model.network.loss_terms(x, None)["loss"].item()
    many = torch.stack(draws).mean().item()
    assert scores[:300].mean() == pytest.approx(many, rel=0.01)
    assert abs(scores[:300].mean() - many) < abs(at_mean - many) / 3  # not the posterior mean's reconstruction
    np.testing.assert_allclose(anomaly_scores(tiny_model, digits.images[:5], batch_size=2), scores[:5], rtol=1e-5)
    np.testing.assert_allclose(anomaly_scores(tiny_model, digits.images[:300]), scores[:300], rtol=1e-5)


def test_vae_scores_average_the_reconstruction_over_shared_seeded_draws(tiny_model, digits, monkeypatch):
    import latent_core.models.vae as vae

    network, x = tiny_model.network, images_to_tensor(digits.images[:10])
    with torch.no_grad():
        mean, logvar = network.encoder(x)
        draws = torch.randn((3, mean.shape[1]), generator=torch.Generator().manual_seed(vae.SCORE_SEED))
        recon = [network.reconstruction_nats(network.decoder(mean + torch.exp(0.5 * logvar) * e), x) for e in draws]
        expected = torch.stack(recon).mean(0) + vae.kl_nats(mean, logvar)
        monkeypatch.setattr(vae, "SCORE_ROWS", 4)  # 30 codes decoded 10 at a time
        np.testing.assert_allclose(network.scores(x, samples=3), expected, rtol=1e-5)


def test_ae_scores_are_the_reconstruction_error_alone(tiny_model, digits):
    config = {**tiny_model.config, "kind": "ae"}
    network = build_network(config)
    network.load_state_dict(tiny_model.network.state_dict())
    autoencoder = LatentModel(network, config)
    vae, ae = anomaly_scores(tiny_model, digits.images[:200]), anomaly_scores(autoencoder, digits.images[:200])
    assert np.all(vae > ae)  # the VAE adds a positive KL term
    x = images_to_tensor(digits.images[:200])
    with torch.no_grad():
        recon = autoencoder.network.loss_terms(x, None)["recon"].item()
    assert ae.mean() == pytest.approx(recon, rel=1e-4)


def test_noise_images_score_as_more_unusual_than_digits(tiny_model, digits):
    noise = np.random.default_rng(0).integers(0, 256, size=(50, 8, 8, 1), dtype=np.uint8)
    assert np.median(anomaly_scores(tiny_model, noise)) > np.percentile(anomaly_scores(tiny_model, digits), 99)


def test_anomaly_scores_check_the_images(tiny_model):
    with pytest.raises(InvalidInputError, match="shape"):
        anomaly_scores(tiny_model, np.zeros((3, 28, 28, 1), dtype=np.uint8))
    decoder_only = LatentModel(LatentNetwork(tiny_model.decoder), tiny_model.config)
    with pytest.raises(InvalidInputError, match="no encoder"):
        anomaly_scores(decoder_only, np.zeros((3, 8, 8, 1), dtype=np.uint8))
