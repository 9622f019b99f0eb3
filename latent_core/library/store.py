"""The library's files, by content hash: home/objects/<hash[:2]>/<hash>.npz for a dataset, and
home/objects/<hash[:2]>/<hash>/ for a model's checkpoint folder.

A file is written in a staging folder under home/tmp (the same file system), flushed to disk, then
moved into place with one os.replace, so an object is either complete or absent; a process killed
half-way leaves only a staging folder, which readers ignore and `sweep` removes. The database row
that refers to an object is written after it (see library.py).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..dataset import ImageDataset
from ..datasets import EmbeddingSet
from ..errors import InvalidInputError
from ..io.fingerprint import fingerprint

FACTOR_PREFIX = "factor_"
DATASET_SUFFIX = ".npz"


def dataset_arrays(data: ImageDataset | EmbeddingSet) -> tuple[str, dict[str, np.ndarray]]:
    """("images" | "embeddings", the arrays saved for it): images or vectors, labels, label_names as unicode,
    and for images each factor as factor_<name>, none of them needing pickle."""
    if isinstance(data, ImageDataset):
        kind, arrays = "images", {"images": data.images}
        arrays |= {FACTOR_PREFIX + name: np.asarray(values) for name, values in data.factors.items()}
    elif isinstance(data, EmbeddingSet):
        kind, arrays = "embeddings", {"vectors": data.vectors}
        if data.images is not None:
            arrays["images"] = data.images
    else:
        raise InvalidInputError(f"Only image datasets and embedding sets can be saved, not {type(data).__name__}.")
    if data.labels is not None:
        arrays["labels"] = data.labels
    if data.label_names is not None:
        arrays["label_names"] = np.array([str(name) for name in data.label_names], dtype=np.str_)
    for name, array in arrays.items():
        if array.dtype.hasobject:
            raise InvalidInputError(f"'{data.name}' cannot be saved: its {name} are Python objects, not numbers.")
    return kind, arrays


def dataset_hash(kind: str, arrays: dict[str, np.ndarray]) -> str:
    """The content hash of a dataset: its kind and every array's name, type, shape and values."""
    parts = [kind]
    for name in sorted(arrays):
        array = arrays[name]
        parts += [name, array.dtype.str, repr(array.shape), array]
    return fingerprint(*parts)


def dataset_from_arrays(arrays, name: str) -> ImageDataset | EmbeddingSet:
    """The dataset that `dataset_arrays` saved, named `name`."""
    labels = arrays["labels"] if "labels" in arrays else None
    label_names = [str(n) for n in arrays["label_names"]] if "label_names" in arrays else None
    if "vectors" in arrays:
        images = arrays["images"] if "images" in arrays else None
        return EmbeddingSet(arrays["vectors"], labels, label_names, images, name=name)
    factors = {k[len(FACTOR_PREFIX) :]: arrays[k] for k in arrays if k.startswith(FACTOR_PREFIX)}
    return ImageDataset(arrays["images"], labels, label_names, factors, name=name)


def npz_bytes_at_most(arrays: dict) -> int:
    """An upper bound of the .npz np.savez writes: the arrays' bytes plus a generous header for each."""
    return sum(a.nbytes + 1024 + 2 * len(name) for name, a in arrays.items()) + 1024


def write_out(out, data: bytes) -> Path:
    """Write an export to the file `out`, making its folder if needed."""
    out = Path(out)
    if out.is_dir():
        raise InvalidInputError(f"'{out}' is a folder; give a file name to export to.")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def folder_hash(folder: Path) -> str:
    """The content hash of a checkpoint folder: each file's name and bytes, in name order."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return fingerprint("checkpoint", *(part for p in files for part in (p.name, str(p.stat().st_size), p.read_bytes())))


def tree_bytes(path: Path) -> int:
    """The size of a file, or of the files in a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    """Flush a file, or a folder with its files, to disk."""
    if path.is_dir():
        for child in path.iterdir():
            fsync_tree(child)
    fsync_path(path)


def remove(path: Path) -> None:
    """Remove a file or folder if it is there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


class ObjectStore:
    """Content-addressed files under `home`: objects/ for finished ones, tmp/ for ones being written."""

    def __init__(self, home: Path):
        self.objects = Path(home) / "objects"
        self.tmp = Path(home) / "tmp"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, content_hash: str, suffix: str = "") -> Path:
        """Where the object of this hash lives (suffix ".npz" for a dataset, "" for a checkpoint folder)."""
        return self.objects / content_hash[:2] / (content_hash + suffix)

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A fresh folder to write into, removed on leaving unless its contents were published."""
        folder = self.tmp / f"{uuid.uuid4().hex}"
        folder.mkdir()
        try:
            yield folder
        finally:
            remove(folder)

    def refresh(self, final: Path) -> bool:
        """Whether the object `final` is already there; if so, its modification time is renewed so that `sweep`
        leaves it to the row about to refer to it."""
        try:
            os.utime(final)
        except FileNotFoundError:
            return False
        return True

    def publish(self, staged: Path, content_hash: str, suffix: str = "") -> tuple[Path, bool]:
        """Move a staged file or folder into place as the object `content_hash`, after flushing it to disk.

        Returns (its path, whether it is new). An object that is already there is kept (same hash, same
        content), and its modification time renewed so that `sweep` leaves it to the row about to refer to it.
        """
        final = self.path(content_hash, suffix)
        if self.refresh(final):
            return final, False
        fsync_tree(staged)
        final.parent.mkdir(exist_ok=True)
        try:
            os.replace(staged, final)
        except OSError:  # another process published the same folder first
            if not final.is_dir():
                raise
            os.utime(final)
            return final, False
        fsync_path(final.parent)
        return final, True

    def write_dataset(self, staging: Path, arrays: dict[str, np.ndarray]) -> Path:
        """Write the arrays as one .npz in `staging` (np.savez, uncompressed); returns the file."""
        path = staging / ("data" + DATASET_SUFFIX)
        with open(path, "wb") as file:
            np.savez(file, **arrays)
        return path

    def read_dataset(self, content_hash: str) -> dict[str, np.ndarray]:
        """The arrays of a stored dataset, read without pickle."""
        with np.load(self.path(content_hash, DATASET_SUFFIX), allow_pickle=False) as arrays:
            return {name: arrays[name] for name in arrays.files}

    def entries(self) -> Iterator[tuple[str, Path]]:
        """(content hash, path) of every published object."""
        for shard in sorted(self.objects.iterdir()):
            if shard.is_dir():
                for path in sorted(shard.iterdir()):
                    yield path.name.removesuffix(DATASET_SUFFIX), path

    def sweep(self, referenced: set[str], grace_s: float) -> dict:
        """Remove objects no row refers to and staging leftovers, each only when untouched for `grace_s` seconds
        (so a save under way in another process keeps its files); returns counts of files and bytes removed."""
        cutoff = time.time() - grace_s
        removed = {"files": 0, "bytes": 0, "temp": 0}
        for content_hash, path in list(self.entries()):
            if content_hash not in referenced and path.stat().st_mtime <= cutoff:
                removed["bytes"] += tree_bytes(path)
                removed["files"] += 1
                remove(path)
        for path in list(self.tmp.iterdir()):
            if path.stat().st_mtime <= cutoff:
                removed["temp"] += 1
                remove(path)
        return removed
