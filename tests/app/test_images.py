"""Strips of small images: long interpolations wrap into rows instead of shrinking to a few pixels each."""

from __future__ import annotations

import numpy as np
import pytest

from ui import images


@pytest.mark.parametrize(("count", "height", "rows"), [(1, 64, 1), (8, 64, 1), (9, 64, 2), (57, 64, 8), (57, 48, 6)])
def test_wrapped_rows_keep_each_image_at_its_height_within_the_strip_width(count, height, rows):
    assert images.wrapped_rows(count, height) == rows
    per_row = -(-count // rows)
    assert per_row * (height + 2) <= images.STRIP_WIDTH or per_row == 1


def test_a_wrapped_strip_lays_the_images_out_in_rows_with_gaps():
    frames = np.zeros((57, 8, 8, 1), np.uint8)
    picture = images.strip(frames, images.wrapped_rows(len(frames), 64))
    assert picture.shape[0] == 8 * 8 + 7 and picture.shape[1] == 8 * 8 + 7  # 8 rows and 8 columns, 1 px gaps
