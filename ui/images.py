"""Showing small images crisply: nearest-neighbour enlargement, rows with captions, strips."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from latent_core.imaging import image_grid, to_pil

from .messages import LABEL_LIMIT, plain

DISPLAY_SIDE = 112
STRIP_WIDTH = 560  # px: about the narrowest column a strip is shown in (the Map page's side panel)


def enlarged(image: np.ndarray, side: int = DISPLAY_SIDE) -> Image.Image:
    """One uint8 (H, W, C) image scaled up by an integer factor to about `side` px, pixels kept sharp."""
    return to_pil(image, max(1, side // max(image.shape[:2])))


def show_row(images, captions: list[str], side: int = DISPLAY_SIDE) -> None:
    """Images side by side, each enlarged, with a caption under each (shown as typed: captions hold class names)."""
    shown = [plain(caption, LABEL_LIMIT) for caption in captions]
    st.image([enlarged(i, side) for i in images], caption=shown, width=side, output_format="PNG")


def strip(images: np.ndarray, rows: int = 1) -> np.ndarray:
    """uint8 (N, H, W, C) laid out in `rows` rows with 1 px gaps: one image."""
    cols = int(np.ceil(len(images) / rows))
    return image_grid(images, cols=cols, pad=1, fill=255)


def wrapped_rows(count: int, height: int, width: int = STRIP_WIDTH) -> int:
    """Rows for `count` images about `height` px tall so that each row fits in `width` px at that size."""
    per_row = max(1, width // (height + 2))
    return max(1, -(-count // per_row))


def show_strip(images: np.ndarray, rows: int | None = None, height: int = 96, caption: str | None = None) -> None:
    """A strip enlarged so each image is about `height` px tall, at its natural width or the column's.

    rows=None wraps the images into as many rows as keep each one `height` px at STRIP_WIDTH, so a long
    interpolation reads as a few rows of visible images rather than one row shrunk to a few pixels each.
    """
    rows = wrapped_rows(len(images), height) if rows is None else rows
    picture = strip(images, rows)
    scale = max(1, height // images.shape[1])
    st.image(
        to_pil(picture, scale),
        caption=caption,
        width="content" if picture.shape[1] * scale < 1200 else "stretch",
        output_format="PNG",
    )
