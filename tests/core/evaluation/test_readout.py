"""The shapes readout: template matching reads real shapes images right and never calls a blurred disc a square."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from latent_core.datasets.shapes import SHAPE_NAMES, make_shapes, shape_masks
from latent_core.evaluation.readout import has_shape_factors, read_shapes, rotation_error_deg


def test_real_images_are_read_right_with_rotation_within_a_few_degrees():
    data = make_shapes(n=150, seed=7)
    readout = read_shapes(data.images[..., 0] / 255.0, data.factors)
    assert readout.n_images == 150
    assert all(share >= 0.99 for share in readout.identified.values()), readout.identified
    assert np.trace(np.array(readout.confusion)) >= 0.99 * 150
    for errors in readout.rotation_error_deg.values():
        assert errors["median"] < 2.0 and errors["mean"] < 4.0
    assert readout.position_error_px < 0.2 and readout.scale_error < 0.02


@pytest.mark.parametrize("sigma", [1.0, 2.5])
def test_blurred_discs_are_never_called_squares(rng, sigma):
    n = 60
    factors = {
        "shape": np.full(n, SHAPE_NAMES.index("circle")),
        "scale": rng.uniform(0.3, 0.55, n).astype(np.float32),
        "rotation": rng.uniform(0, 2 * np.pi, n).astype(np.float32),
        "x": rng.uniform(-0.45, 0.45, n).astype(np.float32),
        "y": rng.uniform(-0.45, 0.45, n).astype(np.float32),
    }
    discs = shape_masks(factors["shape"], factors["scale"], factors["rotation"], factors["x"], factors["y"], 32)
    blurred = np.stack([gaussian_filter(disc, sigma) for disc in discs])
    readout = read_shapes(blurred, factors)
    circle, square, triangle = (SHAPE_NAMES.index(name) for name in ("circle", "square", "triangle"))
    assert readout.confusion[circle][square] == 0 and readout.confusion[circle][triangle] == 0
    assert readout.identified["circle"] == 1.0
    assert readout.identified["square"] is None and readout.rotation_error_deg["square"]["median"] is None


def test_blurred_squares_lose_their_identity_and_their_rotation():
    data = make_shapes(n=90, seed=3)
    squares = data.subset(np.flatnonzero(data.factors["shape"] == SHAPE_NAMES.index("square")))
    sharp = read_shapes(squares.images[..., 0] / 255.0, squares.factors)
    blurred = read_shapes(
        np.stack([gaussian_filter(im[..., 0] / 255.0, 3.0) for im in squares.images]), squares.factors
    )
    assert sharp.identified["square"] == 1.0 and blurred.identified["square"] < 0.5
    assert blurred.rotation_error_deg["square"]["median"] > 3 * sharp.rotation_error_deg["square"]["median"]


def test_rotation_error_is_taken_modulo_the_symmetry():
    read, true = np.radians([89.0, 10.0, 119.0]), np.radians([1.0, 100.0, 1.0])
    assert np.allclose(rotation_error_deg(read[:2], true[:2], np.pi / 2), [2.0, 0.0])
    assert np.allclose(rotation_error_deg(read[2:], true[2:], 2 * np.pi / 3), [2.0])


def test_the_readout_applies_to_the_shapes_dataset_only(digits):
    shapes = make_shapes(n=3, size=16)
    assert has_shape_factors(shapes.factors, shapes.image_shape)
    assert not has_shape_factors(digits.factors, digits.image_shape)
    assert not has_shape_factors(shapes.factors, (16, 16, 3))
