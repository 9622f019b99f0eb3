"""project_to_parquet: a codes Parquet placed on a 2-D/3-D map, fitted on a seeded sample and applied to the rest.

The map is fitted with fit_projection on `sample` codes drawn with the config's seed (umap-learn's
own advice for large sets, umap#510), then every part of the codes file is placed with the fitted
map's transform on the workers (PCA exactly, UMAP with umap-learn's transform, t-SNE by kNN
placement; see Projection.transform). Sampled rows keep their fitted positions.
Output: the codes file's columns, then x, y[, z] (float32) and in_sample (bool). Its metadata holds
the codes file's, the projection's settings, the quality figures measured on the sample, and for PCA
the mean and axes, so a reader rebuilds the exact inverse; for t-SNE and UMAP the inverse is fitted
on the sampled rows (see maps.MapFile.inverse).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InvalidInputError
from ..projection import ProjectionConfig, fit_projection
from .encode import read_codes_meta, stack_codes
from .engine import ClusterConfig, open_engine
from .tables import open_parquet, row_group_starts, row_ranges, with_metadata
from .tasks import transform_part

MIN_SAMPLE = 50
PART_ROWS = 50_000


@dataclass
class MapResult:
    """rows placed in `out`; sample: how many the map was fitted on; quality: its figures on the sample;
    fit_seconds and seconds: the fit alone, and the whole job."""

    out: Path
    rows: int
    sample: int
    quality: dict
    fit_seconds: float
    seconds: float


def take_rows(parquet: pq.ParquetFile, rows: np.ndarray, columns: list[str]) -> pa.Table:
    """The sorted `rows` of the chosen columns, one row group at a time."""
    starts = row_group_starts(parquet)
    pieces = []
    for group in range(parquet.num_row_groups):
        low, high = starts[group], starts[group + 1]
        wanted = rows[(rows >= low) & (rows < high)]
        if len(wanted):
            pieces.append(parquet.read_row_group(group, columns=columns).take(pa.array(wanted - low)))
    return pa.concat_tables(pieces)


def sample_rows(count: int, sample: int, seed: int) -> np.ndarray:
    """`sample` row numbers out of `count`, sorted, drawn with `seed` (all rows when sample >= count)."""
    if sample >= count:
        return np.arange(count, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(count, sample, replace=False)).astype(np.int64)


def map_metadata(codes_meta: dict, projection, quality: dict, sample: int) -> dict:
    meta = codes_meta | {"kind": "map", "config": projection.config.to_dict(), "quality": quality, "sample": sample}
    if projection.method == "pca":
        meta["pca"] = {k: np.asarray(v, dtype=np.float64).tolist() for k, v in projection.state.items()}
    return meta


def placed(table: pa.Table, bounds: tuple[int, int], rows: np.ndarray, embedding: np.ndarray, dims: int) -> pa.Table:
    """A part's table with its sampled rows at their fitted positions and an in_sample column."""
    start, stop = bounds
    inside = rows[(rows >= start) & (rows < stop)]
    flags = np.zeros(stop - start, dtype=bool)
    flags[inside - start] = True
    fitted = embedding[np.searchsorted(rows, inside)]
    for axis, name in enumerate("xyz"[:dims]):
        values = table.column(name).to_numpy().copy()
        values[inside - start] = fitted[:, axis]
        table = table.set_column(table.column_names.index(name), name, pa.array(values, pa.float32()))
    return table.append_column("in_sample", pa.array(flags))


def project_to_parquet(
    codes_path,
    out,
    config: ProjectionConfig | None = None,
    sample: int = 50_000,
    cluster: ClusterConfig | None = None,
    *,
    on_progress: Callable[[float, str], None] | None = None,
    engine=None,
    cache=False,
) -> MapResult:
    """Fit `config`'s map on `sample` codes of `codes_path` and place every row; write the map Parquet `out`.

    on_progress(fraction, message) follows the fit (see fit_projection), then the placing of the parts.
    """
    config = (config or ProjectionConfig()).validate()
    out, started = Path(out), time.perf_counter()
    if out.suffix.lower() != ".parquet":
        raise InvalidInputError(f"Output '{out}' must end in .parquet.")
    if sample < MIN_SAMPLE:
        raise InvalidInputError(f"Sample {sample} is too small; fit the map on at least {MIN_SAMPLE} codes.")
    codes_meta = read_codes_meta(codes_path)
    parquet = open_parquet(codes_path, "Codes file")
    count, latent_dim = parquet.metadata.num_rows, codes_meta["latent_dim"]
    rows = sample_rows(count, sample, config.seed)
    columns = [f"z{i}" for i in range(latent_dim)]
    codes = stack_codes(take_rows(parquet, rows, columns), latent_dim)
    report = on_progress or (lambda fraction, message: None)
    projection = fit_projection(codes, config, on_progress=lambda f, m: report(0.8 * f, m), cache=cache)
    fit_seconds = time.perf_counter() - started
    quality = projection.quality()
    schema_meta = map_metadata(codes_meta, projection, quality, len(rows))
    bounds = row_ranges(count, PART_ROWS)
    partial = out.with_name(out.name + ".partial")
    out.parent.mkdir(parents=True, exist_ok=True)
    own_engine = engine is None
    engine = engine or open_engine(cluster)
    try:
        writer, waiting, next_part = None, {}, 0
        for _, (part, table) in engine.map(transform_part, bounds, str(Path(codes_path).resolve()), projection):
            waiting[bounds.index(part)] = placed(table, part, rows, projection.embedding, config.dims)
            while next_part in waiting:
                table = waiting.pop(next_part)
                if writer is None:
                    writer = pq.ParquetWriter(partial, with_metadata(table.schema, schema_meta))
                writer.write_table(table)
                next_part += 1
                report(0.8 + 0.2 * next_part / len(bounds), f"placed {min(next_part * PART_ROWS, count):,} points")
        writer.close()
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
        if own_engine:
            engine.close()
    return MapResult(out, count, len(rows), quality, fit_seconds, time.perf_counter() - started)
