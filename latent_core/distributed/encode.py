"""encode_to_parquet: a folder, zip, Parquet table or IDX file of images encoded on a cluster into a codes Parquet.

The client lists the images and writes the output; workers decode and encode one part each (see
tasks.py). Parts are written in order as they finish, one row group each, so the client holds only
the codes of parts that finished early; each part is written once, whatever the retries.
Output columns: index (the image's row in the data, int64), source (its path in a folder or zip,
else ''), label (int64, null when unknown), z0..z{d-1} (float32). The file's metadata records the
model's checkpoint path and the data (see tables.META_KEY).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InvalidInputError
from .engine import ClusterConfig, open_engine
from .sources import open_source
from .tables import with_metadata
from .tasks import checkpoint_stamp, encode_part

ON_ERROR = ("skip", "stop")


@dataclass(frozen=True)
class EncodeConfig:
    """partition_size: images per task (a worker's memory is bounded by it); on_error: what a corrupt image does,
    'skip' (left out of the output and reported by path) or 'stop' (the job stops, naming the image)."""

    partition_size: int = 2048
    on_error: str = "skip"

    def validate(self) -> EncodeConfig:
        if not 16 <= self.partition_size <= 1_000_000:
            raise InvalidInputError(f"Partition size {self.partition_size} is out of range; use 16 to 1000000.")
        if self.on_error not in ON_ERROR:
            raise InvalidInputError(f"On error {self.on_error!r} must be 'skip' or 'stop'.")
        return self


@dataclass
class EncodeResult:
    """What an encode wrote: `rows` codes to `out`; `problems` (name, reason) of corrupt images left out;
    `passed` (name, reason) of files that are not images; `seconds` from start to finish."""

    out: Path
    rows: int
    latent_dim: int
    seconds: float
    problems: list[tuple[str, str]] = field(default_factory=list)
    passed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def images_per_s(self) -> float:
        return self.rows / max(self.seconds, 1e-9)


def checkpoint_path(model) -> Path:
    """The folder or .zip of a model given as a shipped name or a path: what workers load."""
    from ..checkpoint.discovery import shipped_dir, shipped_models

    if isinstance(model, str) and model in shipped_models():
        return (shipped_dir() / model).resolve()
    path = Path(model).expanduser().resolve()
    if not path.exists():
        raise InvalidInputError(f"Model '{model}' is neither a shipped model nor a checkpoint folder or .zip.")
    return path


def codes_schema(latent_dim: int, meta: dict) -> pa.Schema:
    fields = [("index", pa.int64()), ("source", pa.string()), ("label", pa.int64())]
    fields += [(f"z{i}", pa.float32()) for i in range(latent_dim)]
    return with_metadata(pa.schema(fields), meta)


def part_table(result: dict, schema: pa.Schema) -> pa.Table:
    codes = result["codes"]
    labels = result["labels"]
    columns = [
        pa.array(result["rows"], pa.int64()),
        pa.array(result["names"], pa.string()),
        pa.array(labels if labels is not None else [None] * len(codes), pa.int64()),
    ] + [pa.array(codes[:, i]) for i in range(codes.shape[1])]
    return pa.Table.from_arrays(columns, schema=schema)


def stop_message(name: str, reason: str) -> str:
    return f"Image '{name}' {reason}; the job stopped (--on-error stop). Use --on-error skip to leave such images out."


def encode_to_parquet(
    data,
    model,
    out,
    config: EncodeConfig | None = None,
    cluster: ClusterConfig | None = None,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    engine=None,
) -> EncodeResult:
    """Encode every image of `data` with `model` (a shipped name or checkpoint path) into the Parquet `out`.

    on_progress(images_done, images_total) is called on the client after each part. `engine`: an open
    engine to use (else one is opened for `cluster` and closed at the end). The output is written to
    '<out>.partial' and renamed when complete, so a stopped job leaves no half file under `out`.
    """
    from ..checkpoint.loading import load_model

    config = (config or EncodeConfig()).validate()
    out, started = Path(out), time.perf_counter()
    if out.suffix.lower() != ".parquet":
        raise InvalidInputError(f"Output '{out}' must end in .parquet.")
    path = checkpoint_path(model)
    probe = load_model(path)
    if not probe.can_encode:
        raise InvalidInputError(f"Model '{probe.name}' has no encoder, so it cannot map images to codes.")
    source = open_source(data)
    if source.count == 0:
        raise InvalidInputError(f"Data '{Path(data).name}' holds no images.")
    parts = source.parts(config.partition_size)
    meta = {
        "kind": "codes",
        "model": str(path),
        "model_name": probe.name,
        "latent_dim": probe.latent_dim,
        "image_shape": list(probe.image_shape),
        "data": source.describe(),
    }
    schema = codes_schema(probe.latent_dim, meta)
    result = EncodeResult(out, 0, probe.latent_dim, 0.0)
    partial = out.with_name(out.name + ".partial")
    out.parent.mkdir(parents=True, exist_ok=True)
    own_engine = engine is None
    engine = engine or open_engine(cluster)
    try:
        with pq.ParquetWriter(partial, schema) as writer:
            waiting, next_part, done = {}, 0, 0
            for _, finished in engine.map(encode_part, parts, source, (str(path), checkpoint_stamp(path))):
                if finished["problems"] and config.on_error == "stop":
                    raise InvalidInputError(stop_message(*finished["problems"][0]))
                waiting.setdefault(finished["part"], finished)
                while next_part in waiting:
                    ready = waiting.pop(next_part)
                    writer.write_table(part_table(ready, schema))
                    result.rows += len(ready["rows"])
                    result.problems += ready["problems"]
                    result.passed += ready["passed"]
                    done += parts[next_part].count
                    next_part += 1
                    if on_progress:
                        on_progress(done, source.count)
        if result.rows == 0:
            raise InvalidInputError(f"None of the {source.count:,} files of '{Path(data).name}' could be encoded.")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
        if own_engine:
            engine.close()
    result.seconds = time.perf_counter() - started
    return result


def read_codes_meta(path) -> dict:
    """The metadata of a codes Parquet written by encode_to_parquet (InvalidInputError for any other file)."""
    from .tables import metadata, open_parquet

    return metadata(open_parquet(path, "Codes file"), "codes", path)


def code_columns(latent_dim: int) -> list[str]:
    return [f"z{i}" for i in range(latent_dim)]


def stack_codes(table: pa.Table, latent_dim: int) -> np.ndarray:
    """float32 (n, latent_dim) from a table's z0..z{d-1} columns."""
    return np.column_stack([table.column(c).to_numpy() for c in code_columns(latent_dim)]).astype(np.float32)
