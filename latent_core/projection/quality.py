"""How faithful a map is: trustworthiness, continuity, kNN recall, and the inverse's held-out error."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..errors import InvalidInputError

QUALITY_K = 10
HOLDOUT_FRACTION = 0.1
MAX_HOLDOUT = 1000


def trustworthiness(codes: np.ndarray, embedding: np.ndarray, k: int = QUALITY_K) -> float:
    """scikit-learn's trustworthiness@k in [0, 1]: 1 when no map neighbour is a stranger in latent space.

    It sorts a full N x N distance matrix, so callers pass a sample of a few thousand points.
    """
    from sklearn.manifold import trustworthiness as sklearn_trustworthiness

    return float(sklearn_trustworthiness(codes, embedding, n_neighbors=k))


def continuity(codes: np.ndarray, embedding: np.ndarray, k: int = QUALITY_K) -> float:
    """Continuity@k in [0, 1] (Venna and Kaski 2001): trustworthiness with the two spaces swapped, so 1 when no
    latent neighbour is torn away from a point on the map."""
    return trustworthiness(embedding, codes, k)


def knn_recall(codes: np.ndarray, embedding: np.ndarray, k: int = QUALITY_K) -> float:
    """Mean fraction of each point's k nearest latent neighbours that are among its k nearest on the map."""

    def neighbours(x: np.ndarray) -> np.ndarray:
        _, index = cKDTree(np.asarray(x, dtype=np.float64)).query(x, k=k + 1)
        return np.sort(index[:, 1:], axis=1)  # drop each point itself

    latent, mapped = neighbours(codes), neighbours(embedding)
    hits = (latent[:, :, None] == mapped[:, None, :]).any(axis=2).sum(axis=1)
    return float(hits.mean() / k)


def inverse_error(codes: np.ndarray, predicted: np.ndarray) -> float:
    """Relative L2 error ||predicted - codes||_F / ||codes||_F."""
    return float(np.linalg.norm(predicted - codes) / max(np.linalg.norm(codes), 1e-12))


def projection_quality(projection, max_points: int = 2000, seed: int = 0) -> dict:
    """{'trustworthiness', 'continuity', 'knn_recall', 'inverse_error'} plus the sizes they were measured on.

    Trustworthiness and recall use a seeded sample of at most `max_points` points (neighbours
    within the sample); the inverse error holds out 10% of the points (at most 1000), refits the
    inverse on the rest, and decodes the held-out points' map positions.
    """
    codes, embedding = projection.codes, projection.embedding
    n = len(codes)
    if n <= 2 * QUALITY_K + 1:
        raise InvalidInputError(
            f"Map quality needs more than {2 * QUALITY_K + 1} points to measure neighbourhoods of {QUALITY_K}; "
            f"this map has {n}."
        )
    if not isinstance(max_points, (int, np.integer)) or max_points <= 2 * QUALITY_K + 1:
        raise InvalidInputError(
            f"max_points={max_points!r} is too small; measure quality on more than {2 * QUALITY_K + 1} points."
        )
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, max_points), replace=False))
    held = np.sort(rng.choice(n, size=min(MAX_HOLDOUT, max(1, round(n * HOLDOUT_FRACTION))), replace=False))
    rest = np.setdiff1d(np.arange(n), held)
    predicted = projection.make_inverse(rest).predict(embedding[held].astype(np.float64))
    return {
        "trustworthiness": trustworthiness(codes[sample], embedding[sample]),
        "continuity": continuity(codes[sample], embedding[sample]),
        "knn_recall": knn_recall(codes[sample], embedding[sample]),
        "inverse_error": inverse_error(codes[held], predicted),
        "n_neighbors": QUALITY_K,
        "sample_size": int(len(sample)),
        "holdout_size": int(len(held)),
    }
