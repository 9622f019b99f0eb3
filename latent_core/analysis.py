"""Model-and-map analyses: decoded manifold grids over a 2-D map, and per-image anomaly scores."""

from __future__ import annotations

import math

import numpy as np
import torch

from .dataset import ImageDataset
from .errors import InvalidInputError
from .model import ENCODE_BATCH, LatentModel, images_to_tensor
from .projection import Projection

MAX_GRID_SIDE = 100


def check_bounds(bounds, projection: Projection | None = None) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max); None means the bounding box of the projection's embedding."""
    if bounds is None and projection is not None:
        low, high = projection.embedding.min(axis=0), projection.embedding.max(axis=0)
        return float(low[0]), float(high[0]), float(low[1]), float(high[1])
    try:
        x0, x1, y0, y1 = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"Grid bounds must be four numbers (x_min, x_max, y_min, y_max), not {bounds!r}."
        ) from None
    if not all(math.isfinite(b) for b in (x0, x1, y0, y1)) or x0 >= x1 or y0 >= y1:
        raise InvalidInputError(f"Grid bounds {bounds!r} must be finite with x_min < x_max and y_min < y_max.")
    return x0, x1, y0, y1


def check_grid_shape(rows, cols) -> None:
    for name, value in (("rows", rows), ("cols", cols)):
        if not isinstance(value, (int, np.integer)) or not 1 <= value <= MAX_GRID_SIDE:
            raise InvalidInputError(
                f"Grid {name}={value!r} is invalid; it must be a whole number from 1 to {MAX_GRID_SIDE}."
            )


def grid_points(bounds, rows: int, cols: int) -> np.ndarray:
    """Map coordinates float64 (rows, cols, 2) of an evenly spaced grid over (x_min, x_max, y_min, y_max),
    corners included; row 0 is the top of the map (y_max), column 0 its left (x_min)."""
    x0, x1, y0, y1 = bounds
    xs = np.linspace(x0, x1, cols) if cols > 1 else np.array([(x0 + x1) / 2])
    ys = np.linspace(y1, y0, rows) if rows > 1 else np.array([(y0 + y1) / 2])
    return np.stack(np.meshgrid(xs, ys), axis=-1)


def manifold_grid(
    model: LatentModel,
    projection: Projection,
    bounds=None,
    rows: int = 20,
    cols: int = 20,
    return_confidence: bool = False,
):
    """Decode a rows x cols grid over a rectangle of a 2-D map: uint8 (rows, cols, H, W, C).

    bounds: (x_min, x_max, y_min, y_max), None for the embedding's bounding box; the grid's
    points are `grid_points(bounds, rows, cols)`. With return_confidence=True also returns
    float32 (rows, cols) in [0, 1], each point's confidence (see Projection.inverse).
    """
    if projection.dims != 2:
        raise InvalidInputError(f"A manifold grid needs a 2-D map; this one is {projection.dims}-D.")
    if projection.codes.shape[1] != model.latent_dim:
        raise InvalidInputError(
            f"The map holds {projection.codes.shape[1]}-D codes but "
            f"model '{model.name}' decodes {model.latent_dim}-D codes."
        )
    check_grid_shape(rows, cols)
    points = grid_points(check_bounds(bounds, projection), rows, cols).reshape(-1, 2)
    codes, confidence = projection.inverse(points, return_confidence=True)
    images = model.decode(codes).reshape(rows, cols, *model.image_shape)
    return (images, confidence.reshape(rows, cols)) if return_confidence else images


@torch.inference_mode()
def anomaly_scores(
    model: LatentModel, dataset: ImageDataset | np.ndarray, batch_size: int = ENCODE_BATCH
) -> np.ndarray:
    """How unusual each image is to the model, float32 (N,), in nats: higher is more unusual.

    Each kind's network says (LatentNetwork.scores): for a VAE the negative ELBO,
    -log p(x|z) + KL(q(z|x) || N(0, I)), with the reconstruction term taken at the posterior
    mean (deterministic); for an AE the reconstruction error alone. Both use the training
    loss's Bernoulli cross-entropy summed over pixels.
    """
    images = model.check_images(dataset.images if isinstance(dataset, ImageDataset) else dataset)
    if not model.can_encode:
        raise InvalidInputError(f"Model '{model.name}' has no encoder, so it cannot score images.")
    scores = np.empty(len(images), dtype=np.float32)
    for start in range(0, len(images), batch_size):
        scores[start : start + batch_size] = model.network.scores(
            images_to_tensor(images[start : start + batch_size])
        ).numpy()
    return scores
