"""How good a model's samples are, without downloads: a small classifier trained on the dataset itself.

Inception weights cannot be fetched offline, so the classifier's own features stand in: the
Fréchet distance between the features of real images and of samples (Heusel et al. 2017, on
these features rather than Inception's), the share of classes the samples cover and the largest
class's share (mode collapse), and the classifier's median confidence on the samples. Any model
that decodes from N(0, I) can be measured (GAN or VAE), so kinds can be compared on the same data.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..dataset import ImageDataset
from ..errors import InvalidInputError
from ..model import LatentModel, images_to_tensor

CLASSIFIER_SEED = 0
CLASSIFIER_STEPS = 500
CLASSIFIER_BATCH = 64
CLASSIFIER_MAX_IMAGES = 10_000  # training and reference images, drawn evenly when the dataset has more
FEATURES = 64
CACHE_SIZE = 4
BATCH = 512


class SmallClassifier(nn.Module):
    """images (N, C, H, W) in [0, 1] -> (logits (N, K), features (N, 64)): three stride-2 3x3 convs
    and a global max, so it fits any image size from 8 px."""

    def __init__(self, channels: int, classes: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 16, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, FEATURES, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveMaxPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Linear(FEATURES, classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.features(x)
        return self.head(features), features


@dataclass(frozen=True)
class FittedClassifier:
    """A classifier fitted to one dataset, with its real images' feature statistics (float64 mean (F,), cov (F, F))."""

    network: SmallClassifier
    label_names: list[str]
    accuracy: float  # on the dataset's images it was not trained on
    real_mean: np.ndarray
    real_cov: np.ndarray

    def predict(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """uint8 (N, H, W, C) -> class probabilities float64 (N, K) and features float64 (N, F)."""
        return classify(self.network, images)


@torch.inference_mode()
def classify(network: SmallClassifier, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, H, W, C) -> class probabilities float64 (N, K) and features float64 (N, F), in batches."""
    probs, feats = [], []
    for start in range(0, len(images), BATCH):
        logits, features = network(images_to_tensor(images[start : start + BATCH]))
        probs.append(F.softmax(logits.double(), dim=1).numpy())
        feats.append(features.double().numpy())
    return np.concatenate(probs), np.concatenate(feats)


_CACHE: OrderedDict[str, FittedClassifier] = OrderedDict()


def check_labelled(dataset: ImageDataset) -> None:
    if not isinstance(dataset, ImageDataset):
        raise InvalidInputError(f"Sample quality needs an ImageDataset, not {type(dataset).__name__}.")
    if dataset.labels is None or len(np.unique(dataset.labels)) < 2:
        raise InvalidInputError(
            f"Sample quality needs a dataset labelled with at least 2 classes, and '{dataset.name}' is not: "
            "its figures come from a classifier trained on the labels."
        )


def fit_classifier(dataset: ImageDataset) -> FittedClassifier:
    """The dataset's classifier, trained on first use (a few seconds, seeded) and cached in-process per fingerprint."""
    check_labelled(dataset)
    key = dataset.fingerprint
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    rng = np.random.default_rng(CLASSIFIER_SEED)
    chosen = np.sort(rng.permutation(len(dataset))[:CLASSIFIER_MAX_IMAGES])
    images, labels = dataset.images[chosen], dataset.labels[chosen]
    held = rng.permutation(len(chosen))
    n_test = max(1, len(chosen) // 10)
    test, train = held[:n_test], held[n_test:]
    classes = int(dataset.labels.max()) + 1
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(CLASSIFIER_SEED)
        network = SmallClassifier(images.shape[-1], classes)
    optimizer = torch.optim.Adam(network.parameters(), lr=3e-3)
    x_all, y_all = torch.from_numpy(images), torch.from_numpy(labels)
    network.train()
    for _ in range(CLASSIFIER_STEPS):
        index = torch.from_numpy(train[rng.integers(0, len(train), CLASSIFIER_BATCH)])
        x = x_all[index].permute(0, 3, 1, 2).float().div_(255.0)
        logits, _ = network(x)
        loss = F.cross_entropy(logits, y_all[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    network.eval()
    names = dataset.label_names or [str(k) for k in range(classes)]
    probs, features = classify(network, images)
    accuracy = float((probs[test].argmax(axis=1) == labels[test]).mean())
    fitted = FittedClassifier(network, list(names), accuracy, features.mean(axis=0), np.cov(features, rowvar=False))
    _CACHE[key] = fitted
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return fitted


def frechet_distance(mean_a: np.ndarray, cov_a: np.ndarray, mean_b: np.ndarray, cov_b: np.ndarray) -> float:
    """|m_a - m_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between two Gaussians (F,), (F, F).

    tr((S_a S_b)^(1/2)) is the sum of the square roots of the eigenvalues of S_a^(1/2) S_b S_a^(1/2),
    which is symmetric, so it is computed with eigh rather than a general matrix square root."""
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sqrt(np.clip(middle, 0, None)).sum()
    distance = float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)
    return max(distance, 0.0)


def image_quality(images: np.ndarray, dataset: ImageDataset, min_count: int | None = None) -> dict:
    """Quality figures of generated images, uint8 (N, H, W, C), against `dataset`'s real images.

    Returns frechet_distance (classifier features; 0 for the real images themselves),
    class_coverage (share of classes predicted at least `min_count` times; default: a tenth of a
    fair share, ceil(0.1 N / K)), classes_found, largest_class_share and largest_class,
    class_shares (by label), median_confidence (the classifier's top probability), samples (N)
    and classifier_accuracy (on real images it was not trained on).
    """
    classifier = fit_classifier(dataset)
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != dataset.image_shape:
        raise InvalidInputError(
            f"Sample quality needs uint8 images of shape {dataset.image_shape} like '{dataset.name}', "
            f"not {images.dtype} {images.shape[1:]}."
        )
    if len(images) < 2:
        raise InvalidInputError("Sample quality needs at least 2 samples.")
    probs, features = classifier.predict(images)
    classes = len(classifier.label_names)
    counts = np.bincount(probs.argmax(axis=1), minlength=classes)
    min_count = math.ceil(0.1 * len(images) / classes) if min_count is None else int(min_count)
    shares = counts / len(images)
    largest = int(counts.argmax())
    return {
        "frechet_distance": frechet_distance(
            classifier.real_mean, classifier.real_cov, features.mean(axis=0), np.cov(features, rowvar=False)
        ),
        "class_coverage": float((counts >= min_count).mean()),
        "classes_found": int((counts >= min_count).sum()),
        "largest_class_share": float(shares[largest]),
        "largest_class": classifier.label_names[largest],
        "class_shares": {name: float(share) for name, share in zip(classifier.label_names, shares, strict=True)},
        "median_confidence": float(np.median(probs.max(axis=1))),
        "samples": len(images),
        "classifier_accuracy": classifier.accuracy,
    }


def sample_quality(model: LatentModel, dataset: ImageDataset, n: int = 2000, seed: int = 0) -> dict:
    """The figures of `image_quality` for n images decoded from codes drawn from N(0, I) with `seed`.

    Works for any model whose prior is N(0, I) (GAN, VAE); the classifier is trained once per dataset.
    """
    check_labelled(dataset)
    if model.image_shape != dataset.image_shape:
        raise InvalidInputError(
            f"Model '{model.name}' makes images of shape {model.image_shape}, "
            f"but '{dataset.name}' holds {dataset.image_shape}."
        )
    if not isinstance(n, (int, np.integer)) or not 2 <= n <= 100_000:
        raise InvalidInputError(f"n={n!r} is invalid; it must be a whole number from 2 to 100,000 samples.")
    codes = np.random.default_rng(seed).standard_normal((int(n), model.latent_dim)).astype(np.float32)
    return image_quality(model.decode(codes), dataset)
