"""load_dataset: one entry point for built-in names and user files, the same for Python, the CLI and the app.

Files are told apart by their first bytes, never by their names (a name that contradicts the
content is refused): IDX (raw or gzip), .npy, zip (an .npz of arrays, IDX files, or images),
a single image, or a folder of IDX files or images. Options, all optional:
size=(H, W) or an int, channels=1|3, background='black'|'white' (for transparent images),
name=..., labels_path=... (an IDX labels file), limits=Limits(...).
Vectors (embeddings) load with load_embeddings; `file_holds` says which of the two reads a file.
"""

from __future__ import annotations

from pathlib import Path

from ..dataset import ImageDataset
from ..errors import InvalidInputError
from ..io.archive import SafeZip
from ..io.files import file_entry, folder_entries
from ..io.sniff import HEAD_BYTES, IMAGE_KINDS, check_name, describe, sniff, sniff_file
from ..limits import Limits, size_text
from ..settings import settings
from .arrays import arrays_to_dataset, read_arrays, read_npz
from .builtin import BUILTINS
from .embeddings import EmbeddingSet, load_embeddings, load_embeddings_with_report
from .idx import idx_dims, load_idx
from .images import check_options, conform
from .imagesets import load_images
from .report import LoadReport, check_count

__all__ = [
    "EMBEDDINGS",
    "IMAGES",
    "EmbeddingSet",
    "LoadReport",
    "builtin_names",
    "file_holds",
    "load_dataset",
    "load_dataset_with_report",
    "load_embeddings",
    "load_embeddings_with_report",
    "load_path",
]
IMAGES, EMBEDDINGS = "images", "embeddings"


def builtin_names() -> list[str]:
    return list(BUILTINS)


def file_holds(path) -> str:
    """EMBEDDINGS for a file only load_embeddings reads (a text table of vectors), else IMAGES (load_dataset's files).

    Arrays (.npy/.npz) can hold images or vectors; they count as IMAGES, so a caller that knows
    they hold vectors reads them with load_embeddings.
    """
    path = Path(path)
    return EMBEDDINGS if path.is_file() and sniff_file(path) == "text" else IMAGES


def load_dataset(source, **options) -> ImageDataset:
    """A built-in dataset by name (see `builtin_names()`), or a file or folder a user provides."""
    return load_dataset_with_report(source, **options)[0]


def load_dataset_with_report(source, **options) -> tuple[ImageDataset, LoadReport]:
    """Like load_dataset, plus a LoadReport of the decisions taken and the files skipped."""
    if isinstance(source, str) and source in BUILTINS:
        return BUILTINS[source](**options), LoadReport(source, "built-in")
    path = Path(source)
    if not path.exists():
        raise InvalidInputError(
            f"Dataset '{source}' is neither a built-in ({', '.join(BUILTINS)}) nor an existing file or folder."
        )
    return load_path(path, **options)


def load_path(
    path: Path,
    size=None,
    channels: int | None = None,
    background: str = "black",
    name: str | None = None,
    labels_path=None,
    limits: Limits | None = None,
) -> tuple[ImageDataset, LoadReport]:
    """Pick the loader from the content, then bring the images to the size and channels asked for."""
    limits = limits or settings().limits
    size, channels = check_options(size, channels, path.name)
    labels_entry = None if labels_path is None else file_entry(labels_path, limits)
    if path.is_dir():
        entries, skipped = folder_entries(path, limits)
        top = [e for e in entries if len(e.parts) == 1]
        if any(idx_dims(e) for e in top):
            dataset, report = load_idx(top, path.name, labels_entry, name, limits)
        else:
            return load_images(entries, path.name, skipped, size, channels, background, name, limits)
    else:
        kind = sniff_file(path)
        check_name(path.name, kind)
        limits.check("max_file_bytes", path.stat().st_size, f"File '{path.name}' is {size_text(path.stat().st_size)}")
        if kind in ("idx", "gzip"):
            dataset, report = load_idx([file_entry(path, limits)], path.name, labels_entry, name, limits)
        elif kind == "npy":
            dataset, report = arrays_to_dataset(read_arrays(path, limits), path.name, name)
        elif kind == "zip":
            with SafeZip(path, limits) as archive:
                kinds = [sniff(e.head(HEAD_BYTES)) for e in archive.entries]
                if "npy" in kinds and not any(k in IMAGE_KINDS for k in kinds):
                    dataset, report = arrays_to_dataset(read_npz(archive, limits), path.name, name)
                elif any(idx_dims(e) for e in archive.entries):
                    dataset, report = load_idx(archive.entries, path.name, labels_entry, name, limits)
                else:
                    return load_images(archive.entries, path.name, (), size, channels, background, name, limits)
        elif kind in IMAGE_KINDS:
            return load_images([file_entry(path, limits)], path.name, (), size, channels, background, name, limits)
        elif kind == "text":
            raise InvalidInputError(
                f"File '{path.name}' is text, not images; if it is a table of vectors, "
                "read it as embeddings instead (load_embeddings in Python).",
                hint="embeddings",
            )
        else:
            reason = ", which can run code when loaded" if kind == "pickle" else ""
            raise InvalidInputError(
                f"File '{path.name}' is {describe(kind)}{reason}; datasets are read from images, "
                "a zip or folder of images, .npy/.npz arrays or MNIST IDX files."
            )
    check_count(len(dataset), report, limits)
    images = conform(dataset.images, size, channels, path.name, limits)
    if images is not dataset.images:
        report.notes.append(
            f"converted to {images.shape[1]}x{images.shape[2]} pixels with {images.shape[3]} channel(s)"
        )
        dataset = ImageDataset(images, dataset.labels, dataset.label_names, dataset.factors, dataset.name)
    return dataset, report
