"""What runs on a worker: one part of the images encoded, or one range of codes placed on a map.

A worker loads the model itself, from the checkpoint folder (or .zip) on a path it can read, once
per process (worker_model is cached by path and file stamp); models never travel pickled.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np


def checkpoint_stamp(path: Path) -> tuple:
    """(name, size, mtime) of a checkpoint's files, so that a changed checkpoint loads again."""
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)


@lru_cache(maxsize=2)
def worker_model(path: str, stamp: tuple):
    """The model of a checkpoint folder or .zip, loaded once per worker process and kept."""
    import torch

    from ..checkpoint.loading import load_model

    torch.set_num_threads(1)
    return load_model(Path(path))


def encode_part(part, source, model_ref: tuple) -> dict:
    """Decode `part` of `source` and encode it: rows int64 (n,), names, labels int64 (n,) or None,
    codes float32 (n, latent_dim), problems and passed (name, reason) lists."""
    model = worker_model(*model_ref)
    batch = source.read(part, model.image_shape)
    codes = model.encode(batch.images) if len(batch.images) else np.empty((0, model.latent_dim), np.float32)
    return {
        "part": part.index,
        "rows": batch.rows,
        "names": batch.names,
        "labels": batch.labels,
        "codes": codes,
        "problems": batch.problems,
        "passed": batch.passed,
    }


def transform_part(bounds: tuple[int, int], codes_path: str, projection) -> tuple[tuple[int, int], object]:
    """Rows [start, stop) of a codes file placed on the fitted map: (bounds, the rows' table plus x, y[, z])."""
    import pyarrow as pa

    from .tables import open_parquet, read_rows

    table = read_rows(open_parquet(codes_path, "Codes file"), *bounds)
    code_columns = [n for n in table.column_names if n.startswith("z") and n[1:].isdigit()]
    codes = np.column_stack([table.column(c).to_numpy() for c in code_columns]).astype(np.float32)
    points = projection.transform(codes) if len(codes) else np.empty((0, projection.dims), np.float32)
    for axis, name in enumerate("xyz"[: projection.dims]):
        table = table.append_column(name, pa.array(points[:, axis].astype(np.float32)))
    return bounds, table
