"""Files of a folder as entries with the same interface as zip entries: name, parts, size, head(), read()."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInputError
from ..limits import Limits, size_text
from ..settings import settings


@dataclass(frozen=True)
class FileEntry:
    """One regular file, read whole only when it is under `max_file_bytes`."""

    path: Path
    parts: tuple[str, ...]
    limits: Limits

    @property
    def name(self) -> str:
        return "/".join(self.parts)

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def head(self, count: int) -> bytes:
        with open(self.path, "rb") as f:
            return f.read(count)

    def read(self) -> bytes:
        size = self.size
        self.limits.check("max_file_bytes", size, f"File '{self.name}' is {size_text(size)}")
        with open(self.path, "rb") as f:
            data = f.read(size + 1)
        if len(data) != size:
            raise InvalidInputError(f"File '{self.name}' changed size while it was being read; try again.")
        return data


def file_entry(path, limits: Limits | None = None) -> FileEntry:
    path = Path(path)
    return FileEntry(path, (path.name,), limits or settings().limits)


def folder_entries(folder, limits: Limits | None = None) -> tuple[list[FileEntry], list[tuple[str, str]]]:
    """Every regular file under `folder` in a stable order, and the (name, reason) of links passed over."""
    folder, limits = Path(folder), limits or settings().limits
    entries, skipped = [], []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if (Path(root) / d).is_symlink()]:
            path = Path(root) / name
            parts = path.relative_to(folder).parts
            if path.is_symlink():
                skipped.append(("/".join(parts), "is a symbolic link"))
            elif path.is_file():
                entries.append(FileEntry(path, parts, limits))
        count = len(entries) + len(skipped)
        limits.check("max_zip_entries", count, f"Folder '{folder.name}' holds at least {count:,} files")
    return entries, skipped
