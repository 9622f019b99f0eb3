"""Zips and folders of images: class folders, skipped files, the archive limits, and IDX/NPZ inside zips."""
from __future__ import annotations

import gzip
import os
import struct

import numpy as np
import pytest

import latent_core
from latent_core import InvalidInputError, Limits
from test_uploads_corpus import image_bytes, noise, npy_bytes, write_zip


def classes(tmp_path, prefix: str = "") -> dict:
    return {f"{prefix}{cls}/{i}.png": image_bytes(noise((8, 8), seed)) for seed, (cls, i) in enumerate([("cat", 0), ("cat", 1), ("dog", 0), ("emu", 0)])}


@pytest.mark.parametrize("prefix", ["", "my data/"])
def test_class_folders_become_labels(tmp_path, prefix):
    data, report = latent_core.load_dataset_with_report(write_zip(tmp_path / "pets.zip", classes(tmp_path, prefix)))
    assert data.images.shape == (4, 8, 8, 1) and data.name == "pets"
    assert data.label_names == ["cat", "dog", "emu"] and data.labels.tolist() == [0, 0, 1, 2]
    assert "labels from 3 class folders" in report.summary() and report.skipped == []


def test_flat_archive_has_no_labels_and_lists_what_it_skipped(tmp_path):
    members = {
        "a.png": image_bytes(noise((8, 8))), "b.gif": image_bytes(noise((8, 8)), "GIF"), "readme.txt": b"hello",
        "fake.png": b"not really a png", "cut.png": image_bytes(noise((8, 8)))[:-30], "__MACOSX/._a.png": b"\0\5\26\7",
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
    with pytest.raises(InvalidInputError, match=r"'few\.zip' holds 1 usable image\(s\) \(2 file\(s\) skipped: b\.txt \(is text, not an image\); c\.csv"):
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


@pytest.mark.parametrize("limits, message", [
    (Limits(max_zip_entries=3), r"Archive 'pets\.zip' declares 4 entries, over the limit of 3 \(set LATENT_MAX_ZIP_ENTRIES"),
    (Limits(max_zip_total_bytes=100), r"Archive 'pets\.zip' unpacks to 560 bytes, over the limit of 100 bytes \(set LATENT_MAX_ZIP_TOTAL_BYTES"),
    (Limits(max_images=3), r"'pets\.zip' holds 4 image files, over the limit of 3 \(set LATENT_MAX_IMAGES"),
    (Limits(max_array_bytes=200), r"'pets\.zip' as uint8 images of shape \(4, 8, 8, 1\) takes 256 bytes, over the limit of 200 bytes"),
    (Limits(min_images=5), r"'pets\.zip' holds 4 usable image\(s\); at least 5 are needed"),
])
def test_archive_limits_name_the_variable(tmp_path, limits, message):
    with pytest.raises(InvalidInputError, match=message):
        latent_core.load_dataset(write_zip(tmp_path / "pets.zip", classes(tmp_path)), limits=limits)


def test_header_that_claims_more_than_the_entry_holds(tmp_path):
    path = write_zip(tmp_path / "a.zip", {"a.png": image_bytes(noise((8, 8))), "b.png": image_bytes(noise((8, 8)))})
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, at + 24, struct.unpack_from("<I", data, at + 24)[0] + 1000)
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidInputError, match=r"Archive 'a\.zip': entry 'b\.png' (holds fewer bytes than|could not be read)"):
        latent_core.load_dataset(path)


def test_not_a_zip_at_all(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(InvalidInputError, match=r"Archive 'broken\.zip' could not be opened as a zip file"):
        latent_core.load_dataset(path)


def test_mnist_idx_from_a_zip_of_the_gz_files(tmp_path, mnist_dir):
    members = {f"mnist/{p.name}": p.read_bytes() for p in mnist_dir.iterdir() if p.name.startswith("t10k")}
    data, report = latent_core.load_dataset_with_report(write_zip(tmp_path / "mnist.zip", members, compression=0))
    assert data.images.shape == (10_000, 28, 28, 1) and len(np.unique(data.labels)) == 10
    assert report.kind == "idx" and "labels from mnist/t10k-labels-idx1-ubyte.gz" in report.summary()


def test_raw_idx_file_with_a_separate_labels_file(tmp_path):
    images, labels = noise((5, 8, 8)), np.arange(5, dtype=np.uint8)
    (tmp_path / "x-images").write_bytes(struct.pack(">BBBBIII", 0, 0, 8, 3, 5, 8, 8) + images.tobytes())
    (tmp_path / "x-labels.gz").write_bytes(gzip.compress(struct.pack(">BBBBI", 0, 0, 8, 1, 5) + labels.tobytes()))
    data = latent_core.load_dataset(tmp_path / "x-images", labels_path=tmp_path / "x-labels.gz")
    assert np.array_equal(data.images[..., 0], images) and data.labels.tolist() == list(range(5))


def test_gzip_idx_that_inflates_past_its_header_is_refused(tmp_path):
    path = tmp_path / "bomb-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(struct.pack(">BBBBIII", 0, 0, 8, 3, 2, 8, 8) + b"\0" * (10 * 2**20)))
    with pytest.raises(InvalidInputError, match=r"declares shape \(2, 8, 8\) \(144 bytes of IDX data\) but holds more than that"):
        latent_core.load_dataset(path)


def test_npz_inside_is_read_as_arrays(tmp_path):
    members = {"images.npy": npy_bytes(noise((3, 8, 8))), "labels.npy": npy_bytes(np.array([0, 2, 1]))}
    data, report = latent_core.load_dataset_with_report(write_zip(tmp_path / "arrays.npz", members))
    assert data.images.shape == (3, 8, 8, 1) and data.labels.tolist() == [0, 2, 1] and report.kind == "arrays"
