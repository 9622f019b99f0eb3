"""load_dataset: one entry point for built-in names and user files."""
from __future__ import annotations

from pathlib import Path

from ..dataset import ImageDataset
from ..errors import InvalidInputError
from .builtin import BUILTINS
from .idx import is_idx_file, load_idx


def builtin_names() -> list[str]:
    return list(BUILTINS)


def load_dataset(source, **options) -> ImageDataset:
    """A built-in dataset by name (see `builtin_names()`), or a file or folder a user provides."""
    if isinstance(source, str) and source in BUILTINS:
        return BUILTINS[source](**options)
    path = Path(source)
    if not path.exists():
        raise InvalidInputError(f"Dataset '{source}' is neither a built-in ({', '.join(BUILTINS)}) nor an existing file or folder.")
    return load_path(path, **options)


def load_path(path: Path, **options) -> ImageDataset:
    """Pick the loader from the content (magic bytes), never from the file name."""
    if path.is_dir():
        if any(p.is_file() and is_idx_file(p) for p in path.iterdir()):
            return load_idx(path, options.get("labels_path"), options.get("name"))
    elif is_idx_file(path):
        return load_idx(path, options.get("labels_path"), options.get("name"))
    raise InvalidInputError(f"'{path.name}' is not a dataset format this version reads (MNIST IDX files or a folder of them).")
