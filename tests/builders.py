"""Builders of test files shared by tests/core and tests/app: images, arrays and zips as bytes, tiny checkpoints,
a pickle that proves it ran, and a snapshot of a folder to prove that nothing was written."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from latent_core import LatentModel
from latent_core.models.nets import Architecture


class CreatesFile:
    """Unpickling this creates a marker file: the proof that a pickle was executed."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def image_bytes(array, fmt: str = "PNG", mode: str | None = None, **save) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.asarray(array), mode).save(out, fmt, **save)
    return out.getvalue()


def noise(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def write_zip(path: Path, members: dict, compression=zipfile.ZIP_DEFLATED) -> Path:
    """A zip of name -> bytes; a ZipInfo key keeps its attributes (for links and odd names)."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def png_header(width: int, height: int) -> bytes:
    """A valid-looking PNG that declares width x height pixels but holds almost nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def npy_bytes(array) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def npy_declaring(shape, dtype: str = "<f8") -> bytes:
    """A tiny .npy whose header declares `shape` but holds only 16 bytes of data."""
    header = repr({"descr": dtype, "fortran_order": False, "shape": tuple(shape)}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\0" * 16


def tiny_checkpoint(folder: Path, latent_dim: int = 2) -> Path:
    """An untrained 8x8 checkpoint: config.json, model.safetensors, README.md."""
    arch = Architecture(8, 8, 1, latent_dim, base_channels=4, max_channels=8, hidden=8)
    return LatentModel.build({"kind": "vae", "name": "tiny", "architecture": arch.to_dict()}).save(folder)


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    return write_zip(target, {prefix + p.name: p.read_bytes() for p in sorted(folder.iterdir())})


def snapshot(root: Path) -> dict:
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}
