"""The one place where inputs to projections and traversals are checked."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidInputError
from .config import ProjectionConfig


def check_codes(codes, name: str = "codes", min_points: int = 1) -> np.ndarray:
    """Latent codes as C-contiguous float32 (N, d); refuses NaN/Inf, other ranks and too few rows."""
    try:
        array = np.asarray(codes, dtype=np.float32)
    except (TypeError, ValueError):
        raise InvalidInputError(f"The {name} must be an array of numbers.") from None
    if array.ndim != 2 or array.shape[1] == 0:
        raise InvalidInputError(
            f"The {name} must be a 2-D array of shape (points, dimensions), not shape {array.shape}."
        )
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise InvalidInputError(
            f"The {name} contain NaN or infinite values in {len(bad)} rows (first: row {int(bad[0])})."
        )
    if len(array) < min_points:
        raise InvalidInputError(f"The {name} hold {len(array)} points; at least {min_points} are needed.")
    return np.ascontiguousarray(array)


def check_vector(z, name: str, dim: int | None = None) -> np.ndarray:
    """One code as float32 (d,), optionally of a given length."""
    vector = check_codes(np.atleast_2d(z), name)
    if len(vector) != 1 or (dim is not None and vector.shape[1] != dim):
        expected = f"{dim} values" if dim is not None else "one vector"
        raise InvalidInputError(f"The {name} must be {expected}, not an array of shape {np.shape(z)}.")
    return vector[0]


def check_points(points, dims: int, name: str = "map points") -> np.ndarray:
    """Map coordinates as float64 (M, dims); a single point (dims,) is accepted."""
    array = check_codes(np.atleast_2d(points), name)
    if array.shape[1] != dims:
        raise InvalidInputError(f"The {name} need {dims} coordinates each for this {dims}-D map, not {array.shape[1]}.")
    return array.astype(np.float64)


def check_config(config: ProjectionConfig, codes: np.ndarray) -> ProjectionConfig:
    """Method, dims and settings against the codes they will project."""
    config.validate()
    n, d = codes.shape
    if d < config.dims:
        raise InvalidInputError(
            f"A {config.dims}-D map needs codes with at least {config.dims} dimensions; these have {d}."
        )
    if n <= config.neighbourhood:
        size = {"pca": "the map's dimensions", "tsne": "3 x perplexity", "umap": "neighbors"}[config.method]
        raise InvalidInputError(
            f"{config.method} needs more points than its neighbourhood size "
            f"({size} = {config.neighbourhood}); these codes hold only {n}."
        )
    return config
