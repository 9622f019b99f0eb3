"""Built-in datasets: scikit-learn's digits, procedural shapes, and torchvision's downloads."""

from __future__ import annotations

import socket
from functools import partial
from pathlib import Path

import numpy as np

from ..dataset import ImageDataset
from ..errors import InvalidInputError
from ..settings import settings
from .shapes import make_shapes

DOWNLOAD_TIMEOUT_S = 15
UPLOAD_HINT = {
    "mnist": "train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz (or the t10k files)",
    "fashion-mnist": "the Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz)",
    "kmnist": "the KMNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz)",
    "cifar10": "the CIFAR-10 images as a zip with one folder per class, or an .npz with 'images' and 'labels'",
}


MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
ON_DISK = {  # where torchvision keeps each download below the data folder, and the files it needs there
    "mnist": ("MNIST/raw", MNIST_FILES),
    "fashion-mnist": ("FashionMNIST/raw", MNIST_FILES),
    "kmnist": ("KMNIST/raw", MNIST_FILES),
    "cifar10": ("cifar-10-batches-py", (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta")),
}
DATA_FOLDER_WORDS = "the server's dataset folder (LATENT_EXPLORER_DATA)"  # never the path itself


def data_cache() -> Path:
    """Where downloads go: settings().data_dir ($LATENT_EXPLORER_DATA or ~/.cache/latent-explorer/datasets)."""
    return settings().data_dir


def needs_download(name: str, root=None) -> bool:
    """Whether loading the built-in `name` would download it: a torchvision dataset whose files are not in the
    data folder yet (checked by file names; nothing is loaded and the network is not asked)."""
    if name not in ON_DISK:
        return False
    folder, files = ON_DISK[name]
    where = (Path(root) if root else data_cache()) / folder
    return not all((where / file).is_file() for file in files)


def load_digits(**_) -> ImageDataset:
    """scikit-learn's 1,797 8x8 digits, rescaled from 0-16 to 0-255."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    return ImageDataset(images, bunch.target.astype(np.int64), [str(d) for d in range(10)], {}, "digits")


def load_shapes(n: int = 12_000, size: int = 32, seed: int = 0, **_) -> ImageDataset:
    return make_shapes(n=n, size=size, seed=seed)


def torchvision_dataset(name: str, split: str = "train", root=None, download: bool = True, **_) -> ImageDataset:
    """A torchvision dataset from the cache folder, downloading it first if needed.

    Offline, the download fails and the error tells the user which files to upload instead.
    """
    from torchvision import datasets

    classes = {
        "mnist": datasets.MNIST,
        "fashion-mnist": datasets.FashionMNIST,
        "kmnist": datasets.KMNIST,
        "cifar10": datasets.CIFAR10,
    }
    if split not in ("train", "test"):
        raise InvalidInputError(f"Split {split!r} is unknown; choose 'train' or 'test'.")
    root = Path(root) if root else data_cache()
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        data = classes[name](root=str(root), train=split == "train", download=download)
    except Exception as exc:  # torchvision raises RuntimeError, URLError, OSError and more when offline
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = reason.replace(str(root), "…").replace(str(Path.home()), "~")  # no server path reaches a user
        raise InvalidInputError(
            f"Could not download the '{name}' dataset into {DATA_FOLDER_WORDS} ({reason}); "
            f"without a network, upload {UPLOAD_HINT[name]} or pass their folder to load_dataset.",
            hint="upload",
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
    images = np.asarray(data.data)
    if images.ndim == 3:
        images = images[..., None]
    labels = np.asarray(data.targets, dtype=np.int64)
    return ImageDataset(np.ascontiguousarray(images, dtype=np.uint8), labels, [str(c) for c in data.classes], {}, name)


BUILTINS = {
    "digits": load_digits,
    "shapes": load_shapes,
    **{name: partial(torchvision_dataset, name) for name in UPLOAD_HINT},
}
