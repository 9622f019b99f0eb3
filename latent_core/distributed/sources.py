"""Image sources read in parts: a folder or zip of image files, a Parquet table of image bytes, or an IDX file.

`open_source(path)` looks at the data once, on the client: it lists file names (folder, zip) or
counts rows (Parquet, IDX), and never decodes an image. `parts(size)` splits the images into Parts
of at most `size`; `read(part, shape)` runs on a worker and decodes only that part, so a worker's
memory is bounded by the part's size, whatever the dataset's. A source sent to a worker carries
its path and kind, not its list of names (each Part carries its own).

Rows are numbered in a stable order (sorted file names, Parquet and IDX row order), so the same
data gives the same row numbers on every run. Images are brought to the model's (H, W, C) by the
same rules as load_dataset (decode, Lanczos resize, grey/RGB conversion).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InvalidInputError
from ..io.archive import SafeZip
from ..io.files import FileEntry
from ..io.sniff import sniff_file
from ..limits import Limits
from ..settings import settings
from .tables import open_parquet, read_rows

SYSTEM_PREFIXES = (".", "__MACOSX", "Thumbs.db", "desktop.ini")
IMAGE_COLUMNS = ("image", "images", "bytes", "png", "data")
NAME_COLUMNS = ("path", "source", "name", "file")


@dataclass(frozen=True)
class Part:
    """Images [start, start + count) of a source; `names` and `labels` for file sources (one per image)."""

    index: int
    start: int
    count: int
    names: tuple[str, ...] = ()
    labels: tuple[int, ...] = ()


@dataclass
class Batch:
    """A decoded part: images uint8 (n, H, W, C); rows int64 (n,) (the images' numbers in the source); names (n,)
    (path in the folder or zip, else ''); labels int64 (n,) or None; problems (name, reason) of images that could
    not be decoded; passed (name, reason) of files that are not images."""

    images: np.ndarray
    rows: np.ndarray
    names: list[str]
    labels: np.ndarray | None
    problems: list[tuple[str, str]] = field(default_factory=list)
    passed: list[tuple[str, str]] = field(default_factory=list)


def conform_image(data: bytes, name: str, shape: tuple[int, int, int], limits: Limits) -> np.ndarray:
    """An image file's bytes as uint8 (H, W, C) of `shape`; CorruptImage or InvalidInputError when it cannot be."""
    from ..datasets.images import decode, resize, stack

    return stack([resize(decode(data, name, "black", limits), shape[:2])], shape[2])[0]


def decode_files(items, shape, limits: Limits) -> tuple[list[int], list[np.ndarray], list[tuple[str, str]]]:
    """(positions kept, images, problems) from (name, read-bytes callable) pairs."""
    from ..datasets.images import CorruptImage

    kept, images, problems = [], [], []
    for position, (name, read) in enumerate(items):
        try:
            images.append(conform_image(read(), name, shape, limits))
            kept.append(position)
        except CorruptImage as exc:
            problems.append((name, str(exc)))
        except InvalidInputError as exc:
            problems.append((name, f"was refused ({exc})"))
    return kept, images, problems


def stacked(images: list[np.ndarray], shape) -> np.ndarray:
    return np.stack(images) if images else np.empty((0, *shape), dtype=np.uint8)


class ImageSource:
    """Base of the four sources: `path`, `kind`, `count` images, `label_names` (or None)."""

    kind = ""

    def __init__(self, path: Path, count: int, label_names: list[str] | None = None):
        self.path, self.count, self.label_names = Path(path).resolve(), count, label_names

    def parts(self, size: int) -> list[Part]:
        return [Part(i, start, min(size, self.count - start)) for i, start in enumerate(range(0, self.count, size))]

    def read(self, part: Part, shape: tuple[int, int, int], limits: Limits | None = None) -> Batch:
        raise NotImplementedError

    def image_at(self, row: int, name: str, shape: tuple[int, int, int]) -> np.ndarray:
        """One image, uint8 (H, W, C) of `shape`, by its row and name (the app's thumbnails)."""
        batch = self.read(Part(0, row, 1, (name,) if name else (), (0,) if name else ()), shape)
        if not len(batch.images):
            reason = batch.problems[0][1] if batch.problems else "is gone"
            raise InvalidInputError(f"Image {name or row} of '{self.path.name}' {reason}.")
        return batch.images[0]

    def describe(self) -> dict:
        """What the output files record about the data, enough for `from_description` to open it again."""
        return {"path": str(self.path), "kind": self.kind, "count": self.count, "label_names": self.label_names}

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}  # names stay on the client


