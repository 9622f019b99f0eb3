"""Parquet helpers shared by the pipeline and the map reader: rows by range, and the JSON kept in a file's metadata.

Files are opened memory-mapped and read one row group at a time, so reading a range costs the row
groups it touches, never the whole file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InvalidInputError

META_KEY = b"latent_explorer"


def open_parquet(path, what: str) -> pq.ParquetFile:
    """A memory-mapped ParquetFile; a missing or unreadable file is an InvalidInputError naming `what` it should be."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"{what} '{path}' does not exist.")
    try:
        return pq.ParquetFile(path, memory_map=True)
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInputError(f"{what} '{path.name}' is not a readable Parquet file ({exc}).") from None


def metadata(parquet: pq.ParquetFile, kind: str, path) -> dict:
    """The JSON this package wrote into the file, checked to be of `kind` ('codes' or 'map')."""
    raw = (parquet.schema_arrow.metadata or {}).get(META_KEY)
    meta = json.loads(raw) if raw else {}
    if meta.get("kind") != kind:
        made = "`latent-core encode`" if kind == "codes" else "`latent-core project --codes ...`"
        raise InvalidInputError(f"'{Path(path).name}' is not a {kind} file made by {made}.")
    return meta


def with_metadata(schema: pa.Schema, meta: dict) -> pa.Schema:
    return schema.with_metadata({META_KEY: json.dumps(meta).encode()})


def row_group_starts(parquet: pq.ParquetFile) -> list[int]:
    """The first row of each row group, and the row count at the end."""
    starts = [0]
    for i in range(parquet.num_row_groups):
        starts.append(starts[-1] + parquet.metadata.row_group(i).num_rows)
    return starts


def read_rows(parquet: pq.ParquetFile, start: int, stop: int, columns: list[str] | None = None) -> pa.Table:
    """Rows [start, stop) of the chosen columns, reading only the row groups they lie in."""
    starts = row_group_starts(parquet)
    pieces = []
    for group in range(parquet.num_row_groups):
        low, high = starts[group], starts[group + 1]
        if high <= start or low >= stop:
            continue
        table = parquet.read_row_group(group, columns=columns)
        pieces.append(table.slice(max(start - low, 0), min(stop, high) - max(start, low)))
    if not pieces:
        return parquet.schema_arrow.empty_table().select(columns) if columns else parquet.schema_arrow.empty_table()
    return pa.concat_tables(pieces)


def row_ranges(count: int, size: int) -> list[tuple[int, int]]:
    """[start, stop) ranges of at most `size` rows covering `count` rows."""
    return [(start, min(start + size, count)) for start in range(0, count, size)]
