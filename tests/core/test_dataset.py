"""The ImageDataset container: checks on images and labels, float scaling, and a fingerprint stable across processes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from latent_core import ImageDataset, InvalidInputError


def test_fingerprint_is_stable_across_processes(digits):
    code = "import latent_core; print(latent_core.load_dataset('digits').fingerprint)"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == digits.fingerprint


def test_from_array_rejects_nan_with_index():
    array = np.zeros((5, 8, 8), dtype=np.float32)
    array[3, 2, 2] = np.nan
    with pytest.raises(InvalidInputError, match=r"1 NaN.*image 3"):
        ImageDataset.from_array(array)


def test_from_array_scales_unit_floats():
    data = ImageDataset.from_array(np.full((2, 8, 8), 0.5, dtype=np.float32))
    assert data.images.dtype == np.uint8 and data.images.max() == 128


@pytest.mark.parametrize("shape", [(4, 8, 8, 2), (4, 8), (0, 8, 8, 1)])
def test_bad_image_shapes_are_refused(shape):
    with pytest.raises(InvalidInputError):
        ImageDataset(np.zeros(shape, dtype=np.uint8))


def test_labels_must_match_images():
    with pytest.raises(InvalidInputError, match="Labels"):
        ImageDataset(np.zeros((4, 8, 8, 1), np.uint8), labels=np.array([0, 1]))
