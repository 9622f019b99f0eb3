"""The learned inverse (map point -> code) and its confidence."""

from __future__ import annotations

import time

import numpy as np
import pytest

from latent_core import fit_projection
from latent_core.projection.inverse import KernelRegressor, MapConfidence
from latent_core.projection.quality import inverse_error


def curved_sheet(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A known answer: map points (u, v) in [0, 1]^2 and codes f(u, v) on a smooth curved sheet in 6-D."""
    rng = np.random.default_rng(seed)
    uv = rng.uniform(0, 1, size=(n, 2))
    u, v = uv.T
    codes = np.stack([u, v, np.sin(3 * u), np.cos(3 * v), u * v, np.sin(2 * (u + v))], axis=1) + 1.0
    return uv, codes.astype(np.float32)


def test_inverse_of_a_known_smooth_map_is_within_two_percent():
    uv, codes = curved_sheet(4000)
    train, held = slice(0, 3600), slice(3600, None)
    inverse = KernelRegressor().fit(uv[train], codes[train])
    assert inverse_error(codes[held], inverse.predict(uv[held])) < 0.02


def test_inverse_error_shrinks_as_data_gets_denser():
    errors = []
    for n in (500, 4000):
        uv, codes = curved_sheet(n + 500)
        errors.append(inverse_error(codes[n:], KernelRegressor().fit(uv[:n], codes[:n]).predict(uv[n:])))
    assert errors[1] < 0.6 * errors[0]


def test_inverse_is_continuous_across_empty_space():
    """Two clusters with a gap: walking across the gap, consecutive codes change by small steps only."""
    rng = np.random.default_rng(0)
    left, right = rng.normal(size=(200, 2)) * 0.3 + [-3, 0], rng.normal(size=(200, 2)) * 0.3 + [3, 0]
    points = np.concatenate([left, right])
    codes = np.concatenate([np.tile([1.0, 0, 0], (200, 1)), np.tile([0, 1.0, 0], (200, 1))]) + rng.normal(
        scale=0.01, size=(400, 3)
    )
    inverse = KernelRegressor().fit(points, codes)
    walk = np.stack([np.linspace(-3, 3, 2001), np.zeros(2001)], axis=1)
    path = inverse.predict(walk)
    assert np.abs(np.diff(path, axis=0)).max() < 0.05
    np.testing.assert_allclose(path[0], [1, 0, 0], atol=0.05)
    np.testing.assert_allclose(path[-1], [0, 1, 0], atol=0.05)


def test_confidence_is_one_on_data_and_falls_with_distance():
    uv, _ = curved_sheet(1000)
    confidence = MapConfidence().fit(uv)
    np.testing.assert_array_equal(confidence.score(uv), 1.0)
    outward = np.stack([np.linspace(1.0, 3.0, 50), np.full(50, 0.5)], axis=1)
    scores = confidence.score(outward)
    assert np.all(np.diff(scores) <= 0) and scores[-1] < 1e-6
    assert confidence.score([[0.5, 0.5]])[0] > 0.9  # inside the data


def test_projection_inverse_returns_codes_and_confidence():
    uv, codes = curved_sheet(600)
    projection = fit_projection(codes, method="tsne", epochs=100)
    z, confidence = projection.inverse(projection.embedding[:10], return_confidence=True)
    assert z.shape == (10, 6) and z.dtype == np.float32
    np.testing.assert_array_equal(confidence, 1.0)
    far = projection.embedding.max(axis=0) + 100 * projection.embedding.std(axis=0)
    far_code, far_confidence = projection.inverse(far, return_confidence=True)
    assert far_code.shape == (1, 6) and np.isfinite(far_code).all() and far_confidence[0] < 1e-6
    np.testing.assert_array_equal(projection.confidence(projection.embedding[:3]), 1.0)
    assert projection.quality(max_points=600)["inverse_error"] < 0.1


def test_inverse_of_ten_thousand_points_takes_well_under_a_second():
    uv, codes = curved_sheet(10_000)
    inverse = KernelRegressor().fit(uv, codes)
    confidence = MapConfidence().fit(uv)
    queries = np.random.default_rng(1).uniform(-0.2, 1.2, size=(10_000, 2))
    inverse.predict(queries[:100])
    start = time.perf_counter()
    inverse.predict(queries)
    confidence.score(queries)
    assert time.perf_counter() - start < 1.0  # the goal is 0.1 ms a point; measured about 0.01 ms


@pytest.mark.parametrize("bad", [np.full((3, 2), np.nan), np.zeros((3, 3)), np.zeros((2, 2, 2))])
def test_inverse_rejects_bad_points(bad):
    from latent_core import InvalidInputError

    uv, codes = curved_sheet(200)
    projection = fit_projection(codes, method="pca")
    with pytest.raises(InvalidInputError, match="map points"):
        projection.inverse(bad)
