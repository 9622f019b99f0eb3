"""ProjectionCache: fitted maps on disk, keyed by the codes' content hash and every setting.

Each entry is <key>.npz (arrays only, loaded with allow_pickle=False) plus <key>.json
(metadata), written atomically. The codes themselves are not stored: a hit needs the same
codes anyway, and the inverse is refitted from them in milliseconds. The folder is bounded
(least recently used entries, by mtime, go first) and safe to delete at any time; an entry
that is unreadable or does not match is treated as a miss and removed.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..io.fingerprint import fingerprint
from ..settings import settings
from .config import ProjectionConfig
from .projection import Projection

FORMAT = 1
STATE = {"pca": {"mean", "components"}, "tsne": set(), "umap": set()}


class ProjectionCache:
    """A folder of fitted projections; `directory` and `max_bytes` default to settings().cache_dir
    ($LATENT_EXPLORER_CACHE, else ~/.cache/latent-explorer/projections) and settings().cache_max_bytes
    ($LATENT_EXPLORER_CACHE_MAX_BYTES, else 512 MiB)."""

    def __init__(self, directory=None, max_bytes: int | None = None):
        self.directory = Path(directory or settings().cache_dir).expanduser()
        self.max_bytes = int(max_bytes if max_bytes is not None else settings().cache_max_bytes)

    @staticmethod
    def key(codes_fingerprint: str, config: ProjectionConfig) -> str:
        text = json.dumps({"format": FORMAT, "codes": codes_fingerprint, **config.to_dict()}, sort_keys=True)
        return fingerprint(text)

    def paths(self, key: str) -> tuple[Path, Path]:
        return self.directory / f"{key}.npz", self.directory / f"{key}.json"

    def load(self, codes: np.ndarray, codes_fingerprint: str, config: ProjectionConfig) -> Projection | None:
        """The cached projection of these codes with this config, or None."""
        arrays_path, meta_path = self.paths(self.key(codes_fingerprint, config))
        try:
            meta = json.loads(meta_path.read_text())
            with np.load(arrays_path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            self.remove(arrays_path, meta_path)
            return None
        embedding = arrays.pop("embedding", None)
        complete = (
            embedding is not None
            and embedding.shape == (len(codes), config.dims)
            and STATE[config.method] <= arrays.keys()
        )
        if meta.get("codes") != codes_fingerprint or not complete:
            self.remove(arrays_path, meta_path)
            return None
        for path in (arrays_path, meta_path):
            os.utime(path)  # most recently used
        return Projection(codes, embedding, config, arrays, codes_fingerprint=codes_fingerprint)

    def store(self, projection: Projection) -> Path:
        """Write one entry atomically, then evict old ones beyond max_bytes; returns the .npz path."""
        self.directory.mkdir(parents=True, exist_ok=True)
        key = self.key(projection.fingerprint, projection.config)
        arrays_path, meta_path = self.paths(key)
        meta = {
            "format": FORMAT,
            "codes": projection.fingerprint,
            "points": len(projection.codes),
            "code_dim": int(projection.codes.shape[1]),
            **projection.config.to_dict(),
        }
        self.write_atomic(arrays_path, lambda f: np.savez(f, **projection.arrays()))
        self.write_atomic(meta_path, lambda f: f.write(json.dumps(meta, indent=1).encode()))
        self.evict(keep=key)
        return arrays_path

    def write_atomic(self, path: Path, write) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(handle, "wb") as f:
                write(f)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def entries(self) -> list[tuple[float, int, str]]:
        """(mtime, bytes, key) of every entry, oldest first."""
        found = {}
        for path in self.directory.glob("*.npz"):
            try:
                stat, meta = path.stat(), path.with_suffix(".json").stat()
            except OSError:
                continue
            found[path.stem] = (stat.st_mtime, stat.st_size + meta.st_size, path.stem)
        return sorted(found.values())

    def size(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def evict(self, keep: str | None = None) -> None:
        """Delete least recently used entries until the folder holds at most max_bytes (never `keep`)."""
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        for _, size, key in entries:
            if total <= self.max_bytes:
                break
            if key != keep:
                self.remove(*self.paths(key))
                total -= size

    def clear(self) -> None:
        for _, _, key in self.entries():
            self.remove(*self.paths(key))

    @staticmethod
    def remove(*paths: Path) -> None:
        for path in paths:
            path.unlink(missing_ok=True)
