"""Precomputed embeddings: vectors (N, d) with optional labels and images, for the Map without a decoder.

load_dataset refuses these files and points here, so each function returns one type. Sources:
a CSV/TSV/space-separated text table (see table.py; text labels make word embeddings work),
a 2-D .npy, or an .npz with 'vectors' (or 'embeddings', or its only 2-D array) and optional
'labels', 'label_names' and 'images'. `images=` may name any dataset load_dataset reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..dataset import ImageDataset
from ..errors import InvalidInputError
from ..io.fingerprint import fingerprint
from ..io.sniff import check_name, describe, sniff_file
from ..limits import Limits, size_text
from ..settings import settings
from .arrays import read_arrays, to_nhwc
from .labels import codes_from_texts, encode_labels
from .report import LoadReport
from .table import read_table

VECTOR_KEYS = ("vectors", "embeddings")


@dataclass(eq=False)
class EmbeddingSet:
    """vectors: float32 (N, d); labels: int64 (N,) or None; label_names: indexed by label;
    images: uint8 (N, H, W, C) or None, shown beside points when present."""

    vectors: np.ndarray
    labels: np.ndarray | None = None
    label_names: list[str] | None = None
    images: np.ndarray | None = None
    name: str = "embeddings"

    def __post_init__(self):
        vectors = np.asarray(self.vectors)
        if vectors.ndim != 2 or 0 in vectors.shape or vectors.dtype.kind not in "biuf":
            raise InvalidInputError(
                f"Vectors of '{self.name}' must be numbers of shape (N, d), "
                f"not {vectors.dtype} of shape {vectors.shape}."
            )
        with np.errstate(over="ignore"):
            vectors = vectors.astype(np.float32)
        bad = ~np.isfinite(vectors)
        if bad.any():
            rows = np.flatnonzero(bad.any(axis=1))
            raise InvalidInputError(
                f"Vectors of '{self.name}' contain {int(bad.sum()):,} NaN or infinite values (or values too large "
                f"for float32), first in row {int(rows[0])}."
            )
        self.vectors = vectors
        if self.labels is not None:
            labels = np.asarray(self.labels)
            if labels.shape != (len(vectors),) or labels.dtype.kind not in "iu" or labels.min() < 0:
                raise InvalidInputError(
                    f"Labels of '{self.name}' must be {len(vectors):,} whole numbers from 0, one per vector."
                )
            if self.label_names is not None and labels.max() >= len(self.label_names):
                raise InvalidInputError(
                    f"Labels of '{self.name}' go up to {labels.max()} but "
                    f"only {len(self.label_names)} label names were given."
                )
            self.labels = labels.astype(np.int64)
        if self.images is not None:
            self.images = ImageDataset.from_array(self.images, name=self.name).images
            if len(self.images) != len(vectors):
                raise InvalidInputError(
                    f"'{self.name}' has {len(self.images):,} images for {len(vectors):,} vectors; "
                    "give one image per vector."
                )

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    @cached_property
    def fingerprint(self) -> str:
        """Content hash of vectors, labels and images: equal data gives an equal fingerprint in any process."""
        arrays = [a for a in (self.vectors, self.labels, self.images) if a is not None]
        return fingerprint(*(part for array in arrays for part in (repr(array.shape), array)))

    def label_text(self, index: int) -> str:
        """Human name of one vector's label, or '' when unlabelled."""
        if self.labels is None:
            return ""
        value = int(self.labels[index])
        return self.label_names[value] if self.label_names else str(value)


def from_arrays(arrays: dict[str, np.ndarray], source: str):
    """(vectors, labels, label_names, images) from the arrays of a .npy or .npz."""
    keys = [k for k in VECTOR_KEYS if k in arrays][:1] or [
        k for k in arrays if k not in ("labels", "label_names", "images")
    ]
    if len(keys) != 1:
        raise InvalidInputError(
            f"'{source}' holds arrays {', '.join(sorted(arrays))}; "
            "name the (N, d) array 'vectors' (and the labels 'labels')."
        )
    vectors = arrays[keys[0]]
    if vectors.ndim != 2:
        raise InvalidInputError(
            f"'{source}' holds an array of shape {vectors.shape}; "
            "embeddings must be 2-D (N, d). Images load with load_dataset."
        )
    labels, names = encode_labels(arrays["labels"], len(vectors), source) if "labels" in arrays else (None, None)
    if "label_names" in arrays and names is None:
        names = [str(v) for v in arrays["label_names"].tolist()]
    images = to_nhwc(arrays["images"], source)[0] if "images" in arrays else None
    return vectors, labels, names, images


def load_embeddings(
    path,
    label_column=None,
    delimiter: str | None = None,
    images=None,
    name: str | None = None,
    limits: Limits | None = None,
) -> EmbeddingSet:
    """An EmbeddingSet from a text table, .npy or .npz (see the module docstring), with optional images."""
    limits, path = limits or settings().limits, Path(path)
    if not path.is_file():
        raise InvalidInputError(f"Embeddings file '{path}' does not exist or is not a file.")
    kind = sniff_file(path)
    check_name(path.name, kind)
    limits.check("max_file_bytes", path.stat().st_size, f"File '{path.name}' is {size_text(path.stat().st_size)}")
    if kind == "text":
        vectors, texts = read_table(path, delimiter, label_column, limits)
        labels, names = codes_from_texts(texts) if texts is not None else (None, None)
        pictures = None
    elif kind in ("npy", "zip"):
        vectors, labels, names, pictures = from_arrays(read_arrays(path, limits), path.name)
    else:
        raise InvalidInputError(
            f"File '{path.name}' is {describe(kind)}; embeddings are read from CSV/TSV text, .npy or .npz files."
        )
    limits.check("max_embedding_dim", vectors.shape[-1], f"'{path.name}' has vectors of {vectors.shape[-1]:,} values")
    if images is not None:
        from . import load_dataset

        pictures = load_dataset(images, limits=limits).images
    embeddings = EmbeddingSet(vectors, labels, names, pictures, path.name)  # errors name the file
    embeddings.name = name or path.stem
    return embeddings


def load_embeddings_with_report(path, **options) -> tuple[EmbeddingSet, LoadReport]:
    """Like load_embeddings, plus a LoadReport in the same words as the image loaders': vectors, labels, images."""
    embeddings = load_embeddings(path, **options)
    labels = f"{len(np.unique(embeddings.labels))} labels" if embeddings.labels is not None else "no labels"
    notes = [
        f"{len(embeddings):,} vectors of {embeddings.dim} values",
        labels,
        "with one image per vector" if embeddings.images is not None else "no images",
    ]
    return embeddings, LoadReport(Path(path).name, "embeddings", notes)
