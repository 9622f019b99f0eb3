"""save_upload: an uploaded file is written only into the folder it is given, under a sanitised, unused name.

Which folder that is belongs to the caller; an app keeps one per session under settings().uploads_dir.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import InvalidInputError
from .limits import Limits, size_text
from .settings import settings

UNSAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
MAX_STEM, MAX_SUFFIX = 80, 12
CHUNK_BYTES = 1 << 20


def safe_name(name: str) -> str:
    """The last component of an uploaded name, cut to letters, digits, '.', '_' and '-', never hidden or empty."""
    base = re.split(r"[\\/:]", str(name))[-1]
    base = UNSAFE_CHARACTERS.sub("_", base).lstrip("._-")
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem or len(suffix) > MAX_SUFFIX:
        stem, suffix = base, ""
    stem = stem[:MAX_STEM] or "upload"
    return f"{stem}.{suffix}" if suffix else stem


def chunks(data):
    """Bytes-like data or a binary file object (such as Streamlit's UploadedFile), in pieces."""
    if hasattr(data, "read"):
        while piece := data.read(CHUNK_BYTES):
            yield piece
    else:
        view = memoryview(data)
        for start in range(0, len(view), CHUNK_BYTES):
            yield view[start : start + CHUNK_BYTES]


def save_upload(name: str, data, folder, limits: Limits | None = None) -> Path:
    """Write an upload into `folder` (and nowhere else) under a sanitised, unused name; returns its path."""
    limits = limits or settings().limits
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise InvalidInputError(f"Upload folder '{folder}' does not exist.")
    stem, dot, suffix = safe_name(name).partition(".")
    target, number = folder / safe_name(name), 1
    while target.exists() or target.is_symlink():
        target, number = folder / f"{stem}-{number}{dot}{suffix}", number + 1
    if target.parent != folder:
        raise InvalidInputError(f"Upload name {name!r} does not stay inside the upload folder.")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in chunks(data):
                written += len(piece)
                limits.check("max_file_bytes", written, f"Upload '{target.name}' is at least {size_text(written)}")
                out.write(piece)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
