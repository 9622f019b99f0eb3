"""A set of image files (zip entries or folder files) as one ImageDataset.

One folder per class gives labels (folder names, sorted, are the label names); images all
at the top level give none. Files that are not images, or cannot be decoded, are skipped
and listed in the LoadReport, as long as `min_images` good images remain. Images over the
pixel limit refuse the whole set. Size: `size=(H, W)`, or by default the most common size.
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

import numpy as np

from ..dataset import ImageDataset
from ..errors import InvalidInputError
from ..io.sniff import HEAD_BYTES, IMAGE_KINDS, describe, mismatch, sniff
from ..limits import Limits
from ..settings import settings
from .images import (
    BACKGROUNDS,
    CorruptImage,
    check_array_size,
    check_options,
    decode,
    open_checked,
    oriented_size,
    resize,
    stack,
)
from .report import LoadReport, check_count

SYSTEM_PREFIXES = (".", "__MACOSX", "Thumbs.db", "desktop.ini")


def pass_over(entry) -> str | None:
    """Why this entry is not an image to read, or None when it is one by its first bytes."""
    if any(part.startswith(SYSTEM_PREFIXES) for part in entry.parts):
        return "is a hidden or system file"
    kind = sniff(entry.head(HEAD_BYTES))
    if kind not in IMAGE_KINDS:
        return f"is {describe(kind)}, not an image"
    return mismatch(entry.name, kind)


def most_common_size(entries, report: LoadReport, limits: Limits) -> tuple[tuple[int, int], list]:
    """The commonest upright (H, W) among readable headers, and the entries whose headers were readable."""
    sizes, readable = Counter(), []
    for entry in entries:
        try:
            sizes[oriented_size(open_checked(entry.read(), entry.name, limits))] += 1
            readable.append(entry)
        except CorruptImage as exc:
            report.skipped.append((entry.name, str(exc)))
    if not sizes:
        return (0, 0), []
    ((size, count),) = sizes.most_common(1)
    if len(sizes) > 1:
        report.notes.append(
            f"{count:,} of {len(readable):,} images are {size[0]}x{size[1]}, so the others were resized to that size"
        )
    return size, readable


def folder_labels(entries, report: LoadReport) -> tuple[np.ndarray | None, list[str] | None]:
    """Labels from the first folder below any folder all entries share; None for a flat set."""
    parts = [e.parts for e in entries]
    while all(len(p) > 1 for p in parts) and len({p[0] for p in parts}) == 1:
        parts = [p[1:] for p in parts]
    if all(len(p) == 1 for p in parts):
        return None, None
    if any(len(p) == 1 for p in parts):
        report.notes.append("some images lie outside class folders, so folder names were not used as labels")
        return None, None
    names = sorted({p[0] for p in parts})
    codes = {n: i for i, n in enumerate(names)}
    report.notes.append(f"labels from {len(names)} class folders")
    return np.array([codes[p[0]] for p in parts], dtype=np.int64), names


def channel_note(images, channels: int) -> str:
    """'grayscale' or 'RGB', saying how many images were converted to get there."""
    grey = sum(im.mode == "L" for im in images)
    if channels == 1:
        return "grayscale" + (
            f" ({len(images) - grey:,} colour images converted to gray)" if grey < len(images) else ""
        )
    return "RGB" + (f" ({grey:,} grayscale images repeated in 3 channels)" if grey else "")


def load_images(
    entries,
    source: str,
    skipped=(),
    size=None,
    channels=None,
    background: str = "black",
    name: str | None = None,
    limits: Limits | None = None,
) -> tuple[ImageDataset, LoadReport]:
    """Decode, unify and label image entries; see the module docstring for the rules."""
    limits = limits or settings().limits
    size, channels = check_options(size, channels, source)
    if background not in BACKGROUNDS:
        raise InvalidInputError(f"Background {background!r} for '{source}' must be one of {', '.join(BACKGROUNDS)}.")
    report = LoadReport(source, "images", skipped=list(skipped))
    candidates = []
    for entry in entries:
        reason = pass_over(entry)
        if reason:
            report.skipped.append((entry.name, reason))
        else:
            candidates.append(entry)
    limits.check("max_images", len(candidates), f"'{source}' holds {len(candidates):,} image files")
    if size is None:
        size, candidates = most_common_size(candidates, report, limits)
    check_array_size((len(candidates), *size, channels or 1), source, limits)
    images, kept = [], []
    for entry in candidates:
        try:
            images.append(resize(decode(entry.read(), entry.name, background, limits), size))
            kept.append(entry)
        except CorruptImage as exc:
            report.skipped.append((entry.name, str(exc)))
    check_count(len(kept), report, limits)
    channels = channels or (3 if any(im.mode == "RGB" for im in images) else 1)
    check_array_size((len(images), *size, channels), source, limits)
    array = stack(images, channels)
    report.notes.insert(
        0, f"{len(kept):,} images of {size[0]}x{size[1]} pixels, {channel_note(images, array.shape[3])}"
    )
    labels, names = folder_labels(kept, report)
    return ImageDataset(array, labels, names, {}, name or PurePosixPath(source).stem), report
