"""The Map panel's round trip (ui.round_trips): for a clicked point or an empty-space decode, where the decoded image
lands when encoded again, with its distances in words."""

from __future__ import annotations

import numpy as np
import pytest

import latent_core
from ui import map_events, projections, round_trips


@pytest.fixture
def projection(ws):
    return projections.project(ws.codes(), "pca", 2)


def test_a_clicked_point_round_trips_from_its_code(ws, projection):
    assert round_trips.trip(ws, projection) is None  # nothing decoded yet
    map_events.handle(ws, {"kind": "point", "index": 7, "x": 0.0, "y": 0.0}, projection)
    found = round_trips.trip(ws, projection)
    expected = latent_core.round_trip(ws.model, projection, codes=ws.decoded.code)
    np.testing.assert_allclose(found.codes, expected.codes, atol=1e-6)
    np.testing.assert_allclose(found.start_positions, projection.transform(ws.codes()[7:8]), atol=1e-5)
    assert found.positions.shape == (1, 2) and found.latent_distance[0] >= 0
    words = round_trips.text(found, projection.codes)
    assert words.startswith("Round trip: encoded again, the decoded image lands ")
    assert f"{found.latent_distance[0]:.3g} away in the latent space" in words and "of the codes' spread" in words


def test_an_empty_space_decode_round_trips_from_the_clicked_position(ws, projection):
    inside = projection.embedding[:50].mean(axis=0)
    map_events.handle(ws, {"kind": "space", "x": float(inside[0]), "y": float(inside[1])}, projection)
    found = round_trips.trip(ws, projection)
    np.testing.assert_allclose(found.start_positions[0], inside, atol=1e-4)
    np.testing.assert_allclose(found.start_codes[0], ws.decoded.code, atol=1e-5)
    moved = np.linalg.norm(found.positions[0] - found.start_positions[0])
    assert found.map_distance[0] == pytest.approx(moved, rel=1e-5)


def test_a_map_of_other_codes_has_no_round_trip(ws, projection):
    map_events.handle(ws, {"kind": "point", "index": 3, "x": 0.0, "y": 0.0}, projection)
    assert round_trips.trip(ws, projection) is not None
    other = latent_core.fit_projection(np.random.default_rng(0).standard_normal((40, ws.model.latent_dim + 1)))
    assert round_trips.trip(ws, other) is None


def test_the_spread_is_the_rms_distance_from_the_mean():
    codes = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    assert round_trips.spread(codes) == pytest.approx(np.sqrt((1 + 1 + 4 + 4) / 4))