class FileSource(ImageSource):
    """Image files in a folder (kind 'folder') or a zip (kind 'zip'); labels from class folders, as load_dataset."""

    def __init__(self, path: Path, kind: str, names: list[str], limits: Limits):
        from ..datasets.imagesets import folder_labels
        from ..datasets.report import LoadReport

        self.kind = kind
        labels, label_names = folder_labels([NameOnly(n) for n in names], LoadReport(str(path), "images"))
        super().__init__(path, len(names), label_names)
        self._names, self._labels = names, labels

    def parts(self, size: int) -> list[Part]:
        parts = []
        for i, start in enumerate(range(0, self.count, size)):
            names = tuple(self._names[start : start + size])
            labels = () if self._labels is None else tuple(int(v) for v in self._labels[start : start + size])
            parts.append(Part(i, start, len(names), names, labels))
        return parts

    def read(self, part: Part, shape, limits: Limits | None = None) -> Batch:
        from ..datasets.imagesets import pass_over

        limits = limits or settings().limits
        archive = SafeZip(self.path, limits) if self.kind == "zip" else None
        try:
            entries = {e.name: e for e in archive.entries} if archive else {}
            items, positions, passed = [], [], []
            for position, name in enumerate(part.names):
                entry = entries.get(name) if archive else FileEntry(self.path / name, tuple(name.split("/")), limits)
                reason = "is gone" if entry is None or (archive is None and not entry.path.is_file()) else None
                reason = reason or pass_over(entry)
                if reason:
                    passed.append((name, reason))
                else:
                    items.append((name, entry.read))
                    positions.append(position)
            kept, images, problems = decode_files(items, shape, limits)
        finally:
            if archive:
                archive.close()
        chosen = [positions[k] for k in kept]
        labels = np.array([part.labels[p] for p in chosen], dtype=np.int64) if part.labels else None
        rows = np.array([part.start + p for p in chosen], dtype=np.int64)
        return Batch(stacked(images, shape), rows, [part.names[p] for p in chosen], labels, problems, passed)


@dataclass(frozen=True)
class NameOnly:
    """A file name with the `parts` that folder_labels reads."""

    name: str

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.name.split("/"))


def column_named(schema, wanted: tuple[str, ...], test) -> str | None:
    names = [n for n in schema.names if test(schema.field(n).type)]
    return next((n for n in names if n.lower() in wanted), names[0] if names else None)


class ParquetSource(ImageSource):
    """A Parquet table with one image file (PNG, JPEG, ...) per row in a binary column (named image, bytes, png
    or data, else the first binary one), an optional integer 'label' column and an optional path column."""

    kind = "parquet"

    def __init__(self, path: Path):
        import pyarrow as pa

        table = open_parquet(path, "Image table")
        schema = table.schema_arrow
        self.image_column = column_named(
            schema, IMAGE_COLUMNS, lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t)
        )
        if self.image_column is None:
            raise InvalidInputError(f"Parquet file '{Path(path).name}' has no binary column of image bytes.")
        self.name_column = column_named(
            schema, NAME_COLUMNS, lambda t: pa.types.is_string(t) or pa.types.is_large_string(t)
        )
        self.label_column = (
            "label" if "label" in schema.names and pa.types.is_integer(schema.field("label").type) else None
        )
        super().__init__(path, table.metadata.num_rows)

    def read(self, part: Part, shape, limits: Limits | None = None) -> Batch:
        limits = limits or settings().limits
        columns = [c for c in (self.image_column, self.name_column, self.label_column) if c]
        table = read_rows(open_parquet(self.path, "Image table"), part.start, part.start + part.count, columns)
        blobs = table.column(self.image_column).to_pylist()
        names = table.column(self.name_column).to_pylist() if self.name_column else [""] * len(blobs)
        shown = [name or f"row {part.start + i}" for i, name in enumerate(names)]
        items = [(shown[i], (lambda b=b: b or b"")) for i, b in enumerate(blobs)]
        kept, images, problems = decode_files(items, shape, limits)
        labels = None
        if self.label_column:
            labels = np.asarray(table.column(self.label_column).fill_null(-1).to_numpy(), dtype=np.int64)[kept]
        rows = part.start + np.asarray(kept, dtype=np.int64)
        return Batch(stacked(images, shape), rows, [names[k] or "" for k in kept], labels, problems)


