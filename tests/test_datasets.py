"""Built-in datasets, IDX files and the ImageDataset container."""
from __future__ import annotations

import gzip
import struct
import subprocess
import sys
import urllib.error

import numpy as np
import pytest

import latent_core
from latent_core import ImageDataset, InvalidInputError
from latent_core.datasets import builtin

MNIST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_digits_shapes_and_dtypes(digits):
    assert digits.images.shape == (1797, 8, 8, 1) and digits.images.dtype == np.uint8
    assert digits.labels.dtype == np.int64 and digits.labels.shape == (1797,)
    assert digits.images.max() == 255 and digits.label_names == [str(d) for d in range(10)]
    assert len(digits) == 1797 and digits.factors == {}


def test_shapes_is_deterministic_and_records_factors():
    a = latent_core.load_dataset("shapes", n=300, seed=3)
    b = latent_core.load_dataset("shapes", n=300, seed=3)
    c = latent_core.load_dataset("shapes", n=300, seed=4)
    assert a.images.shape == (300, 32, 32, 1) and a.images.dtype == np.uint8
    assert np.array_equal(a.images, b.images) and a.fingerprint == b.fingerprint
    assert not np.array_equal(a.images, c.images)
    assert set(a.factors) == {"shape", "scale", "rotation", "x", "y"}
    assert np.array_equal(a.factors["shape"], a.labels) and a.label_names == ["square", "circle", "triangle"]
    # A shape drawn further right has its ink further right.
    columns = np.arange(32)
    ink_x = (a.images[..., 0].sum(axis=1) * columns).sum(axis=1) / a.images[..., 0].sum(axis=(1, 2))
    assert np.corrcoef(ink_x, a.factors["x"])[0, 1] > 0.95


def test_shapes_default_size_meets_the_brief():
    shapes = latent_core.load_dataset("shapes")
    assert len(shapes) >= 10_000 and shapes.image_shape[:2] >= (32, 32)


def test_mnist_idx_from_shared_folder(mnist_dir):
    mnist = latent_core.load_dataset(str(mnist_dir))
    assert mnist.images.shape == (10_000, 28, 28, 1) and mnist.images.dtype == np.uint8
    assert np.bincount(mnist.labels).tolist() == MNIST_COUNTS


def test_mnist_idx_from_single_gz_file(mnist_dir):
    mnist = latent_core.load_dataset(mnist_dir / "t10k-images-idx3-ubyte.gz")
    assert mnist.images.shape == (10_000, 28, 28, 1) and mnist.labels is None


def test_fingerprint_is_stable_across_processes(digits):
    code = "import latent_core; print(latent_core.load_dataset('digits').fingerprint)"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == digits.fingerprint


def write_idx(path, array: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_torchvision_mnist_from_local_files_without_network(tmp_path, monkeypatch):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", 12), ("t10k", 5)):
        images, labels = rng.integers(0, 256, (n, 28, 28)), rng.integers(0, 10, n)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            write_idx(raw / f"{split}-{kind}-ubyte.gz", array)
            (raw / f"{split}-{kind}-ubyte").write_bytes(gzip.open(raw / f"{split}-{kind}-ubyte.gz").read())
    monkeypatch.setattr("urllib.request.urlopen", lambda *a, **k: pytest.fail("no download expected"))
    train = latent_core.load_dataset("mnist", root=tmp_path)
    test = latent_core.load_dataset("mnist", root=tmp_path, split="test")
    assert train.images.shape == (12, 28, 28, 1) and test.images.shape == (5, 28, 28, 1)
    assert train.label_names[0].startswith("0")


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "kmnist", "cifar10"])
def test_offline_download_explains_how_to_upload(name, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    with pytest.raises(InvalidInputError, match="upload") as info:
        latent_core.load_dataset(name, root=tmp_path)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_unknown_source_names_it():
    with pytest.raises(InvalidInputError, match="no-such-set"):
        latent_core.load_dataset("no-such-set")


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


def test_builtin_names_are_listed():
    assert {"digits", "shapes", "mnist", "fashion-mnist", "kmnist", "cifar10"} <= set(builtin.BUILTINS)
