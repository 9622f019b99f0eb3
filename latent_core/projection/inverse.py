"""Learned maps between the latent space and the map: a continuous kNN kernel smoother.

The inverse (map point -> code) of t-SNE and UMAP, and the approximate transform
(code -> map point) of t-SNE, are both a KernelRegressor fitted on (source, target) pairs:
the prediction at x is the biweight-weighted mean of the targets of the k nearest sources,

    w_i = (1 - (d_i / d_{k+1})^2)^2,   d_{k+1} = distance to the (k+1)-th nearest source,

which is continuous in x (a source leaves the neighbourhood with weight 0), so decoded
images change smoothly across the map, including the empty space between clusters.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

DEFAULT_K = 32
CONFIDENCE_NEIGHBOR = 10
BATCH = 8192


class KernelRegressor:
    """kNN biweight smoother from sources (N, p) to targets (N, q); predicts float32 (M, q)."""

    def __init__(self, k: int = DEFAULT_K):
        self.k = k

    def fit(self, sources: np.ndarray, targets: np.ndarray) -> KernelRegressor:
        self.sources_ = np.asarray(sources, dtype=np.float64)
        self.targets_ = np.asarray(targets, dtype=np.float32)
        self.k_ = max(1, min(self.k, len(self.sources_) - 1))
        self.tree_ = cKDTree(self.sources_)
        return self

    def neighbors(self, x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of the k nearest sources, each (M, k)."""
        distances, indices = self.tree_.query(np.asarray(x, dtype=np.float64), k=k)
        return distances.reshape(len(x), k), indices.reshape(len(x), k)

    def predict(self, x: np.ndarray) -> np.ndarray:
        out = np.empty((len(x), self.targets_.shape[1]), dtype=np.float32)
        for start in range(0, len(x), BATCH):
            distances, indices = self.neighbors(x[start : start + BATCH], self.k_ + 1)
            radius = np.maximum(distances[:, -1:], 1e-12)
            weights = (1.0 - (distances[:, :-1] / radius) ** 2) ** 2 + 1e-12  # the floor keeps exact ties finite
            weights /= weights.sum(axis=1, keepdims=True)
            out[start : start + BATCH] = np.einsum("mk,mkq->mq", weights, self.targets_[indices[:, :-1]])
        return out


class MapConfidence:
    """How close map points lie to the data: exp(-(d_nn / scale)^2), 1 exactly on a data point.

    scale_ is the median distance from a data point to its 10th nearest neighbour, so points
    inside a cluster score near 1 and points a cluster-width away from any data near 0.
    """

    def fit(self, embedding: np.ndarray) -> MapConfidence:
        embedding = np.asarray(embedding, dtype=np.float64)
        self.tree_ = cKDTree(embedding)
        k = min(CONFIDENCE_NEIGHBOR, len(embedding) - 1) + 1
        spacing, _ = self.tree_.query(embedding, k=k)
        self.scale_ = max(float(np.median(spacing[:, -1])), 1e-12)
        return self

    def score(self, points: np.ndarray) -> np.ndarray:
        """float32 (M,) in [0, 1]."""
        nearest, _ = self.tree_.query(np.asarray(points, dtype=np.float64), k=1)
        return np.exp(-((nearest / self.scale_) ** 2)).astype(np.float32)
