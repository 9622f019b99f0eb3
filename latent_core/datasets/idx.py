"""MNIST-style IDX files (raw or gzip), read with torchvision's parser after bounds checks."""
from __future__ import annotations

import gzip
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np
from torchvision.datasets.mnist import read_sn3_pascalvincent_tensor

from ..dataset import ImageDataset
from ..errors import InvalidInputError
from ..limits import LIMITS

GZIP_MAGIC = b"\x1f\x8b"
IDX_UBYTE = 0x08


def is_idx_file(path: Path) -> bool:
    """True for a raw or gzipped IDX file of unsigned bytes, judged by its first bytes."""
    head = read_head(path, 4)
    return len(head) == 4 and head[0] == 0 and head[1] == 0 and head[2] == IDX_UBYTE and 1 <= head[3] <= 3


def read_head(path: Path, count: int) -> bytes:
    opener = gzip.open if path.open("rb").read(2) == GZIP_MAGIC else open
    try:
        with opener(path, "rb") as f:
            return f.read(count)
    except (OSError, EOFError):
        return b""


def read_idx(path: Path) -> np.ndarray:
    """An IDX file as a uint8 array, refusing declared shapes over the limits before reading the data."""
    head = read_head(path, 16)
    if not is_idx_file(path):
        raise InvalidInputError(f"File '{path.name}' is not an IDX file of unsigned bytes (its first bytes do not match).")
    dims = head[3]
    shape = struct.unpack(">" + "I" * dims, head[4:4 + 4 * dims])
    declared = int(np.prod(shape, dtype=np.int64))
    if declared > LIMITS.max_array_bytes or (dims == 3 and shape[0] > LIMITS.max_images):
        raise InvalidInputError(f"File '{path.name}' declares shape {shape}, over the limit of {LIMITS.max_images} images or {LIMITS.max_array_bytes // 2**20} MB.")
    with tempfile.TemporaryDirectory() as tmp:
        raw = path
        if path.open("rb").read(2) == GZIP_MAGIC:
            raw = Path(tmp) / "raw.idx"
            with gzip.open(path, "rb") as src, open(raw, "wb") as dst:
                shutil.copyfileobj(src, dst)
        expected = 4 + 4 * dims + declared
        if raw.stat().st_size != expected:
            raise InvalidInputError(f"File '{path.name}' holds {raw.stat().st_size} bytes but its header declares shape {shape} ({expected} bytes); it may be truncated.")
        try:
            return read_sn3_pascalvincent_tensor(str(raw)).numpy().copy()
        except (AssertionError, RuntimeError, ValueError) as exc:
            raise InvalidInputError(f"File '{path.name}' could not be read as IDX ({exc}).") from None


def find_idx_pair(folder: Path) -> tuple[Path, Path | None]:
    """The images file (3-D IDX) in a folder, and a labels file (1-D IDX) of the same split if present."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and is_idx_file(p))
    images = [p for p in files if read_head(p, 4)[3] == 3]
    if not images:
        raise InvalidInputError(f"Folder '{folder}' holds no IDX image file (such as t10k-images-idx3-ubyte.gz).")
    chosen = images[0]
    prefix = chosen.name.split("-")[0]
    labels = [p for p in files if read_head(p, 4)[3] == 1]
    same_split = [p for p in labels if p.name.split("-")[0] == prefix]
    return chosen, (same_split or labels or [None])[0]


def load_idx(path, labels_path=None, name: str | None = None) -> ImageDataset:
    """An ImageDataset from an IDX images file (or a folder holding one) and optional labels."""
    path = Path(path)
    if path.is_dir():
        path, found = find_idx_pair(path)
        labels_path = labels_path or found
    images = read_idx(path)
    if images.ndim != 3:
        raise InvalidInputError(f"File '{path.name}' holds a {images.ndim}-D array; IDX images must be 3-D (N, H, W).")
    labels = None
    if labels_path is not None:
        labels = read_idx(Path(labels_path))
        if labels.shape != (len(images),):
            raise InvalidInputError(f"Labels file '{Path(labels_path).name}' has {labels.shape[0]} entries for {len(images)} images.")
    return ImageDataset(images[..., None], None if labels is None else labels.astype(np.int64), None, {}, name or path.name.split("-")[0])
