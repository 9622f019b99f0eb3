"""A decoded atlas of a 2-D map: the images decoded on a dense grid of map positions, packed as one sprite, so that
a browser can preview the decoding under the cursor by blending the four cells around it (no decoder in the page).

The grid is `latent_core.analysis.manifold_grid`'s (through the projection's inverse, with its confidence); the
atlas adds the packing (cells at most MAX_CELL_SIDE px a side, one PNG) and `blend`, the bilinear preview the
browser draws (assets/map/hover.js does the same arithmetic), so that its error can be measured here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analysis import MAX_GRID_SIDE, check_bounds, grid_points, manifold_grid
from .errors import InvalidInputError
from .imaging import image_grid, png_bytes
from .model import LatentModel
from .projection import Projection

DEFAULT_CELLS = 64
MIN_CELLS = 2  # a bilinear blend needs two cells each way
MAX_CELL_SIDE = 32  # px: larger decodings are shrunk by a whole factor (block mean) to at most this a side


def shrink_factor(height: int, width: int, max_side: int = MAX_CELL_SIDE) -> int:
    """The whole factor that brings an image of height x width to at most `max_side` px a side."""
    return max(1, -(-max(height, width) // max_side))


def shrink(images: np.ndarray, factor: int) -> np.ndarray:
    """uint8 (..., H, W, C) -> uint8 (..., H // factor, W // factor, C), each pixel the rounded mean of a
    factor x factor block (rows and columns beyond a whole block are dropped)."""
    if factor == 1:
        return np.asarray(images, dtype=np.uint8)
    *lead, h, w, c = images.shape
    h, w = h // factor * factor, w // factor * factor
    blocks = np.asarray(images[..., :h, :w, :], dtype=np.float32).reshape(
        *lead, h // factor, factor, w // factor, factor, c
    )
    return np.rint(blocks.mean(axis=(-4, -2))).astype(np.uint8)


@dataclass(frozen=True)
class Atlas:
    """Decoded images on a cells x cells grid of map positions.

    images: uint8 (cells, cells, h, w, C), row 0 at the top of the map (y_max), column 0 at its left (x_min), each
    the decoding at its cell's centre shrunk by `factor` (see shrink); confidence: float32 (cells, cells) in [0, 1],
    the inverse mapping's confidence there (Projection.inverse); bounds: (x_min, x_max, y_min, y_max), the map
    positions of the corner cells' centres (`latent_core.grid_points(bounds, cells, cells)` are all the centres).
    """

    images: np.ndarray
    confidence: np.ndarray
    bounds: tuple[float, float, float, float]
    factor: int = 1

    @property
    def cells(self) -> int:
        return int(self.images.shape[0])

    @property
    def cell_shape(self) -> tuple[int, int, int]:
        """(h, w, C) of one cell's image."""
        return tuple(int(s) for s in self.images.shape[2:])

    def centres(self) -> np.ndarray:
        """float64 (cells, cells, 2): the map position each cell was decoded at."""
        return grid_points(self.bounds, self.cells, self.cells)

    def sprite(self) -> np.ndarray:
        """uint8 (cells*h, cells*w, C): every cell in one image, row-major with no gaps (cell (r, q) at r*h, q*w)."""
        return image_grid(self.images, pad=0)

    def sprite_png(self) -> bytes:
        """The sprite as a PNG file (grey for one channel, RGB for three)."""
        return png_bytes(self.sprite())

    def blend(self, points) -> tuple[np.ndarray, np.ndarray]:
        """The preview at map positions (M, 2): float32 (M, h, w, C) images in [0, 255], each the bilinear blend of
        the 4 cells around it, and float32 (M,) confidences blended alike. Positions beyond the grid take the
        nearest edge (clamped)."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        x0, x1, y0, y1 = self.bounds
        last = self.cells - 1
        fx = np.clip((points[:, 0] - x0) / (x1 - x0) * last, 0, last)
        fy = np.clip((y1 - points[:, 1]) / (y1 - y0) * last, 0, last)
        col, row = np.minimum(fx.astype(int), last - 1), np.minimum(fy.astype(int), last - 1)
        tx, ty = (fx - col).astype(np.float32), (fy - row).astype(np.float32)
        corners = [(0, 0, (1 - tx) * (1 - ty)), (0, 1, tx * (1 - ty)), (1, 0, (1 - tx) * ty), (1, 1, tx * ty)]
        images = np.zeros((len(points), *self.cell_shape), dtype=np.float32)
        confidence = np.zeros(len(points), dtype=np.float32)
        for dr, dc, weight in corners:
            images += weight[:, None, None, None] * self.images[row + dr, col + dc]
            confidence += weight * self.confidence[row + dr, col + dc]
        return images, confidence


def check_cells(cells) -> int:
    if isinstance(cells, bool) or not isinstance(cells, (int, np.integer)) or not MIN_CELLS <= cells <= MAX_GRID_SIDE:
        raise InvalidInputError(
            f"An atlas of {cells!r} cells a side is invalid; it must be a whole number from {MIN_CELLS} "
            f"to {MAX_GRID_SIDE}."
        )
    return int(cells)


def decode_atlas(model: LatentModel, projection: Projection, bounds=None, cells: int = DEFAULT_CELLS) -> Atlas:
    """Decode a cells x cells grid over a rectangle of a 2-D map (manifold_grid, with confidences) into an Atlas.

    bounds: (x_min, x_max, y_min, y_max), the centres of the corner cells; None for the embedding's bounding box.
    Each cell's image is at most MAX_CELL_SIDE px a side, so a 64 x 64 atlas of 28 x 28 digits is a
    1,792 px square sprite.
    """
    cells = check_cells(cells)
    bounds = check_bounds(bounds, projection)
    images, confidence = manifold_grid(model, projection, bounds, cells, cells, return_confidence=True)
    factor = shrink_factor(*images.shape[2:4])
    return Atlas(shrink(images, factor), np.asarray(confidence, dtype=np.float32), bounds, factor)
