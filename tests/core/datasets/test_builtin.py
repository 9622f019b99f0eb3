"""Built-in datasets: digits, shapes, the torchvision sets from local files
or refused offline in words, and their names."""

from __future__ import annotations

import gzip
import struct
import urllib.error

import numpy as np
import pytest

import latent_core
from latent_core import InvalidInputError
from latent_core.datasets import builtin


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


def test_builtin_names_are_listed():
    assert {"digits", "shapes", "mnist", "fashion-mnist", "kmnist", "cifar10"} <= set(builtin.BUILTINS)
