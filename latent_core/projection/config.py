"""ProjectionConfig: the method, map size and settings that fully determine a fitted map."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from ..fields import setting, validate

METHODS = ("pca", "tsne", "umap")
METRICS = ("euclidean", "cosine")
DIMS = (2, 3)
UMAP_POINT_EPOCHS = 1_000_000  # default UMAP epochs: this budget over N points, clipped to [100, 500]
TSNE_DEFAULT_EPOCHS = 250


@dataclass(frozen=True)
class ProjectionConfig:
    """Settings of one projection; together with the codes' fingerprint they key the cache.

    neighbors: UMAP's n_neighbors; min_dist: UMAP's min_dist; perplexity: t-SNE's perplexity;
    metric: the distance t-SNE's and UMAP's neighbourhoods use ("euclidean" or "cosine").
    epochs: UMAP epochs or t-SNE iterations after early exaggeration; None picks a default
    from the number of points (see `resolved`).
    """

    method: str = setting(
        "pca",
        "Projection",
        "PCA keeps distances along the main axes; t-SNE and UMAP keep neighbourhoods.",
        choices=METHODS,
        unknown="Projection method",
    )
    dims: int = setting(2, "Dimensions", "A 2-D or 3-D map.", choices=DIMS)
    seed: int = setting(0, "Seed", "The same codes, settings and seed give the same map.", low=0, high=2**32 - 1)
    neighbors: int = setting(
        15, "Neighbours", "UMAP's n_neighbors: how many neighbours shape each point's place.", low=2, high=200
    )
    min_dist: float = setting(0.1, "Minimum distance", "UMAP's min_dist: how tightly points may pack.", low=0, high=1)
    perplexity: float = setting(
        30.0, "Perplexity", "t-SNE's perplexity: about how many neighbours each point has.", low=1, high=100
    )
    metric: str = setting(
        "euclidean",
        "Metric",
        "How t-SNE and UMAP measure the distance between codes: euclidean, or cosine (the angle between them).",
        choices=METRICS,
    )
    epochs: int | None = setting(
        None,
        "Epochs",
        "UMAP epochs or t-SNE iterations after early exaggeration; empty: a default for the number of points.",
        low=10,
        high=5000,
        optional=True,
    )

    def validate(self) -> ProjectionConfig:
        """Each setting against its own range; check_config also checks them against the codes."""
        return validate(self, "Projection setting")

    def resolved(self, n: int) -> ProjectionConfig:
        """Fill in default epochs for n points: t-SNE 250; UMAP 1,000,000 / n within [100, 500]
        (500 for 2,000 points, 100 from 10,000: as good on MNIST as umap-learn's 500 or 200)."""
        if self.epochs is not None or self.method == "pca":
            return self
        epochs = TSNE_DEFAULT_EPOCHS if self.method == "tsne" else min(500, max(100, UMAP_POINT_EPOCHS // n))
        return replace(self, epochs=epochs)

    @property
    def neighbourhood(self) -> int:
        """Points each point needs around it: UMAP's neighbors, 3 x perplexity for t-SNE, dims for PCA."""
        return {"pca": self.dims, "tsne": int(3 * self.perplexity), "umap": self.neighbors}[self.method]

    def to_dict(self) -> dict:
        """Only the settings that matter for this method, so equal maps share one cache entry."""
        used = {
            "pca": (),
            "tsne": ("perplexity", "epochs", "metric"),
            "umap": ("neighbors", "min_dist", "epochs", "metric"),
        }[self.method]
        return {"method": self.method, "dims": self.dims, "seed": self.seed} | {
            key: value for key, value in asdict(self).items() if key in used
        }
