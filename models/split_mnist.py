"""Split MNIST's 10,000 test images by index for the shipped mnist model (`make models`).

    python models/split_mnist.py MNIST_DIR OUT_DIR

MNIST_DIR holds the IDX files (t10k-images-idx3-ubyte.gz and its labels), read with the project's own
loader. Writes OUT_DIR/mnist-train.npz (the first 9,000 images) and OUT_DIR/mnist-held-out.npz (the last
1,000), each with 'images' uint8 (N, 28, 28) and 'labels' int64 (N,). Pixels are binarised at half the
range (0 or 255), as `evaluate(..., binarize=True)` and the binarised-MNIST literature threshold them, so
the model is trained on the kind of image its likelihood is measured on.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import latent_core

N_TRAIN = 9_000
N_IMAGES = 10_000


def binarised(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, H, W, 1) -> uint8 (N, H, W): 255 where a pixel is at least half the range, else 0."""
    return np.where(images[..., 0] >= 128, 255, 0).astype(np.uint8)


def split(mnist_dir: Path, out_dir: Path) -> tuple[Path, Path]:
    dataset = latent_core.load_dataset(mnist_dir)
    if len(dataset) != N_IMAGES or dataset.image_shape != (28, 28, 1):
        raise SystemExit(
            f"Expected MNIST's {N_IMAGES:,} test images of 28x28 in {mnist_dir}, found {len(dataset):,} "
            f"of shape {dataset.image_shape}."
        )
    images = binarised(dataset.images)
    labels = np.asarray(dataset.labels, dtype=np.int64)
    out_dir.mkdir(parents=True, exist_ok=True)
    train, held_out = out_dir / "mnist-train.npz", out_dir / "mnist-held-out.npz"
    np.savez(train, images=images[:N_TRAIN], labels=labels[:N_TRAIN])
    np.savez(held_out, images=images[N_TRAIN:], labels=labels[N_TRAIN:])
    return train, held_out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    for path in split(Path(sys.argv[1]), Path(sys.argv[2])):
        print(f"wrote {path}")
