"""Which shape, scale, rotation and position a shapes image shows, read by template matching.

Used on a model's reconstructions to say which factors they keep. Each image B (grey levels in
[0, 1]) is compared with shapes T rendered by the dataset's own `shape_masks`, each of the image's
total brightness (so of equal area), by how much of the brightness they cover, sum(T * B),
relative to the most any pixels of the template's rasterised area could cover:

- position: the image's centroid (the centre of a square, circle or equilateral triangle);
- scale: from the image's total brightness, for each candidate shape (its area at scale 1 is known);
- rotation: a 10-degree grid over the shape's period (square 90, triangle 120 degrees), refined
  around the best angle in 3- then 1-degree steps; a circle has none;
- shape: the candidate whose best template covers most.

A classifier trained on sharp images is not a valid readout: it has never seen a blurred disc and
may call it anything. Coverage has no such blind spot: of all shapes of one area, a disc covers
most of a round blob centred on it, however blurred, so a blur reads as a circle. (The sum of
squared differences lacks this property: anti-aliased edges make it favour shapes with longer
outlines once the blur is wide; so does raw coverage, as a template's rasterised area steps with
sub-pixel moves, which the relative measure cancels.) Measured on 600 discs blurred by a Gaussian
of 1-3 px, none reads as a square; on sharp images every shape reads right (tests check both).
Rotation is read with the template of the image's true shape, so it is measured also where the
shape is misread; its error is taken modulo the shape's symmetry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from ..datasets.shapes import SHAPE_NAMES, shape_masks

SQUARE, CIRCLE, TRIANGLE = (SHAPE_NAMES.index(name) for name in ("square", "circle", "triangle"))
AREA_AT_SCALE_1 = {SQUARE: 1.6**2, CIRCLE: math.pi, TRIANGLE: 3 * math.sqrt(3) / 4}  # canvas units, [-1, 1]^2
PERIOD = {SQUARE: math.pi / 2, TRIANGLE: 2 * math.pi / 3}  # rotations that leave the shape unchanged
COARSE_STEP, REFINE_STEPS = math.radians(10), (math.radians(3), math.radians(1))
RENDER_CHUNK = 400  # templates per shape_masks call: about 15 MB of supersampled canvas each for 32 px images
FACTORS = ("shape", "scale", "rotation", "x", "y")


@dataclass(frozen=True)
class ShapeReadout:
    """What template matching reads from a set of shapes images.

    identified: per true shape, the share of its images read as that shape; confusion[true][read]:
    image counts in SHAPE_NAMES order; rotation_error_deg: for square and triangle, the median and
    mean error modulo the shape's symmetry; position_error_px: median distance of the read centre
    from the true one; scale_error: median |read - true| / true scale.
    """

    n_images: int
    identified: dict[str, float | None]
    confusion: list[list[int]]
    rotation_error_deg: dict[str, dict[str, float | None]]
    position_error_px: float
    scale_error: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TemplateFit:
    """The best template of each candidate shape per image: arrays (N,) or (N, 3) in SHAPE_NAMES order."""

    x: np.ndarray
    y: np.ndarray
    scale: np.ndarray  # (N, 3)
    rotation: np.ndarray  # (N, 3), radians; 0 for the circle
    error: np.ndarray  # (N, 3), share of the image's brightness the template leaves uncovered

    @property
    def shape(self) -> np.ndarray:
        """The shape read from each image, int (N,): the candidate with the closest template."""
        return np.argmin(self.error, axis=1)


def best_cover(images: np.ndarray) -> np.ndarray:
    """For images (N, S, S): float (N, S*S + 1), entry m the most brightness any m pixels hold (brightest first)."""
    ranked = -np.sort(-images.reshape(len(images), -1), axis=1)
    return np.concatenate([np.zeros((len(images), 1)), np.cumsum(ranked, axis=1, dtype=np.float64)], axis=1)


def template_errors(images: np.ndarray, cover: np.ndarray, shape: int, scale, rotation, x, y) -> np.ndarray:
    """How far one template per image falls short of covering its brightness, float (N,) in [0, 1].

    For images B (N, S, S), `cover` = best_cover(B) and anti-aliased templates T: 1 - sum(T * B) / U(sum(T)),
    where U(m) is the most brightness any pixels of total area m could cover (interpolated in `cover`).
    Relative to U, a template's rasterised area (which steps with sub-pixel moves) neither helps nor hurts.
    """
    n, size = len(images), images.shape[1]
    out = np.empty(n)
    kinds = np.full(n, shape)
    for start in range(0, n, RENDER_CHUNK):
        part = slice(start, start + RENDER_CHUNK)
        masks = shape_masks(kinds[part], scale[part], rotation[part], x[part], y[part], size)
        area = np.minimum(masks.sum(axis=(1, 2), dtype=np.float64), size * size)
        whole = np.minimum(area.astype(np.int64), size * size - 1)
        rows = cover[part]
        best = np.take_along_axis(rows, whole[:, None], 1)[:, 0]
        best += (area - whole) * (np.take_along_axis(rows, whole[:, None] + 1, 1)[:, 0] - best)
        out[part] = 1.0 - (masks * images[part]).sum(axis=(1, 2), dtype=np.float64) / np.maximum(best, 1e-9)
    return out


def best_rotation(images, cover, shape: int, scale, x, y) -> tuple[np.ndarray, np.ndarray]:
    """The best angle (N,) on a coarse grid over the shape's period, refined locally, and its error (N,)."""
    n = len(images)
    grid = np.arange(0, PERIOD[shape] - 1e-9, COARSE_STEP)
    errors = np.stack([template_errors(images, cover, shape, scale, np.full(n, a, np.float32), x, y) for a in grid], 1)
    angle, error = grid[np.argmin(errors, axis=1)], errors.min(axis=1)
    for step in REFINE_STEPS:
        for candidate in (angle - step, angle + step):
            tried = template_errors(images, cover, shape, scale, candidate.astype(np.float32), x, y)
            better = tried < error
            angle, error = np.where(better, candidate, angle), np.minimum(tried, error)
    return np.mod(angle, PERIOD[shape]), error


