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
    SIXTEEN_BIT,
    CorruptImage,
    check_array_size,
    check_options,
    decode,
    open_checked,
    oriented_size,
    resize,
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


GREY_MODES = ("1", "L", "LA", "La", "I", "F") + SIXTEEN_BIT  # modes that decode to one channel (see images.to_8bit)


def header_channels(image) -> int:
    """How many channels an image will have once decoded, from its header alone: 1 for grey modes (and palettes of
    greys), else 3 (RGB, RGBA and CMYK become RGB). An upper bound: colour images whose pixels are all grey end as 1."""
    if image.mode in GREY_MODES:
        return 1
    if image.mode in ("P", "PA"):
        try:
            palette = image.getpalette() or []  # reads the palette (and decodes the small image) once
        except (OSError, SyntaxError, ValueError, EOFError):
            return 3  # damaged: decoding will skip it
        triples = zip(palette[0::3], palette[1::3], palette[2::3], strict=False)
        return 1 if palette and all(r == g == b for r, g, b in triples) else 3
    return 3


def survey(entries, report: LoadReport, limits: Limits) -> tuple[Counter, int, list]:
    """Headers only: the count of each upright (H, W), the most channels any image will have, and the entries whose
    headers were readable (the others are skipped)."""
    sizes, channels, readable = Counter(), 1, []
    for entry in entries:
        try:
            image = open_checked(entry.read(), entry.name, limits)
            sizes[oriented_size(image)] += 1
            channels = max(channels, header_channels(image))
            readable.append(entry)
        except CorruptImage as exc:
            report.skipped.append((entry.name, str(exc)))
    return sizes, channels, readable


def most_common_size(sizes: Counter, report: LoadReport) -> tuple[int, int]:
    """The commonest (H, W) of a survey, noting that the others are resized to it."""
    if not sizes:
        return (0, 0)
    ((size, count),) = sizes.most_common(1)
    if len(sizes) > 1:
        report.notes.append(
            f"{count:,} of {sum(sizes.values()):,} images are {size[0]}x{size[1]}, so the others were resized to that "
            "size"
        )
    return size


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


def channel_note(count: int, grey: int, channels: int) -> str:
    """'grayscale' or 'RGB', saying how many of the `count` images (`grey` of them grey) were converted to get there."""
    if channels == 1:
        return "grayscale" + (f" ({count - grey:,} colour images converted to gray)" if grey < count else "")
    return "RGB" + (f" ({grey:,} grayscale images repeated in 3 channels)" if grey else "")


def decode_into(entries, size, channels: int, background: str, report: LoadReport, limits: Limits):
    """Decode each entry straight into its slot of one uint8 (N, H, W, `channels`) array, allocated once (its size
    was checked before), so that besides the array at most one decoded image is held.

    Returns the filled rows (a view), the entries decoded, and how many of them were grey. Entries that cannot be
    decoded are skipped and listed in `report`."""
    array = np.empty((len(entries), *size, channels), dtype=np.uint8)
    mode = "L" if channels == 1 else "RGB"
    kept, grey = [], 0
    for entry in entries:
        try:
            image = resize(decode(entry.read(), entry.name, background, limits), size)
        except CorruptImage as exc:
            report.skipped.append((entry.name, str(exc)))
            continue
        grey += image.mode == "L"
        array[len(kept)] = np.asarray(image if image.mode == mode else image.convert(mode)).reshape(*size, channels)
        kept.append(entry)
    return array[: len(kept)], kept, grey


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
    sizes, most_channels, candidates = survey(candidates, report, limits)
    size = size or most_common_size(sizes, report)
    check_array_size((len(candidates), *size, channels or most_channels), source, limits)  # before any decoding
    array, kept, grey = decode_into(candidates, size, channels or most_channels, background, report, limits)
    check_count(len(kept), report, limits)
    if channels is None and array.shape[3] == 3 and grey == len(kept):  # colour headers, grey pixels: one channel
        array = np.ascontiguousarray(array[..., :1])
    report.notes.insert(
        0, f"{len(kept):,} images of {size[0]}x{size[1]} pixels, {channel_note(len(kept), grey, array.shape[3])}"
    )
    labels, names = folder_labels(kept, report)
    return ImageDataset(array, labels, names, {}, name or PurePosixPath(source).stem), report
