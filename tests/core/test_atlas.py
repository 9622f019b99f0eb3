"""The decoded atlas of a 2-D map (latent_core.decode_atlas): shapes, cells equal to exact decodes, the bilinear
preview, the packed sprite and input validation."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import latent_core
from latent_core.atlas import MAX_CELL_SIDE, shrink, shrink_factor


@pytest.fixture(scope="module")
def projection(digits, tiny_model):
    return latent_core.fit_projection(tiny_model.encode(digits.images), method="pca", dims=2, cache=False)


@pytest.fixture(scope="module")
def atlas(tiny_model, projection):
    return latent_core.decode_atlas(tiny_model, projection, cells=6)


def test_atlas_shapes_and_default_bounds(atlas, projection, tiny_model):
    assert atlas.images.shape == (6, 6, 8, 8, 1) and atlas.images.dtype == np.uint8
    assert atlas.confidence.shape == (6, 6) and atlas.confidence.dtype == np.float32
    assert np.all((atlas.confidence >= 0) & (atlas.confidence <= 1))
    low, high = projection.embedding.min(axis=0), projection.embedding.max(axis=0)
    assert np.allclose(atlas.bounds, (low[0], high[0], low[1], high[1]))
    assert atlas.cells == 6 and atlas.cell_shape == (8, 8, 1) and atlas.factor == 1


def test_each_cell_is_the_exact_decode_at_its_centre(atlas, projection, tiny_model):
    centres = atlas.centres()
    assert np.allclose(centres[0, 0], (atlas.bounds[0], atlas.bounds[3]))  # row 0 is the top (y_max), column 0 left
    assert np.allclose(centres[-1, -1], (atlas.bounds[1], atlas.bounds[2]))
    codes, confidence = projection.inverse(centres.reshape(-1, 2), return_confidence=True)
    exact = tiny_model.decode(codes).reshape(6, 6, 8, 8, 1)
    assert np.array_equal(atlas.images, exact)
    assert np.allclose(atlas.confidence, confidence.reshape(6, 6))


def test_explicit_bounds_place_the_corner_cells(tiny_model, projection):
    atlas = latent_core.decode_atlas(tiny_model, projection, bounds=(-1, 1, -2, 2), cells=3)
    code = projection.inverse(np.array([[1.0, -2.0]]))  # the bottom right cell's centre
    assert np.array_equal(atlas.images[2, 2], tiny_model.decode(code)[0])


def test_blend_is_bilinear_between_cells(atlas):
    centres = atlas.centres()
    images, confidence = atlas.blend(centres[2, 3])
    assert np.array_equal(images[0], atlas.images[2, 3]) and np.isclose(confidence[0], atlas.confidence[2, 3])
    middle = (centres[1, 1] + centres[1, 2] + centres[2, 1] + centres[2, 2]) / 4
    expected = atlas.images[1:3, 1:3].astype(np.float32).mean(axis=(0, 1))
    assert np.allclose(atlas.blend(middle)[0][0], expected, atol=1e-3)
    quarter = 0.75 * centres[4, 0] + 0.25 * centres[4, 1]
    expected = 0.75 * atlas.images[4, 0].astype(np.float32) + 0.25 * atlas.images[4, 1]
    assert np.allclose(atlas.blend(quarter)[0][0], expected, atol=1e-3)
    far = centres[0, 0] + np.array([-100.0, 100.0])  # beyond the grid: the nearest edge cell
    assert np.array_equal(atlas.blend(far)[0][0], atlas.images[0, 0])


def test_sprite_packs_cells_row_major_without_gaps(atlas):
    sprite = atlas.sprite()
    assert sprite.shape == (48, 48, 1)
    assert np.array_equal(sprite[2 * 8 : 3 * 8, 5 * 8 : 6 * 8], atlas.images[2, 5])
    decoded = np.asarray(Image.open(io.BytesIO(atlas.sprite_png())))
    assert decoded.shape == (48, 48) and np.array_equal(decoded, sprite[..., 0])


def test_large_images_are_shrunk_by_a_whole_factor():
    assert shrink_factor(28, 28) == 1 and shrink_factor(64, 64) == 2 and shrink_factor(100, 40) == 4
    images = np.arange(2 * 4 * 6 * 3, dtype=np.uint8).reshape(2, 4, 6, 3)
    small = shrink(images, 2)
    assert small.shape == (2, 2, 3, 3)
    assert small[1, 0, 2, 1] == np.rint(images[1, 0:2, 4:6, 1].mean())
    assert max(shrink(np.zeros((1, 64, 48, 1), np.uint8), shrink_factor(64, 48)).shape[1:3]) <= MAX_CELL_SIDE


@pytest.mark.parametrize("bounds", [(1, 0, 0, 1), (0, 1, 2, 2), (0, np.nan, 0, 1), (0, 1, 0), "wide"])
def test_invalid_bounds_are_refused(tiny_model, projection, bounds):
    with pytest.raises(latent_core.InvalidInputError, match="bounds"):
        latent_core.decode_atlas(tiny_model, projection, bounds=bounds, cells=4)


@pytest.mark.parametrize("cells", [1, 101, 2.5, True, "64"])
def test_invalid_cell_counts_are_refused(tiny_model, projection, cells):
    with pytest.raises(latent_core.InvalidInputError, match="cells a side"):
        latent_core.decode_atlas(tiny_model, projection, cells=cells)


def test_a_3d_map_is_refused(digits, tiny_model):
    projection = latent_core.fit_projection(tiny_model.encode(digits.images[:200]), method="pca", dims=3, cache=False)
    with pytest.raises(latent_core.InvalidInputError, match="2-D map"):
        latent_core.decode_atlas(tiny_model, projection, cells=4)