class IdxSource(ImageSource):
    """An MNIST-style IDX images file (raw, read by memory map; or gzip, inflated whole on each worker), with
    the labels file beside it when the path is a folder."""

    kind = "idx"

    def __init__(self, path: Path, images_file: Path, labels_file: Path | None, count: int):
        super().__init__(path, count)
        self.images_file, self.labels_file = images_file, labels_file

    def rows(self, file: Path, start: int, stop: int) -> np.ndarray:
        from ..datasets.idx import read_idx

        with open(file, "rb") as f:
            head = f.read(4)
        if head[:2] == b"\x1f\x8b":
            return read_idx(FileEntry(file, (file.name,), settings().limits), settings().limits)[start:stop]
        dims = head[3]
        with open(file, "rb") as f:
            shape = tuple(int.from_bytes(f.read(4)[0:4], "big") for _ in range(dims + 1))[1:]
        data = np.memmap(file, np.uint8, "r", offset=4 + 4 * dims, shape=shape)
        return np.array(data[start:stop])

    def read(self, part: Part, shape, limits: Limits | None = None) -> Batch:
        from ..datasets.images import conform

        stop = part.start + part.count
        images = self.rows(self.images_file, part.start, stop)[..., None]
        images = conform(images, shape[:2], shape[2], self.images_file.name, limits or settings().limits)
        labels = None if self.labels_file is None else self.rows(self.labels_file, part.start, stop).astype(np.int64)
        return Batch(images, np.arange(part.start, stop, dtype=np.int64), [""] * len(images), labels)

    def describe(self) -> dict:
        files = {"images_file": str(self.images_file), "labels_file": self.labels_file and str(self.labels_file)}
        return super().describe() | files


def list_folder(folder: Path) -> list[str]:
    """Every regular file under `folder` as a '/'-joined relative name, sorted; hidden files and links left out."""
    names = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(SYSTEM_PREFIXES))
        base = Path(root).relative_to(folder)
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(SYSTEM_PREFIXES) and path.is_file() and not path.is_symlink():
                names.append((base / name).as_posix())
    return names


def idx_source(path: Path, limits: Limits) -> IdxSource:
    from ..datasets.idx import find_idx_pair, read_idx

    entries = (
        [FileEntry(p, (p.name,), limits) for p in sorted(path.iterdir()) if p.is_file()]
        if path.is_dir()
        else [FileEntry(path, (path.name,), limits)]
    )
    images, labels = find_idx_pair(entries, path.name)
    if not path.is_dir():
        labels = None
    with open(images.path, "rb") as f:
        head = f.read(8)
    count = int.from_bytes(head[4:8], "big") if head[:2] != b"\x1f\x8b" else len(read_idx(images, limits))
    return IdxSource(path, images.path, labels.path if labels else None, count)


def open_source(data, limits: Limits | None = None) -> ImageSource:
    """The source of a folder of images or IDX files, a zip of images, a Parquet table of image bytes or an IDX file."""
    from ..datasets.idx import idx_dims

    limits = limits or settings().limits
    path = Path(data)
    if not path.exists():
        raise InvalidInputError(f"Data '{data}' is not an existing folder or file.")
    if path.is_dir():
        names = list_folder(path)
        if any(idx_dims(FileEntry(path / n, (n,), limits)) == 3 for n in names if "/" not in n):
            return idx_source(path, limits)
        return FileSource(path, "folder", names, limits)
    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"PAR1":
        return ParquetSource(path)
    kind = sniff_file(path)
    if kind == "zip":
        with SafeZip(path, limits) as archive:
            names = sorted(e.name for e in archive.entries if not any(p.startswith(SYSTEM_PREFIXES) for p in e.parts))
        return FileSource(path, "zip", names, limits)
    if kind in ("idx", "gzip") and idx_dims(FileEntry(path, (path.name,), limits)) == 3:
        return idx_source(path, limits)
    raise InvalidInputError(
        f"Data '{path.name}' must be a folder of images, a zip of images, a Parquet file of image bytes "
        "or an IDX images file."
    )


def from_description(description: dict) -> ImageSource:
    """The source a codes or map file recorded (see ImageSource.describe), opened again to read single images:
    a folder or zip is not listed again (a Part names its files)."""
    path = Path(description["path"])
    if description["kind"] in ("folder", "zip"):
        if not path.exists():
            raise InvalidInputError(f"The images of this map were read from '{path}', which is gone.")
        return FileSource(path, description["kind"], [], settings().limits)
    return open_source(path)
