"""Turning uint8 image batches into grids, strips, PNG and GIF bytes."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def image_grid(images: np.ndarray, cols: int | None = None, pad: int = 1, fill: int = 0) -> np.ndarray:
    """uint8 (N, H, W, C) -> one uint8 (rows*(H+pad)-pad, cols*(W+pad)-pad, C) image, row-major."""
    images = np.asarray(images)
    if images.ndim == 5:  # (rows, cols, H, W, C)
        cols = images.shape[1]
        images = images.reshape(-1, *images.shape[2:])
    n, h, w, c = images.shape
    cols = max(1, min(cols or int(np.ceil(np.sqrt(n))), n))
    rows = int(np.ceil(n / cols))
    grid = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad, c), fill, dtype=np.uint8)
    for i, image in enumerate(images):
        r, q = divmod(i, cols)
        grid[r * (h + pad) : r * (h + pad) + h, q * (w + pad) : q * (w + pad) + w] = image
    return grid


def to_pil(image: np.ndarray, scale: int = 1) -> Image.Image:
    """uint8 (H, W, C) -> PIL image, enlarged `scale` times with nearest neighbours."""
    image = np.asarray(image)
    pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    return pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST) if scale > 1 else pil


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """uint8 (H, W, C) -> PNG file contents."""
    buffer = io.BytesIO()
    to_pil(image, scale).save(buffer, format="PNG")
    return buffer.getvalue()


def gif_bytes(frames: np.ndarray, scale: int = 1, frame_ms: int = 120, bounce: bool = True) -> bytes:
    """uint8 (N, H, W, C) -> looping animated GIF; `bounce` plays forward then back."""
    frames = list(frames) + (list(frames[-2:0:-1]) if bounce else [])
    pictures = [to_pil(frame, scale) for frame in frames]
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:], duration=frame_ms, loop=0)
    return buffer.getvalue()


def upscale_for_display(height: int) -> int:
    """A nearest-neighbour factor that makes tiny images (8 px digits) visible: about 96 px tall."""
    return max(1, 96 // max(1, height))
