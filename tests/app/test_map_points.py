"""How many points the map draws (resources.MAX_MAP_POINTS) and what 100,000 of them cost to send."""

from __future__ import annotations

import json

import numpy as np

from ui import map_data
from ui.resources import MAX_MAP_POINTS, map_indices


def test_maps_of_up_to_100000_points_draw_every_point():
    assert MAX_MAP_POINTS == 100_000
    assert np.array_equal(map_indices(100_000), np.arange(100_000))


def test_larger_sets_draw_an_even_sorted_sample_of_100000():
    chosen = map_indices(250_000)
    assert len(chosen) == MAX_MAP_POINTS and len(np.unique(chosen)) == MAX_MAP_POINTS
    assert np.all(np.diff(chosen) > 0) and chosen[0] >= 0 and chosen[-1] < 250_000
    # even: each fifth of the set holds about a fifth of the sample
    assert np.allclose(np.histogram(chosen, bins=5, range=(0, 250_000))[0], MAX_MAP_POINTS / 5, rtol=0.05)
    assert np.array_equal(map_indices(250_000), chosen)  # the same sample on every run


def test_a_100000_point_payload_is_about_27_bytes_a_point():
    rng = np.random.default_rng(0)
    n = 100_000
    labels = rng.integers(0, 10, n)
    colour = map_data.categorical(labels, [str(k) for k in range(10)])
    payload = map_data.payload(
        rng.normal(size=(n, 2)).astype(np.float32),
        np.arange(n),
        colour,
        {"codes": colour["codes"], "names": colour["names"]},
        None,
        ["PC 1", "PC 2"],
        "view",
    )
    size = len(json.dumps(payload))
    # x, y, ids, colour codes and label codes: 4 bytes each, in base64 (4/3)
    assert 5 * 4 * 4 / 3 * n <= size < 28 * n
