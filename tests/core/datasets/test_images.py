"""Image files: formats, modes, 16-bit, CMYK, EXIF orientation, transparency, sizes and the pixel limit."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import latent_core
from latent_core import InvalidInputError, Limits
from latent_core.datasets.images import open_checked
from tests.builders import image_bytes, noise, png_header, write_zip
from tests.paths import REPO

ONE = Limits(min_images=1)


def load_one(tmp_path, name: str, data: bytes, **options):
    path = tmp_path / name
    path.write_bytes(data)
    return latent_core.load_dataset_with_report(path, limits=ONE, **options)


@pytest.mark.parametrize(
    "fmt, mode, channels",
    [
        ("PNG", "L", 1),
        ("PNG", "RGB", 3),
        ("BMP", "RGB", 3),
        ("BMP", "1", 1),
        ("GIF", "P", 3),
        ("WEBP", "RGB", 3),
        ("JPEG", "L", 1),
    ],
)
def test_each_format_and_mode_decodes(tmp_path, fmt, mode, channels):
    base = Image.fromarray(noise((12, 10, 3))).convert(mode)
    path = tmp_path / f"image.{fmt.lower()}"
    base.save(path, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    data, report = latent_core.load_dataset_with_report(path, limits=ONE)
    assert data.images.shape == (1, 12, 10, channels) and data.images.dtype == np.uint8 and data.labels is None
    if fmt in ("PNG", "BMP", "WEBP") and mode != "1":
        expected = np.asarray(base.convert("RGB" if channels == 3 else "L")).reshape(12, 10, channels)
        assert np.array_equal(data.images[0], expected)
    assert report.kind == "images" and "1 images of 12x10 pixels" in report.summary()


def test_png_named_jpg_is_read_by_content(tmp_path):
    data, _ = load_one(tmp_path, "really-a-png.jpg", image_bytes(noise((8, 9))))
    assert data.images.shape == (1, 8, 9, 1)


def test_sixteen_bit_png_keeps_the_top_eight_bits(tmp_path):
    values = np.arange(0, 65536, 65536 // 64, dtype=np.uint16).reshape(8, 8) + 255
    data, _ = load_one(tmp_path, "deep.png", image_bytes(values))
    assert data.images.shape == (1, 8, 8, 1)
    assert np.array_equal(data.images[0, ..., 0], (values >> 8).astype(np.uint8))


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    red = Image.new("CMYK", (16, 16), (0, 255, 255, 0))
    data, _ = load_one(tmp_path, "print.jpg", image_bytes(np.asarray(red), "JPEG", mode="CMYK", quality=95))
    assert data.images.shape == (1, 16, 16, 3)
    assert np.abs(data.images[0].reshape(-1, 3).mean(axis=0) - [255, 0, 0]).max() < 8


def test_exif_orientation_is_applied(tmp_path):
    """Orientation 6 means 'rotate 90 degrees clockwise to display': a 48x32 (W x H) image shows as 32 wide, 48 high."""
    pixels = np.zeros((32, 48), np.uint8)
    pixels[:8, :8] = 255  # a white block at the stored top-left corner
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6
    data, _ = load_one(tmp_path, "phone.jpg", image_bytes(pixels, "JPEG", quality=95, exif=exif.tobytes()))
    shown = data.images[0, ..., 0].astype(int)
    assert shown.shape == (48, 32)
    assert shown[:8, -8:].mean() > 200 and shown[:8, :8].mean() < 50  # the block lands top-right after the turn


@pytest.mark.parametrize("background, value", [("black", 0), ("white", 255)])
def test_transparency_is_composited_on_the_chosen_background(tmp_path, background, value):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 1] = 200
    rgba[:4, ..., 3] = 255  # top half opaque green, bottom half fully transparent
    data, _ = load_one(tmp_path, "alpha.png", image_bytes(rgba, mode="RGBA"), background=background)
    assert data.images.shape == (1, 8, 8, 3)
    assert data.images[0, 0, 0].tolist() == [0, 200, 0] and data.images[0, 7, 7].tolist() == [value] * 3


def test_grey_pixels_in_rgb_files_stay_one_channel_but_any_colour_makes_three(tmp_path):
    grey_rgb = np.repeat(noise((8, 8, 1)), 3, axis=2)
    zips = {
        "grey.zip": {"a.png": image_bytes(grey_rgb), "b.png": image_bytes(noise((8, 8)))},
        "mixed.zip": {
            "a.png": image_bytes(noise((8, 8))),
            "b.png": image_bytes(noise((8, 8, 3))),
            "c.png": image_bytes(noise((8, 8, 4)), mode="RGBA"),
        },
    }
    grey, _ = latent_core.load_dataset_with_report(write_zip(tmp_path / "grey.zip", zips["grey.zip"]))
    mixed, report = latent_core.load_dataset_with_report(write_zip(tmp_path / "mixed.zip", zips["mixed.zip"]))
    assert grey.images.shape == (2, 8, 8, 1)
    assert mixed.images.shape == (3, 8, 8, 3) and "1 grayscale images repeated in 3 channels" in report.summary()
    assert np.array_equal(mixed.images[0, ..., 0], mixed.images[0, ..., 2])
    forced, report = latent_core.load_dataset_with_report(tmp_path / "mixed.zip", channels=1)
    assert forced.images.shape == (3, 8, 8, 1) and "2 colour images converted to gray" in report.summary()


def test_mixed_sizes_go_to_the_most_common_size_or_the_one_asked_for(tmp_path):
    members = {
        f"{i}.png": image_bytes(noise(shape, i)) for i, shape in enumerate([(10, 12), (10, 12), (20, 20), (7, 30)])
    }
    path = write_zip(tmp_path / "sizes.zip", members)
    data, report = latent_core.load_dataset_with_report(path)
    assert data.images.shape == (4, 10, 12, 1) and "2 of 4 images are 10x12" in report.summary()
    assert np.array_equal(data.images[0, ..., 0], noise((10, 12), 0))
    assert latent_core.load_dataset(path, size=(16, 8)).images.shape == (4, 16, 8, 1)
    assert latent_core.load_dataset(path, size=9).images.shape == (4, 9, 9, 1)


def test_rotated_images_count_by_their_upright_size(tmp_path):
    exif = Image.new("L", (1, 1)).getexif()
    exif[0x0112] = 6
    members = {
        "a.jpg": image_bytes(noise((10, 20)), "JPEG", exif=exif.tobytes()),
        "b.jpg": image_bytes(noise((10, 20)), "JPEG", exif=exif.tobytes()),
        "c.png": image_bytes(noise((10, 20))),
    }
    data = latent_core.load_dataset(write_zip(tmp_path / "turned.zip", members))
    assert data.images.shape == (3, 20, 10, 1)


def test_pixel_limit_is_checked_from_the_header(tmp_path):
    with pytest.raises(
        InvalidInputError,
        match=r"Image 'big\.png' is 40x30 = 1,200 pixels, over the limit of 1,000 \(set LATENT_MAX_PIXELS_PER_IMAGE",
    ):
        latent_core.load_dataset(
            write_zip(
                tmp_path / "a.zip", {"big.png": image_bytes(noise((30, 40))), "ok.png": image_bytes(noise((8, 8)))}
            ),
            limits=Limits(max_pixels_per_image=1000),
        )


def test_a_bomb_inside_a_zip_refuses_the_whole_upload(tmp_path):
    members = {
        "a.png": image_bytes(noise((8, 8))),
        "b.png": image_bytes(noise((8, 8))),
        "bomb.png": png_header(40_000, 40_000),
    }
    with pytest.raises(InvalidInputError, match="bomb.png"):
        latent_core.load_dataset(write_zip(tmp_path / "a.zip", members))


def test_importing_latent_core_leaves_pillows_own_limit_alone(tmp_path):
    script = (
        "import PIL.Image; before = PIL.Image.MAX_IMAGE_PIXELS; import latent_core, latent_core.datasets.images; "
        "assert PIL.Image.MAX_IMAGE_PIXELS == before, (before, PIL.Image.MAX_IMAGE_PIXELS)"
    )
    env = {**os.environ, "LATENT_MAX_PIXELS_PER_IMAGE": "1000"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("limit, refused", [(None, True), (100_000_000, False)])
def test_the_limit_passed_in_decides_even_above_pillows_default(limit, refused):
    """A header of 10,000 x 9,000 pixels is over Pillow's default guard (about 89.5 million): refused under the
    default limit, and read under a limit raised above Pillow's; Image.MAX_IMAGE_PIXELS stays as it was."""
    before = Image.MAX_IMAGE_PIXELS
    limits = Limits() if limit is None else Limits(max_pixels_per_image=limit)
    if refused:
        with pytest.raises(InvalidInputError, match=r"Image 'huge\.png' .*LATENT_MAX_PIXELS_PER_IMAGE"):
            open_checked(png_header(10_000, 9_000), "huge.png", limits)
    else:
        assert open_checked(png_header(10_000, 9_000), "huge.png", limits).size == (10_000, 9_000)
    assert Image.MAX_IMAGE_PIXELS == before


@pytest.mark.parametrize(
    "options, message",
    [
        ({"size": (0, 8)}, "Image size"),
        ({"size": "big"}, "Image size"),
        ({"channels": 2}, "Channels"),
        ({"background": "red"}, "Background"),
    ],
)
def test_bad_options_are_explained(tmp_path, options, message):
    path = write_zip(tmp_path / "a.zip", {"a.png": image_bytes(noise((8, 8))), "b.png": image_bytes(noise((8, 8)))})
    with pytest.raises(InvalidInputError, match=message):
        latent_core.load_dataset(path, **options)
