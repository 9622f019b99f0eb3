"""Projection: a fitted 2-D/3-D map of latent codes that maps both ways."""

from __future__ import annotations

import warnings
from functools import cached_property

import numpy as np

from ..errors import InvalidInputError
from ..io.fingerprint import fingerprint
from .config import ProjectionConfig
from .inverse import KernelRegressor, MapConfidence
from .validation import check_codes, check_points

PLACEMENT_K = 5


def hash_codes(codes: np.ndarray) -> str:
    """Content hash of float32 codes: equal arrays give equal fingerprints in any process."""
    return fingerprint(repr(codes.shape), np.asarray(codes, dtype=np.float32))


class LinearInverse:
    """PCA's exact inverse: points (M, dims) -> mean + points @ components, float32 (M, d)."""

    def __init__(self, mean: np.ndarray, components: np.ndarray):
        self.mean, self.components = mean, components

    def predict(self, points: np.ndarray) -> np.ndarray:
        return (points @ self.components + self.mean).astype(np.float32)


class Projection:
    """A map of N latent codes: `embedding` float32 (N, dims) for `codes` float32 (N, d).

    transform(z) places new codes on the map: exact for PCA; umap-learn's transform for a UMAP
    fitted in this process; for t-SNE, and for UMAP loaded from the cache, a kNN placement (the
    biweight-weighted mean map position of the 5 nearest codes; see `transform_kind`).
    inverse(points) maps any map point to a code: exact for PCA, a learned kNN kernel smoother
    for t-SNE and UMAP (see inverse.py). `estimator` is the live umap.UMAP, or None.
    """

    def __init__(
        self,
        codes: np.ndarray,
        embedding: np.ndarray,
        config: ProjectionConfig,
        state: dict[str, np.ndarray] | None = None,
        estimator=None,
        codes_fingerprint: str | None = None,
    ):
        self.codes = codes
        self.embedding = embedding
        self.config = config
        self.state = state or {}
        self.estimator = estimator
        self.fingerprint = codes_fingerprint or hash_codes(codes)

    @property
    def method(self) -> str:
        return self.config.method

    @property
    def dims(self) -> int:
        return self.config.dims

    def without_estimator(self) -> Projection:
        """This map without its live umap.UMAP, for a worker process: the inverse needs only codes and embedding,
        and transform places by kNN instead."""
        return Projection(self.codes, self.embedding, self.config, self.state, None, self.fingerprint)

    @property
    def transform_kind(self) -> str:
        """'exact' (PCA), 'umap' (umap-learn's transform) or 'knn' (kNN placement)."""
        return "exact" if self.method == "pca" else "umap" if self.estimator is not None else "knn"

    def make_inverse(self, rows: np.ndarray | None = None):
        """An inverse fitted on the (embedding, code) pairs of `rows` (all when None); PCA's is exact."""
        if self.method == "pca":
            return LinearInverse(self.state["mean"], self.state["components"])
        rows = slice(None) if rows is None else rows
        return KernelRegressor().fit(self.embedding[rows], self.codes[rows])

    @cached_property
    def _inverse(self):
        return self.make_inverse()

    @cached_property
    def _confidence(self) -> MapConfidence:
        return MapConfidence().fit(self.embedding)

    @cached_property
    def _placement(self) -> KernelRegressor:
        return KernelRegressor(PLACEMENT_K).fit(self.codes, self.embedding)

    def transform(self, z) -> np.ndarray:
        """Codes float (M, d) or (d,) -> map points float32 (M, dims)."""
        z = check_codes(np.atleast_2d(z), "codes to place on the map")
        if z.shape[1] != self.codes.shape[1]:
            raise InvalidInputError(
                f"Codes to place on the map need {self.codes.shape[1]} values each, "
                f"like the projected codes, not {z.shape[1]}."
            )
        if self.transform_kind == "exact":
            return ((z - self.state["mean"]) @ self.state["components"].T).astype(np.float32)
        if self.transform_kind == "umap":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return np.asarray(self.estimator.transform(z), dtype=np.float32)
        return self._placement.predict(z)

    def inverse(self, points, return_confidence: bool = False):
        """Map points float (M, dims) or (dims,) -> codes float32 (M, d).

        With return_confidence=True also returns float32 (M,) in [0, 1]: 1 on a data point,
        exp(-(d / scale)^2) at distance d from the nearest one (see MapConfidence), so a caller
        can flag decoded images that are extrapolated rather than supported by data.
        """
        points = check_points(points, self.dims)
        codes = self._inverse.predict(points)
        return (codes, self._confidence.score(points)) if return_confidence else codes

    def confidence(self, points) -> np.ndarray:
        """float32 (M,) in [0, 1]; see `inverse`."""
        return self._confidence.score(check_points(points, self.dims))

    def quality(self, max_points: int = 2000, seed: int = 0) -> dict:
        """trustworthiness@10, kNN recall@10 and the inverse's held-out relative L2 error; see quality.py."""
        from .quality import projection_quality

        return projection_quality(self, max_points=max_points, seed=seed)

    def arrays(self) -> dict[str, np.ndarray]:
        """What the cache stores: the embedding and the method's state (never the codes)."""
        return {"embedding": self.embedding, **self.state}

    def __repr__(self) -> str:
        return (
            f"Projection(method={self.method!r}, dims={self.dims}, points={len(self.embedding)}, "
            f"transform={self.transform_kind!r})"
        )
