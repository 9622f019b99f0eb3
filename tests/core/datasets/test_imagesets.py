"""Zips and folders of images: class folders, skipped files and the archive limits
(IDX and NPZ inside zips: test_idx.py, test_arrays.py; damaged zips: tests/core/io/test_archive.py)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import latent_core
from latent_core import InvalidInputError, Limits
from tests.builders import image_bytes, noise, npy_bytes, write_zip


def classes(tmp_path, prefix: str = "") -> dict:
    return {
        f"{prefix}{cls}/{i}.png": image_bytes(noise((8, 8), seed))
        for seed, (cls, i) in enumerate([("cat", 0), ("cat", 1), ("dog", 0), ("emu", 0)])
    }


@pytest.mark.parametrize("prefix", ["", "my data/"])
def test_class_folders_become_labels(tmp_path, prefix):
    data, report = latent_core.load_dataset_with_report(write_zip(tmp_path / "pets.zip", classes(tmp_path, prefix)))
    assert data.images.shape == (4, 8, 8, 1) and data.name == "pets"
    assert data.label_names == ["cat", "dog", "emu"] and data.labels.tolist() == [0, 0, 1, 2]
    assert "labels from 3 class folders" in report.summary() and report.skipped == []


def test_flat_archive_has_no_labels_and_lists_what_it_skipped(tmp_path):
    members = {
        "a.png": image_bytes(noise((8, 8))),
        "b.gif": image_bytes(noise((8, 8)), "GIF"),
        "readme.txt": b"hello",
        "fake.png": b"not really a png",
        "cut.png": image_bytes(noise((8, 8)))[:-30],
        "__MACOSX/._a.png": b"\0\5\26\7",
        "data.npy": npy_bytes(np.zeros(3)),
    }
    data, report = latent_core.load_dataset_with_report(write_zip(tmp_path / "flat.zip", members))
    assert data.images.shape == (2, 8, 8, 1) and data.labels is None
    reasons = dict(report.skipped)
    assert set(reasons) == {"readme.txt", "fake.png", "cut.png", "__MACOSX/._a.png", "data.npy"}
    assert reasons["readme.txt"] == "is text, not an image" and reasons["data.npy"] == "is a NumPy array, not an image"
    assert reasons["fake.png"] == "is text, not an image" and reasons["cut.png"].startswith("is truncated or corrupt")
    assert reasons["__MACOSX/._a.png"] == "is a hidden or system file"
    assert "5 file(s) skipped: " in report.summary()


def test_images_outside_class_folders_mean_no_labels(tmp_path):
    members = classes(tmp_path) | {"loose.png": image_bytes(noise((8, 8)))}
    data, report = latent_core.load_dataset_with_report(write_zip(tmp_path / "mixed.zip", members))
    assert data.labels is None and "outside class folders" in report.summary()


def test_too_many_skipped_files_leave_too_few_images(tmp_path):
    members = {"a.png": image_bytes(noise((8, 8))), "b.txt": b"x", "c.csv": b"1,2"}
    with pytest.raises(
        InvalidInputError,
        match=r"'few\.zip' holds 1 usable image\(s\) \(2 file\(s\) skipped: b\.txt \(is text, not an image\); c\.csv",
    ):
        latent_core.load_dataset(write_zip(tmp_path / "few.zip", members))


def test_a_folder_follows_the_same_rules_and_skips_links(tmp_path):
    root = tmp_path / "pets"
    for name, data in classes(tmp_path).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "notes.txt").write_text("hi")
    os.symlink(tmp_path / "outside.png", root / "cat" / "link.png")
    (tmp_path / "outside.png").write_bytes(image_bytes(noise((8, 8))))
    data, report = latent_core.load_dataset_with_report(root)
    assert data.label_names == ["cat", "dog", "emu"] and data.labels.tolist() == [0, 0, 1, 2]
    assert dict(report.skipped) == {"cat/link.png": "is a symbolic link", "notes.txt": "is text, not an image"}


@pytest.mark.parametrize(
    "limits, message",
    [
        (
            Limits(max_zip_entries=3),
            r"Archive 'pets\.zip' declares 4 entries, over the limit of 3 \(set LATENT_MAX_ZIP_ENTRIES",
        ),
        (
            Limits(max_zip_total_bytes=100),
            r"Archive 'pets\.zip' unpacks to 560 bytes, over the limit of 100 bytes \(set LATENT_MAX_ZIP_TOTAL_BYTES",
        ),
        (Limits(max_images=3), r"'pets\.zip' holds 4 image files, over the limit of 3 \(set LATENT_MAX_IMAGES"),
        (
            Limits(max_array_bytes=200),
            r"'pets\.zip' as uint8 images of shape \(4, 8, 8, 1\) takes 256 bytes, over the limit of 200 bytes",
        ),
        (Limits(min_images=5), r"'pets\.zip' holds 4 usable image\(s\); at least 5 are needed"),
    ],
)
def test_archive_limits_name_the_variable(tmp_path, limits, message):
    with pytest.raises(InvalidInputError, match=message):
        latent_core.load_dataset(write_zip(tmp_path / "pets.zip", classes(tmp_path)), limits=limits)
