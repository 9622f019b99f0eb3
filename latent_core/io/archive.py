"""Zip archives read in memory, never extracted: every entry is checked before a byte is inflated.

Refused outright: more entries than allowed (counted from the end record before the
directory is parsed, and again after), names that are absolute, hold '..' or a drive
letter, symbolic links, encrypted entries, declared sizes over the limits, entries that
inflate more than `max_zip_ratio` times (checked for entries and archives over 1 MiB, where
a bomb does harm), and entries whose content is longer or shorter than their header says.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInputError
from ..limits import Limits, size_text
from ..settings import settings
from .zipend import read_end_record

RATIO_FLOOR_BYTES = 2**20


@dataclass(frozen=True)
class Entry:
    """One file inside a zip archive, readable once its checks have passed."""

    archive: SafeZip
    info: zipfile.ZipInfo
    parts: tuple[str, ...]

    @property
    def name(self) -> str:
        return "/".join(self.parts)

    @property
    def size(self) -> int:
        return self.info.file_size

    def head(self, count: int) -> bytes:
        return self.archive.read(self, count)

    def read(self) -> bytes:
        return self.archive.read(self)


def entry_parts(info: zipfile.ZipInfo, archive: str) -> tuple[str, ...]:
    """The entry's path parts, refusing anything that could point outside the archive."""
    name = info.filename
    unix_mode = info.external_attr >> 16
    problem = None
    if stat.S_ISLNK(unix_mode):
        problem = "is a symbolic link"
    elif name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        problem = "has an absolute path"
    elif ".." in name.replace("\\", "/").split("/"):
        problem = "climbs out of the archive with '..'"
    elif info.flag_bits & 0x1:
        problem = "is encrypted"
    if problem:
        raise InvalidInputError(
            f"Refused archive '{archive}': its entry '{name}' {problem}; "
            "entries must be plain files inside the archive."
        )
    return tuple(p for p in name.replace("\\", "/").split("/") if p not in ("", "."))


def declared_entries(path: Path) -> int:
    """The entry count in the (zip64) end record, read before zipfile builds an object per entry; 0 without one."""
    with open(path, "rb") as f:
        end = read_end_record(f)
    return end.entries if end else 0


class SafeZip:
    """A checked, read-only view of a zip file; use as a context manager."""

    def __init__(self, path, limits: Limits | None = None):
        self.path = Path(path)
        self.limits = limits or settings().limits
        declared = declared_entries(self.path)
        self.limits.check("max_zip_entries", declared, f"Archive '{self.path.name}' declares {declared:,} entries")
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InvalidInputError(f"Archive '{self.path.name}' could not be opened as a zip file ({exc}).") from None
        try:
            self.entries = self._check_entries()
        except InvalidInputError:
            self.zip.close()
            raise

    def _check_entries(self) -> list[Entry]:
        infos, name, limits = self.zip.infolist(), self.path.name, self.limits
        # the end record may lie
        limits.check("max_zip_entries", len(infos), f"Archive '{name}' holds {len(infos):,} entries")
        files = [Entry(self, info, entry_parts(info, name)) for info in infos if not info.is_dir()]
        total = sum(e.info.file_size for e in files)
        limits.check("max_zip_total_bytes", total, f"Archive '{name}' unpacks to {size_text(total)}")
        packed = sum(e.info.compress_size for e in files)
        sizes = [(f"entry '{e.name}'", e.info.file_size, e.info.compress_size) for e in files]
        for label, size, stored in sizes + [("content", total, packed)]:
            if size > RATIO_FLOOR_BYTES:
                ratio = size // max(stored, 1)
                limits.check(
                    "max_zip_ratio",
                    ratio,
                    f"Archive '{name}' looks like a zip bomb: its {label} inflates {ratio:,} times",
                )
        return files

    def read(self, entry: Entry, count: int | None = None) -> bytes:
        """The entry's first `count` bytes, or all of them, reading at most one byte more than its header declares."""
        try:
            with self.zip.open(entry.info) as f:
                data = f.read(entry.size + 1 if count is None else min(count, entry.size + 1))
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
            raise InvalidInputError(
                f"Archive '{self.path.name}': entry '{entry.name}' could not be read ({exc})."
            ) from None
        if len(data) > entry.size or (count is None and len(data) != entry.size):
            raise InvalidInputError(
                f"Archive '{self.path.name}': entry '{entry.name}' holds "
                f"{'more' if len(data) > entry.size else 'fewer'} bytes "
                f"than the {entry.size:,} its header declares, so the archive is corrupt or forged."
            )
        return data

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
