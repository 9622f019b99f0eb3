"""A procedural 'shapes' dataset in the spirit of dSprites, with known generative factors."""

from __future__ import annotations

import numpy as np

from ..dataset import ImageDataset

SHAPE_NAMES = ["square", "circle", "triangle"]
SUPERSAMPLE = 3
CHUNK = 1000


def square_inside(u, v):
    return np.maximum(np.abs(u), np.abs(v)) <= 0.8


def circle_inside(u, v):
    return u * u + v * v <= 1.0


def triangle_inside(u, v):
    """Equilateral triangle with circumradius 1: three half-planes at 120 degrees."""
    inside = np.ones(u.shape, dtype=bool)
    for angle in (np.pi / 2, np.pi / 2 + 2 * np.pi / 3, np.pi / 2 + 4 * np.pi / 3):
        inside &= u * np.cos(angle + np.pi) + v * np.sin(angle + np.pi) <= 0.5
    return inside


def shape_masks(shape, scale, rotation, x, y, size: int) -> np.ndarray:
    """Anti-aliased coverage in [0, 1], float32 (N, size, size), of each shape on a [-1, 1]^2 canvas."""
    fine = size * SUPERSAMPLE
    axis = (np.arange(fine, dtype=np.float32) + 0.5) / fine * 2 - 1
    gy, gx = np.meshgrid(axis, axis, indexing="ij")
    dx, dy = gx[None] - x[:, None, None], gy[None] - y[:, None, None]
    cos, sin = np.cos(rotation)[:, None, None], np.sin(rotation)[:, None, None]
    u, v = (cos * dx + sin * dy) / scale[:, None, None], (-sin * dx + cos * dy) / scale[:, None, None]
    mask = np.zeros(u.shape, dtype=np.float32)
    for kind, inside in enumerate((square_inside, circle_inside, triangle_inside)):
        rows = shape == kind
        if rows.any():
            mask[rows] = inside(u[rows], v[rows])
    return mask.reshape(len(shape), size, SUPERSAMPLE, size, SUPERSAMPLE).mean(axis=(2, 4))


def make_shapes(n: int = 12_000, size: int = 32, seed: int = 0) -> ImageDataset:
    """`n` white shapes on black, uint8 (n, size, size, 1), labelled by shape.

    Factors: shape (0-2), scale (0.3-0.55 of the half-canvas), rotation (radians),
    x and y (centre, in [-0.45, 0.45]).
    """
    rng = np.random.default_rng(seed)
    factors = {
        "shape": rng.integers(0, len(SHAPE_NAMES), n),
        "scale": rng.uniform(0.3, 0.55, n).astype(np.float32),
        "rotation": rng.uniform(0, 2 * np.pi, n).astype(np.float32),
        "x": rng.uniform(-0.45, 0.45, n).astype(np.float32),
        "y": rng.uniform(-0.45, 0.45, n).astype(np.float32),
    }
    images = np.empty((n, size, size, 1), dtype=np.uint8)
    for start in range(0, n, CHUNK):
        part = {k: v[start : start + CHUNK] for k, v in factors.items()}
        masks = shape_masks(part["shape"], part["scale"], part["rotation"], part["x"], part["y"], size)
        images[start : start + CHUNK, ..., 0] = np.rint(masks * 255).astype(np.uint8)
    return ImageDataset(images, factors["shape"].astype(np.int64), list(SHAPE_NAMES), factors, "shapes")
