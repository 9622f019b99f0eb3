"""The density layer's arithmetic: the map positions of every row of a large dataset, and a log1p count grid of them.

Maps of more than MAX_MAP_POINTS rows draw an even sample as dots (ui.resources.map_indices); the rows left out
are placed on the same map here (`place_rows`: encoded with the model, or the vectors themselves, through
Projection.transform) and all of them are counted on a BINS x BINS grid (`counts`), drawn under the dots as one
image (`layer`). This module never imports streamlit: `place_rows` runs in a worker process (ui.workers).
"""

from __future__ import annotations

import numpy as np

from latent_core.imaging import png_bytes
from latent_core.io.fingerprint import fingerprint

from .map_data import data_uri

BINS = 256  # cells a side of the grid: a 256 x 256 PNG, about 20-60 kB
BATCH = 4096  # rows encoded and placed at a time (progress is reported after each)
MARGIN = 0.04  # the whole map's grid reaches this fraction of the sample's range beyond it on each side
INK = (51, 65, 110)  # the layer's colour (a dark slate blue), its alpha growing with log(1 + count)
MAX_ALPHA = 150  # the densest cell's alpha: the dots stay readable over it


def place_rows(model, projection, rows_source, job) -> np.ndarray | None:
    """A density job's work: the map positions float32 (M, 2) of M rows that the map does not draw.

    `rows_source`: their vectors float (M, d) when `model` is None, else their images uint8 (M, H, W, C), encoded
    with `model` (a LatentModel or a checkpoint folder, loaded here: first, as ui.jobs.call_with_checkpoint passes
    it) in batches of BATCH. Returns None once the job is stopped."""
    if isinstance(model, str):
        import latent_core

        model = latent_core.load_model(model)
    total = len(rows_source)
    placed = np.empty((total, 2), dtype=np.float32)
    what = "Encoding and placing" if model is not None else "Placing"
    for start in range(0, total, BATCH):
        if job.should_stop():
            return None
        chunk = rows_source[start : start + BATCH]
        codes = model.encode(chunk) if model is not None else np.asarray(chunk, dtype=np.float32)
        placed[start : start + len(chunk)] = np.asarray(projection.transform(codes), dtype=np.float32)[:, :2]
        done = start + len(chunk)
        job.report(done / max(1, total), f"{what} {done:,} of {total:,} rows")
    return placed


def whole_bounds(embedding: np.ndarray) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1): the range of the drawn sample's first two axes, MARGIN wider on each side: the density
    layer's, and the decoded grid's and the hover atlas's (ui.map_view)."""
    low, high = embedding[:, :2].min(axis=0).astype(np.float64), embedding[:, :2].max(axis=0).astype(np.float64)
    pad = np.maximum(high - low, 1e-6) * MARGIN
    return (float(low[0] - pad[0]), float(high[0] + pad[0]), float(low[1] - pad[1]), float(high[1] + pad[1]))


def counts(positions: np.ndarray, bounds: tuple[float, float, float, float], bins: int = BINS) -> np.ndarray:
    """Points per cell of a bins x bins grid over bounds (x0, x1, y0, y1): int64 (bins, bins) indexed [y, x], row 0
    at y0. A point counts in the cell whose half-open range [left, right) holds it; points outside bounds are left
    out, so the counts sum to the points inside. 1,000,000 points take about 20 ms (np.bincount)."""
    x0, x1, y0, y1 = bounds
    gx = (positions[:, 0] - x0) * (bins / (x1 - x0))
    gy = (positions[:, 1] - y0) * (bins / (y1 - y0))
    inside = (gx >= 0) & (gx < bins) & (gy >= 0) & (gy < bins)
    cells = gy[inside].astype(np.int64) * bins + gx[inside].astype(np.int64)
    return np.bincount(cells, minlength=bins * bins).reshape(bins, bins)


def picture(grid: np.ndarray) -> np.ndarray:
    """Counts (rows, cols) [y, x] -> uint8 RGBA (rows, cols, 4), row 0 the top (the highest y): INK with alpha
    log(1 + count) / log(1 + max count) x MAX_ALPHA, transparent where no point falls."""
    shade = np.log1p(grid.astype(np.float64))
    top = shade.max()
    alpha = np.zeros(grid.shape) if top == 0 else shade / top * MAX_ALPHA
    rgba = np.empty((*grid.shape, 4), dtype=np.uint8)
    rgba[..., :3] = INK
    rgba[..., 3] = np.round(alpha).astype(np.uint8)
    return rgba[::-1]


def layer(positions: np.ndarray, bounds: tuple[float, float, float, float], zoomed: bool) -> dict:
    """The component's density entry: the grid of all `positions` (N, 2) over `bounds` as a PNG data URI placed at
    x0..x1, y0..y1 in map coordinates, how many points it counts (`total`: all N, `inside`: those in bounds), and
    whether it is a zoomed view's grid. Its `key` names the picture."""
    grid = counts(positions, bounds)
    src = data_uri(png_bytes(picture(grid)))
    x0, x1, y0, y1 = bounds
    return {
        "key": "density-" + fingerprint(src)[:16],
        "src": src,
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        "bins": BINS,
        "total": int(len(positions)),
        "inside": int(grid.sum()),
        "zoomed": bool(zoomed),
    }
