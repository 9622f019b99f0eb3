"""MapFile: a map Parquet (from project_to_parquet) read in pieces, never whole: what the app draws and decodes.

The file is memory-mapped and read one row group and a few columns at a time: the bounds come from
the row groups' statistics, the density layer from a pass over x and y, the drawn points from an
even sample of rows, and the inverse from the rows the map was fitted on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InvalidInputError
from ..projection.inverse import KernelRegressor, MapConfidence
from ..projection.projection import LinearInverse
from .encode import stack_codes
from .sources import from_description
from .tables import metadata, open_parquet

BATCH_ROWS = 65_536
INVERSE_ROWS = 50_000  # the inverse is fitted on at most this many of the sampled rows


class MapInverse:
    """Map points float (M, dims) -> (codes float32 (M, d), confidence float32 (M,) in [0, 1]); see Projection."""

    def __init__(self, inverse, confidence: MapConfidence):
        self.inverse, self.confidence = inverse, confidence

    def __call__(self, points) -> tuple[np.ndarray, np.ndarray]:
        points = np.atleast_2d(np.asarray(points, dtype=np.float32))
        return self.inverse.predict(points), self.confidence.score(points)


class MapFile:
    """A map Parquet: `rows` points of `dims` dimensions, with `meta` (model path, data, settings, quality)."""

    def __init__(self, path):
        self.path = Path(path)
        self.parquet = open_parquet(self.path, "Map file")
        self.meta = metadata(self.parquet, "map", self.path)
        self.rows = self.parquet.metadata.num_rows
        self.dims = int(self.meta["config"]["dims"])
        self.axes = list("xyz"[: self.dims])

    @property
    def method(self) -> str:
        return self.meta["config"]["method"]

    @property
    def model_path(self) -> Path:
        return Path(self.meta["model"])

    def batches(self, columns: list[str]):
        """Record batches of the chosen columns, in row order."""
        return self.parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns)

    def bounds(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1) of all points, from the row groups' statistics (a pass over x, y if there are none)."""
        low, high = np.full(2, np.inf), np.full(2, -np.inf)
        names = self.parquet.schema_arrow.names
        for group in range(self.parquet.num_row_groups):
            meta = self.parquet.metadata.row_group(group)
            for axis, name in enumerate("xy"):
                stats = meta.column(names.index(name)).statistics
                if stats is None or not stats.has_min_max:
                    return self.scanned_bounds()
                low[axis], high[axis] = min(low[axis], stats.min), max(high[axis], stats.max)
        return float(low[0]), float(high[0]), float(low[1]), float(high[1])

    def scanned_bounds(self) -> tuple[float, float, float, float]:
        low, high = np.full(2, np.inf), np.full(2, -np.inf)
        for batch in self.batches(["x", "y"]):
            xy = np.column_stack([batch.column(0).to_numpy(), batch.column(1).to_numpy()])
            low, high = np.minimum(low, xy.min(axis=0)), np.maximum(high, xy.max(axis=0))
        return float(low[0]), float(high[0]), float(low[1]), float(high[1])

    def density(self, bins: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Points per cell of a bins x bins grid over the x, y bounds: counts float32 (bins, bins) indexed [y, x],
        and the x and y cell edges, each (bins + 1,)."""
        x0, x1, y0, y1 = self.bounds()
        x_edges = np.linspace(x0, x1 if x1 > x0 else x0 + 1, bins + 1)
        y_edges = np.linspace(y0, y1 if y1 > y0 else y0 + 1, bins + 1)
        counts = np.zeros((bins, bins), dtype=np.float64)
        for batch in self.batches(["x", "y"]):
            x, y = batch.column(0).to_numpy(), batch.column(1).to_numpy()
            counts += np.histogram2d(y, x, bins=(y_edges, x_edges))[0]
        return counts.astype(np.float32), x_edges, y_edges

    def sample(self, count: int, seed: int = 0) -> dict[str, np.ndarray]:
        """An even random sample of `count` points (all when there are fewer), in row order: 'row' (row of the map),
        'index' (row of the data), the axes, 'label' (int64, -1 when unknown) and 'source' (path or '')."""
        chosen = (
            np.arange(self.rows)
            if count >= self.rows
            else np.sort(np.random.default_rng(seed).choice(self.rows, count, replace=False))
        )
        columns = ["index", *self.axes, "label", "source"]
        found: dict[str, list] = {c: [] for c in columns}
        start = 0
        for batch in self.batches(columns):
            stop = start + batch.num_rows
            inside = chosen[(chosen >= start) & (chosen < stop)] - start
            if len(inside):
                for name in columns:
                    column = batch.column(batch.schema.get_field_index(name))
                    if name == "label":
                        column = column.fill_null(-1)
                    found[name].append(column.take(inside).to_numpy(zero_copy_only=False))
            start = stop
        points = {name: np.concatenate(parts) if parts else np.empty(0) for name, parts in found.items()}
        return points | {"row": chosen}

    def inverse(self) -> MapInverse:
        """The inverse fitted on the sampled rows the map was fitted on (PCA: exact, from the stored axes)."""
        latent_dim = int(self.meta["latent_dim"])
        columns = [*self.axes, *(f"z{i}" for i in range(latent_dim))]
        points, codes = [], []
        for batch in self.parquet.iter_batches(batch_size=BATCH_ROWS, columns=[*columns, "in_sample"]):
            keep = batch.column(batch.num_columns - 1).to_numpy(zero_copy_only=False)
            if keep.any():
                table = batch.filter(batch.column(batch.num_columns - 1))
                points.append(np.column_stack([table.column(a).to_numpy() for a in self.axes]))
                codes.append(stack_codes(table, latent_dim))
        if not points:
            raise InvalidInputError(f"Map '{self.path.name}' marks no row as fitted (in_sample), so it cannot decode.")
        points, codes = np.concatenate(points), np.concatenate(codes)
        if len(points) > INVERSE_ROWS:
            keep = np.sort(np.random.default_rng(0).choice(len(points), INVERSE_ROWS, replace=False))
            points, codes = points[keep], codes[keep]
        if self.method == "pca":
            state = self.meta["pca"]
            inverse = LinearInverse(np.asarray(state["mean"]), np.asarray(state["components"]))
        else:
            inverse = KernelRegressor().fit(points, codes)
        return MapInverse(inverse, MapConfidence().fit(points))

    def source_image(self, index: int, source: str) -> np.ndarray:
        """The image of data row `index` (path `source` in a folder or zip), read now from the data the codes
        came from, as uint8 (H, W, C) of the model's image shape."""
        return from_description(self.meta["data"]).image_at(int(index), source, tuple(self.meta["image_shape"]))
