"""NumPy .npy and .npz files, read without pickles: every header is checked before data is allocated.

np.load is never used: the header is parsed with numpy.lib.format, its dtype must be plain
numbers or text, and its declared size must fit both the limits and the bytes actually there.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np
from numpy.lib import format as npy_format

from ..dataset import ImageDataset
from ..errors import InvalidInputError
from ..io.archive import SafeZip
from ..io.files import file_entry
from ..io.sniff import describe, sniff_file
from ..limits import Limits, size_text
from ..settings import settings
from .labels import encode_labels
from .report import LoadReport

HEADER_BYTES = 16_384
PLAIN_KINDS = "biufUS"


@dataclass(frozen=True)
class Header:
    shape: tuple[int, ...]
    fortran: bool
    dtype: np.dtype
    offset: int
    nbytes: int


def read_header(entry, limits: Limits) -> Header:
    """The .npy header of a file or zip entry, refusing pickles, odd dtypes and sizes it cannot back up."""
    stream = io.BytesIO(entry.head(HEADER_BYTES))
    try:
        version = npy_format.read_magic(stream)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"format version {version} is not 1.0 or 2.0")
        reader = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
        shape, fortran, dtype = reader(stream)
    except (ValueError, SyntaxError, TypeError, EOFError, KeyError, tokenize.TokenError) as exc:
        raise InvalidInputError(f"Array '{entry.name}' is not a readable .npy array ({exc}).") from None
    if dtype.hasobject:
        raise InvalidInputError(
            f"Array '{entry.name}' holds Python objects, "
            "which are stored as pickles that can run code; save plain numbers instead."
        )
    if dtype.kind not in PLAIN_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise InvalidInputError(
            f"Array '{entry.name}' has data type {dtype}; only plain numbers (or text for labels) are read."
        )
    if any(d < 0 for d in shape):
        raise InvalidInputError(f"Array '{entry.name}' declares a negative dimension in shape {shape}.")
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    limits.check(
        "max_array_bytes", nbytes, f"Array '{entry.name}' declares shape {shape} of {dtype}, {size_text(nbytes)}"
    )
    available = entry.size - stream.tell()
    if nbytes > available:
        raise InvalidInputError(
            f"Array '{entry.name}' declares shape {shape} of {dtype} "
            f"({nbytes:,} bytes) but holds only {available:,} bytes of data."
        )
    return Header(tuple(shape), fortran, dtype, stream.tell(), nbytes)


def read_array(entry, header: Header) -> np.ndarray:
    """The data behind a checked header, copied into a writable array."""
    data = entry.read()
    if len(data) < header.offset + header.nbytes:
        raise InvalidInputError(f"Array '{entry.name}' became shorter while it was being read; try again.")
    array = np.frombuffer(data, header.dtype, count=int(np.prod(header.shape, dtype=object)), offset=header.offset)
    return array.reshape(header.shape, order="F" if header.fortran else "C").copy()


def read_arrays(path, limits: Limits | None = None) -> dict[str, np.ndarray]:
    """{'array': a} for a .npy file, {key: array} for an .npz; chosen by content, not by name."""
    limits = limits or settings().limits
    kind = sniff_file(path)
    if kind == "npy":
        entry = file_entry(path, limits)
        return {"array": read_array(entry, read_header(entry, limits))}
    if kind != "zip":
        raise InvalidInputError(f"File '{path.name}' is {describe(kind)}, not a NumPy .npy or .npz file.")
    with SafeZip(path, limits) as archive:
        return read_npz(archive, limits)


def read_npz(archive: SafeZip, limits: Limits) -> dict[str, np.ndarray]:
    """Every member of an .npz, all headers checked (and their total size limited) before any data is read."""
    name = archive.path.name
    if not archive.entries:
        raise InvalidInputError(f"Archive '{name}' holds no arrays.")
    headers = {}
    for entry in archive.entries:
        if not entry.name.endswith(".npy"):
            raise InvalidInputError(
                f"Archive '{name}' holds '{entry.name}', which is not an .npy array; an .npz holds only arrays."
            )
        headers[entry.name[:-4]] = (entry, read_header(entry, limits))
    total = sum(h.nbytes for _, h in headers.values())
    limits.check("max_array_bytes", total, f"Arrays in '{name}' declare {size_text(total)} in all")
    return {key: read_array(entry, header) for key, (entry, header) in headers.items()}


def to_nhwc(array: np.ndarray, source: str) -> tuple[np.ndarray, str]:
    """(N, H, W), (N, H, W, C) or (N, C, H, W) with C in {1, 3} as (N, H, W, C), and the layout found."""
    if array.size == 0:
        raise InvalidInputError(f"'{source}' holds an empty array of shape {array.shape}, so no images.")
    if array.ndim == 2:
        raise InvalidInputError(
            f"'{source}' holds a 2-D array of shape {array.shape}: vectors, not images; "
            "read it as embeddings instead (load_embeddings in Python).",
            hint="embeddings",
        )
    if array.ndim == 3:
        return array[..., None], "(N, H, W)"
    if array.ndim == 4 and array.shape[3] in (1, 3):
        return array, "(N, H, W, C)"
    if array.ndim == 4 and array.shape[1] in (1, 3):
        return array.transpose(0, 2, 3, 1), "(N, C, H, W)"
    raise InvalidInputError(
        f"'{source}' holds an array of shape {array.shape}; images must be "
        "(N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3."
    )


def range_note(array: np.ndarray) -> str:
    """The value range ImageDataset.from_array assumed, in words."""
    if array.dtype == np.uint8:
        return "uint8 values"
    if array.dtype.kind == "f" and array.size and float(array.max()) <= 1.0:
        return f"{array.dtype} values in [0, 1], scaled by 255"
    return f"{array.dtype} values in [0, 255]"


def arrays_to_dataset(
    arrays: dict[str, np.ndarray], source: str, name: str | None = None
) -> tuple[ImageDataset, LoadReport]:
    """The 'images' array (or the only one) with optional 'labels' and 'label_names' as an ImageDataset."""
    others = [k for k in arrays if k not in ("labels", "label_names")]
    if "images" not in arrays and len(others) != 1:
        raise InvalidInputError(
            f"'{source}' holds arrays {', '.join(sorted(arrays))}; "
            "name the images array 'images' (and the labels 'labels')."
        )
    images, layout = to_nhwc(arrays["images"] if "images" in arrays else arrays[others[0]], source)
    labels, names = encode_labels(arrays["labels"], len(images), source) if "labels" in arrays else (None, None)
    if "label_names" in arrays:
        given = arrays["label_names"]
        if given.ndim != 1 or given.dtype.kind not in "US":
            raise InvalidInputError(
                f"'label_names' in '{source}' must be a 1-D array of text, not {given.dtype} of shape {given.shape}."
            )
        if names is not None:
            raise InvalidInputError(f"'{source}' holds text labels and 'label_names'; give one or the other.")
        names = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in given.tolist()]
    dataset = ImageDataset.from_array(images, labels=labels, label_names=names, name=source)  # errors name the file
    dataset.name = name or PurePosixPath(source).stem
    return dataset, LoadReport(source, "arrays", notes=[f"layout {layout}", range_note(images)])
