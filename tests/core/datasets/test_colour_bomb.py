"""The colour bomb of issue 10 (defect 4): a small zip of large RGB images is refused in words before it is decoded,
because the size check counts each image's channels from its header, and peak memory stays within 1.5x the limit."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image

import latent_core
from latent_core import InvalidInputError, Limits

LIMIT = 268_435_456  # 256 MiB, as in the probe
PROBE = """
import json, resource, sys
import latent_core
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    data = latent_core.load_dataset(sys.argv[1])
    outcome = f"loaded {data.images.shape}"
except latent_core.InvalidInputError as exc:
    outcome = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth": (after - before) * 1024, "outcome": outcome}))
"""


def solid_png(side: int, colour: tuple, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (side, side), colour if mode != "L" else colour[0]).save(buffer, format="PNG")
    return buffer.getvalue()


def colour_zip(path, count: int, side: int = 1024):
    """`count` solid-colour RGB PNGs of side x side pixels: megabytes on disk, 3 bytes a pixel once decoded."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for i in range(count):
            archive.writestr(f"img{i:03}.png", solid_png(side, (i % 256, 255 - i % 256, 40)))
    return path


def probe(path) -> dict:
    """Load `path` in a fresh process with the issue's limit; its peak RSS growth (bytes) and what happened."""
    env = os.environ | {"LATENT_MAX_ARRAY_BYTES": str(LIMIT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_colour_bomb_is_refused_in_words_within_the_memory_limit(tmp_path):
    found = probe(colour_zip(tmp_path / "bomb.zip", 250))  # 250 x 1024 x 1024 x 3 bytes = 750 MiB decoded
    assert "takes 750.0 MB, over the limit of 256.0 MB" in found["outcome"], found
    assert "LATENT_MAX_ARRAY_BYTES" in found["outcome"] and "(250, 1024, 1024, 3)" in found["outcome"], found
    assert found["growth"] < 1.5 * LIMIT, found


@pytest.mark.slow
def test_colour_images_just_under_the_limit_load_within_the_memory_limit(tmp_path):
    found = probe(colour_zip(tmp_path / "fits.zip", 80))  # 240 MiB of RGB
    assert found["outcome"] == "loaded (80, 1024, 1024, 3)", found
    assert found["growth"] < 1.5 * LIMIT, found


def test_the_check_before_decoding_counts_colour_channels(tmp_path):
    colour = colour_zip(tmp_path / "colour.zip", 4, side=64)  # 4 x 64 x 64 x 3 = 49,152 bytes
    limits = Limits(max_array_bytes=40_000)  # room for the grey size (16,384 bytes), not for the colour one
    with pytest.raises(InvalidInputError, match=r"shape \(4, 64, 64, 3\).*LATENT_MAX_ARRAY_BYTES"):
        latent_core.load_dataset(colour, limits=limits)
    assert latent_core.load_dataset(colour, limits=limits, channels=1).images.shape == (4, 64, 64, 1)


def test_grey_images_and_grey_palettes_count_one_channel_and_colour_headers_with_grey_pixels_end_grey(tmp_path):
    grey_palette = Image.new("P", (64, 64), 3)
    grey_palette.putpalette([v for i in range(256) for v in (i, i, i)])
    buffer = io.BytesIO()
    grey_palette.save(buffer, format="PNG")
    members = {
        "l.png": solid_png(64, (90, 0, 0), "L"),
        "p.png": buffer.getvalue(),
        "rgb-grey.png": solid_png(64, (7, 7, 7)),
    }
    path = tmp_path / "grey.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    limits = Limits(max_array_bytes=3 * 64 * 64 * 3)  # the colour header of rgb-grey.png counts 3 channels
    data, report = latent_core.load_dataset_with_report(path, limits=limits)
    assert data.images.shape == (3, 64, 64, 1) and data.images.flags.c_contiguous
    assert sorted(np.unique(data.images).tolist()) == [3, 7, 90]
    assert "grayscale" in report.summary()
    with pytest.raises(InvalidInputError, match="LATENT_MAX_ARRAY_BYTES"):
        latent_core.load_dataset(path, limits=Limits(max_array_bytes=3 * 64 * 64 * 3 - 1))
