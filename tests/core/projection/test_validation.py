"""Bad input to projections is an InvalidInputError whose message names the problem."""

from __future__ import annotations

import numpy as np
import pytest

from latent_core import InvalidInputError, fit_projection
from latent_core.projection import check_codes


def good(n: int = 100, d: int = 4) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)


def with_value(value: float) -> np.ndarray:
    codes = good()
    codes[17, 2] = value
    return codes


@pytest.mark.parametrize(
    "codes, options, words",
    [
        (with_value(np.nan), {}, "NaN or infinite values in 1 rows (first: row 17)"),
        (with_value(np.inf), {"method": "tsne"}, "NaN or infinite"),
        (with_value(-np.inf), {"method": "umap"}, "NaN or infinite"),
        (
            good(10),
            {"method": "umap"},
            "umap needs more points than its neighbourhood size (neighbors = 15); these codes hold only 10",
        ),
        (good(60), {"method": "tsne"}, "neighbourhood size (3 x perplexity = 90)"),
        (good(60), {"method": "tsne", "perplexity": 5}, None),
        (good(2), {"method": "pca"}, "neighbourhood size (the map's dimensions = 2)"),
        (good(), {"dims": 1}, "dims=1 is not supported"),
        (good(), {"dims": 4, "method": "tsne"}, "dims=4 is not supported"),
        (good(), {"method": "isomap"}, "method 'isomap' is unknown; choose one of pca, tsne, umap"),
        (good(100, 2), {"dims": 3}, "at least 3 dimensions"),
        (good()[0], {}, "2-D array"),
        (np.zeros((5, 0)), {}, "2-D array"),
        ([["a", "b"]], {}, "array of numbers"),
        (good(), {"method": "umap", "neighbors": 1}, "neighbors=1 is invalid"),
        (good(), {"method": "tsne", "perplexity": float("nan")}, "perplexity=nan is invalid"),
        (good(), {"method": "umap", "epochs": 3}, "epochs=3 is invalid"),
        (good(), {"seed": -1}, "seed=-1 is invalid"),
    ],
)
def test_bad_input_is_an_invalid_input_error_naming_the_problem(codes, options, words):
    if words is None:
        assert fit_projection(codes, epochs=20, **options).embedding.shape == (60, 2)
        return
    with pytest.raises(InvalidInputError) as info:
        fit_projection(codes, **options)
    assert words in str(info.value)
    assert isinstance(info.value, ValueError) and "\n" not in str(info.value)


def test_transform_and_inverse_check_their_input():
    projection = fit_projection(good(), method="pca")
    with pytest.raises(InvalidInputError, match="need 4 values each"):
        projection.transform(np.zeros((2, 3)))
    with pytest.raises(InvalidInputError, match="NaN"):
        projection.transform(np.full(4, np.nan))
    with pytest.raises(InvalidInputError, match="need 2 coordinates each for this 2-D map"):
        projection.inverse(np.zeros((1, 3)))
    assert projection.inverse([0.0, 0.0]).shape == (1, 4)


def test_check_codes_returns_contiguous_float32():
    codes = check_codes(np.arange(12, dtype=np.int64).reshape(3, 4)[:, ::2])
    assert codes.dtype == np.float32 and codes.flags.c_contiguous and codes.shape == (3, 2)
    with pytest.raises(InvalidInputError, match="at least 5"):
        check_codes(codes, min_points=5)


def test_quality_needs_enough_points():
    projection = fit_projection(good(15), method="pca")
    with pytest.raises(InvalidInputError, match="more than 21 points"):
        projection.quality()
    with pytest.raises(InvalidInputError, match="max_points=5 is too small"):
        fit_projection(good(), method="pca").quality(max_points=5)