def fit_templates(images: np.ndarray, on_shape: Callable[[int], None] | None = None) -> TemplateFit:
    """The best template of each shape for grey images float (N, S, S) in [0, 1].

    `on_shape(i)` is called after each of the three candidate shapes (for progress and cancelling).
    """
    images = np.asarray(images, dtype=np.float32)
    n, size = images.shape[:2]
    pitch = 2.0 / size
    centres = ((np.arange(size) + 0.5) * pitch - 1).astype(np.float32)
    mass = images.sum(axis=(1, 2))
    weight = np.maximum(mass, 1e-6)
    x = np.where(mass > 1e-6, (images.sum(axis=1) * centres).sum(axis=1) / weight, 0).astype(np.float32)
    y = np.where(mass > 1e-6, (images.sum(axis=2) * centres).sum(axis=1) / weight, 0).astype(np.float32)
    area = mass * pitch**2
    cover = best_cover(images)
    scale = np.zeros((n, len(SHAPE_NAMES)), np.float32)
    rotation = np.zeros((n, len(SHAPE_NAMES)))
    error = np.zeros((n, len(SHAPE_NAMES)))
    for shape in range(len(SHAPE_NAMES)):
        scale[:, shape] = np.clip(np.sqrt(area / AREA_AT_SCALE_1[shape]), 0.01, 2.0)
        if shape in PERIOD:
            rotation[:, shape], error[:, shape] = best_rotation(images, cover, shape, scale[:, shape], x, y)
        else:
            zero = np.zeros(n, np.float32)
            error[:, shape] = template_errors(images, cover, shape, scale[:, shape], zero, x, y)
        if on_shape is not None:
            on_shape(shape)
    return TemplateFit(x, y, scale, rotation, error)


def rotation_error_deg(read: np.ndarray, true: np.ndarray, period: float) -> np.ndarray:
    """|read - true| in degrees, float (N,), modulo the period: at most half the period."""
    diff = np.mod(read - true + period / 2, period) - period / 2
    return np.degrees(np.abs(diff))


def share(hits: np.ndarray) -> float | None:
    return float(hits.mean()) if len(hits) else None


def summary(errors: np.ndarray) -> dict[str, float | None]:
    if not len(errors):
        return {"median": None, "mean": None}
    return {"median": float(np.median(errors)), "mean": float(np.mean(errors))}


def read_shapes(
    images: np.ndarray, factors: dict[str, np.ndarray], on_shape: Callable[[int], None] | None = None
) -> ShapeReadout:
    """Template-matching readout of grey shapes images float (N, S, S) in [0, 1] (originals or reconstructions)
    against their true factors (shape, scale, rotation, x, y; each (N,), as made by datasets.shapes)."""
    fit = fit_templates(images, on_shape)
    true_shape = np.asarray(factors["shape"]).astype(np.int64)
    rows = np.arange(len(true_shape))
    confusion = np.zeros((len(SHAPE_NAMES), len(SHAPE_NAMES)), dtype=np.int64)
    np.add.at(confusion, (true_shape, fit.shape), 1)
    rotation = {}
    for shape, period in PERIOD.items():
        mine = true_shape == shape
        rotation[SHAPE_NAMES[shape]] = summary(
            rotation_error_deg(fit.rotation[mine, shape], np.asarray(factors["rotation"])[mine], period)
        )
    pitch = 2.0 / images.shape[1]
    position = np.hypot(fit.x - np.asarray(factors["x"]), fit.y - np.asarray(factors["y"])) / pitch
    true_scale = np.asarray(factors["scale"], dtype=np.float64)
    scale = np.abs(fit.scale[rows, true_shape] - true_scale) / true_scale
    return ShapeReadout(
        n_images=len(true_shape),
        identified={name: share(fit.shape[true_shape == k] == k) for k, name in enumerate(SHAPE_NAMES)},
        confusion=confusion.tolist(),
        rotation_error_deg=rotation,
        position_error_px=float(np.median(position)),
        scale_error=float(np.median(scale)),
    )


def has_shape_factors(factors: dict, image_shape: tuple[int, int, int]) -> bool:
    """Whether a dataset's factors and (H, W, C) images are the shapes dataset's, so `read_shapes` applies."""
    h, w, c = image_shape
    return all(name in factors for name in FACTORS) and h == w and c == 1
