"""The Data page's preview row: images as wide as their captions' longest word, so that no word breaks mid-way."""

from __future__ import annotations

PREVIEW_SIDE, PREVIEW_MAX_SIDE = 64, 144  # px: each preview image is at least as wide as its caption's longest word
CAPTION_CHAR_PX = 8  # an upper bound of a caption character's width (14 px Source Sans: digits and '_' are 7 px)


def preview_captions(captions: list[str]) -> tuple[list[str], int]:
    """(captions, image width in px) for the preview: wide enough that no word of a caption breaks across lines
    ('person_33' was shown as 'person_3' over '3' under 64 px images); a word wider than PREVIEW_MAX_SIDE is
    shortened with '…'."""
    fits = PREVIEW_MAX_SIDE // CAPTION_CHAR_PX - 1
    words = [word for caption in captions for word in caption.split()]
    longest = max((len(word) for word in words), default=0)
    side = max(PREVIEW_SIDE, min(PREVIEW_MAX_SIDE, (min(longest, fits) + 1) * CAPTION_CHAR_PX))
    shortened = [" ".join(w if len(w) <= fits else w[: fits - 1] + "…" for w in c.split()) for c in captions]
    return shortened, side
