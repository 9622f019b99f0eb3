"""One image file to 8-bit grayscale or RGB, and stacks of them to one size and channel count.

The size is read from the header and checked against `limits.max_pixels_per_image` before any
pixel is decoded. Pillow's own decompression-bomb guard keeps its process-wide default (this
module never changes it) and its warning is an error, unless the limit passed in is higher. Rules:
EXIF orientation is applied; 16-bit grayscale keeps its top 8 bits; transparency is
composited on black (or white: `background="white"`); palette and colour images whose
pixels all have R = G = B count as grayscale; a set with any colour image becomes RGB.
Resizing stretches every image to exactly (H, W) with Lanczos filtering.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps

from ..errors import InvalidInputError
from ..limits import Limits, size_text
from ..settings import settings

FORMATS = ["PNG", "JPEG", "BMP", "GIF", "WEBP"]
BACKGROUNDS = {"black": 0, "white": 255}
SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")
ROTATED = (5, 6, 7, 8)  # EXIF orientations that swap width and height
ORIENTATION_TAG = 0x0112


class CorruptImage(Exception):
    """The file claims to be an image but cannot be decoded; collections skip it, single files fail."""


def open_checked(data: bytes, name: str, limits: Limits) -> Image.Image:
    """The image with only its header read, refusing sizes over `max_pixels_per_image`."""
    pillow_limit = Image.MAX_IMAGE_PIXELS  # read, never set: other code in the process shares it
    bomb_warning = "ignore" if pillow_limit and limits.max_pixels_per_image > pillow_limit else "error"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(bomb_warning, Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise InvalidInputError(
            f"Image '{name}' was refused as a decompression bomb ({exc}); the limit is "
            f"{limits.max_pixels_per_image:,} pixels (LATENT_MAX_PIXELS_PER_IMAGE)."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptImage(f"is truncated or corrupt ({exc})") from None
    width, height = image.size
    limits.check(
        "max_pixels_per_image", width * height, f"Image '{name}' is {width}x{height} = {width * height:,} pixels"
    )
    return image


def oriented_size(image: Image.Image) -> tuple[int, int]:
    """(H, W) after the EXIF orientation is applied, read without decoding pixels."""
    width, height = image.size
    try:
        orientation = image.getexif().get(ORIENTATION_TAG)
    except (OSError, SyntaxError, ValueError, EOFError):
        orientation = None
    return (width, height) if orientation in ROTATED else (height, width)


def decode(data: bytes, name: str, background: str = "black", limits: Limits | None = None) -> Image.Image:
    """An image file's bytes as an 8-bit 'L' or 'RGB' image, upright and without transparency."""
    limits = limits or settings().limits
    image = open_checked(data, name, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            image = ImageOps.exif_transpose(image)
        return to_8bit(image, BACKGROUNDS[background])
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombWarning) as exc:
        raise CorruptImage(f"is truncated or corrupt ({exc})") from None


def to_8bit(image: Image.Image, background: int) -> Image.Image:
    """Any Pillow mode as 'L' or 'RGB': 16-bit shifted right by 8, alpha composited on `background`."""
    if image.mode in SIXTEEN_BIT:
        pixels = np.asarray(image).astype(np.int64)
        return Image.fromarray((np.clip(pixels, 0, 65535) >> 8).astype(np.uint8), "L")
    if image.mode in ("1", "L"):
        return image.convert("L")
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (background,) * 3 + (255,)), rgba)
    rgb = image.convert("RGB")
    pixels = np.asarray(rgb)
    if np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 1], pixels[..., 2]):
        return Image.fromarray(np.ascontiguousarray(pixels[..., 0]), "L")
    return rgb


def resize(image: Image.Image, size: tuple[int, int] | None) -> Image.Image:
    """Stretched to (H, W); unchanged when size is None or already right."""
    if size is None or (image.height, image.width) == tuple(size):
        return image
    return image.resize((size[1], size[0]), Image.Resampling.LANCZOS)


def stack(images: list[Image.Image], channels: int) -> np.ndarray:
    """uint8 (N, H, W, C) from same-sized 'L'/'RGB' images, converted to C = `channels`."""
    mode = "L" if channels == 1 else "RGB"
    arrays = [np.asarray(im if im.mode == mode else im.convert(mode)) for im in images]
    return np.stack(arrays).reshape(len(arrays), *arrays[0].shape[:2], channels)


def conform(images: np.ndarray, size, channels: int | None, name: str, limits: Limits | None = None) -> np.ndarray:
    """uint8 (N, H, W, C) resized to `size` and converted to `channels` by the same rules as image files."""
    size, channels = check_options(size, channels, name)
    if (size is None or images.shape[1:3] == size) and channels in (None, images.shape[3]):
        return images
    out_shape = (len(images), *(size or images.shape[1:3]), channels or images.shape[3])
    check_array_size(out_shape, name, limits or settings().limits)
    mode = "L" if images.shape[3] == 1 else "RGB"
    return stack(
        [resize(Image.fromarray(a[..., 0] if mode == "L" else a, mode), size) for a in images],
        channels or images.shape[3],
    )


def check_array_size(shape: tuple, name: str, limits: Limits) -> None:
    """Refuse an image stack of this shape before allocating it."""
    nbytes = int(np.prod(shape, dtype=object))
    limits.check("max_array_bytes", nbytes, f"'{name}' as uint8 images of shape {shape} takes {size_text(nbytes)}")


def check_options(size, channels, name: str) -> tuple[tuple[int, int] | None, int | None]:
    """size as (H, W) of positive ints (an int means square) and channels in {None, 1, 3}; else InvalidInputError."""
    if size is not None:
        pair = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
        if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and 0 < v <= 4096 for v in pair):
            raise InvalidInputError(
                f"Image size {size!r} for '{name}' must be (height, width) in pixels, each from 1 to 4096."
            )
        size = (int(pair[0]), int(pair[1]))
    if channels not in (None, 1, 3):
        raise InvalidInputError(f"Channels {channels!r} for '{name}' must be 1 (grayscale) or 3 (RGB).")
    return size, channels
