"""MNIST-style IDX files of unsigned bytes, raw or gzip, from a file, a folder or a zip.

The header is parsed and its declared shape checked against the limits before any data is
inflated; gzip data is inflated in memory to exactly the declared size, never to disk.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from ..dataset import ImageDataset
from ..errors import InvalidInputError
from ..io.sniff import sniff
from ..limits import Limits, size_text
from ..settings import settings
from .report import LoadReport

GZIP_HEAD_BYTES = 4096
IDX_UBYTE = 0x08


def inflate(data: bytes, count: int) -> bytes:
    """At most `count` bytes of gzip `data`, inflating no further."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, count)
    except zlib.error:
        return b""


def idx_dims(entry) -> int:
    """1-3 for a raw or gzipped IDX file of unsigned bytes, else 0, judged by its first bytes."""
    head = entry.head(GZIP_HEAD_BYTES)
    if sniff(head) == "gzip":
        head = inflate(head, 4)
    return head[3] if sniff(head[:4]) == "idx" else 0


def read_idx(entry, limits: Limits) -> np.ndarray:
    """An IDX entry as a uint8 array, refusing shapes over the limits and sizes that differ from the header."""
    data = entry.read()
    if sniff(data[:4]) == "gzip":
        head = inflate(data, 16)
    else:
        head = data[:16]
    if sniff(head[:4]) != "idx":
        raise InvalidInputError(
            f"File '{entry.name}' is not an IDX file of unsigned bytes (its first bytes do not match)."
        )
    dims = head[3]
    shape = struct.unpack(">" + "I" * dims, head[4 : 4 + 4 * dims].ljust(4 * dims, b"\0"))
    declared = int(np.prod(shape, dtype=object))
    limits.check("max_array_bytes", declared, f"File '{entry.name}' declares shape {shape}, {size_text(declared)}")
    if dims == 3:
        limits.check("max_images", shape[0], f"File '{entry.name}' declares {shape[0]:,} images")
    expected = 4 + 4 * dims + declared
    raw = inflate(data, expected + 1) if sniff(data[:4]) == "gzip" else data
    if len(raw) != expected:
        found = "more than that" if len(raw) > expected else f"only {len(raw):,} bytes, so it may be truncated"
        raise InvalidInputError(
            f"File '{entry.name}' declares shape {shape} ({expected:,} bytes of IDX data) but holds {found}."
        )
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape).copy()


def find_idx_pair(entries, source: str):
    """The images entry (3-D IDX) and a labels entry (1-D IDX) of the same split, if present."""
    dims = [(e, idx_dims(e)) for e in sorted(entries, key=lambda e: e.name)]
    images = [e for e, d in dims if d == 3]
    if not images:
        raise InvalidInputError(f"'{source}' holds no IDX image file (such as t10k-images-idx3-ubyte.gz).")
    chosen = images[0]
    prefix = chosen.parts[-1].split("-")[0]
    labels = [e for e, d in dims if d == 1]
    same_split = [e for e in labels if e.parts[-1].split("-")[0] == prefix]
    return chosen, (same_split or labels or [None])[0]


def load_idx(
    entries, source: str, labels_entry=None, name: str | None = None, limits: Limits | None = None
) -> tuple[ImageDataset, LoadReport]:
    """An ImageDataset from IDX entries: the images file, and labels given or found beside it."""
    limits = limits or settings().limits
    images_entry, found = find_idx_pair(entries, source)
    labels_entry = labels_entry or found
    images = read_idx(images_entry, limits)
    labels = None
    if labels_entry is not None:
        labels = read_idx(labels_entry, limits)
        if labels.shape != (len(images),):
            raise InvalidInputError(
                f"Labels file '{labels_entry.name}' has shape {labels.shape} for {len(images):,} images."
            )
    dataset = ImageDataset(
        images[..., None],
        None if labels is None else labels.astype(np.int64),
        None,
        {},
        name or images_entry.parts[-1].split("-")[0],
    )
    notes = [
        f"images from {images_entry.name}",
        f"labels from {labels_entry.name}" if labels is not None else "no labels file",
    ]
    return dataset, LoadReport(source, "idx", notes)
