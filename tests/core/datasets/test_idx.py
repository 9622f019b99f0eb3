"""IDX files (MNIST's format): the shared MNIST test set, a single .gz, a zip of the .gz files, a separate labels file,
and a gzip that inflates past its header."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

import latent_core
from latent_core import InvalidInputError
from tests.builders import noise, write_zip

MNIST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_idx_from_shared_folder(mnist_dir):
    mnist = latent_core.load_dataset(str(mnist_dir))
    assert mnist.images.shape == (10_000, 28, 28, 1) and mnist.images.dtype == np.uint8
    assert np.bincount(mnist.labels).tolist() == MNIST_COUNTS


def test_mnist_idx_from_single_gz_file(mnist_dir):
    mnist = latent_core.load_dataset(mnist_dir / "t10k-images-idx3-ubyte.gz")
    assert mnist.images.shape == (10_000, 28, 28, 1) and mnist.labels is None


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
    with pytest.raises(
        InvalidInputError, match=r"declares shape \(2, 8, 8\) \(144 bytes of IDX data\) but holds more than that"
    ):
        latent_core.load_dataset(path)
