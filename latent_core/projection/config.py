"""ProjectionConfig: the method, map size and settings that fully determine a fitted map."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

METHODS = ("pca", "tsne", "umap")
UMAP_POINT_EPOCHS = 1_000_000  # default UMAP epochs: this budget over N points, clipped to [100, 500]
TSNE_DEFAULT_EPOCHS = 250


@dataclass(frozen=True)
class ProjectionConfig:
    """Settings of one projection; together with the codes' fingerprint they key the cache.

    neighbors: UMAP's n_neighbors; min_dist: UMAP's min_dist; perplexity: t-SNE's perplexity.
    epochs: UMAP epochs or t-SNE iterations after early exaggeration; None picks a default
    from the number of points (see `resolved`).
    """

    method: str = "pca"
    dims: int = 2
    seed: int = 0
    neighbors: int = 15
    min_dist: float = 0.1
    perplexity: float = 30.0
    epochs: int | None = None

    def resolved(self, n: int) -> "ProjectionConfig":
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
        used = {"pca": (), "tsne": ("perplexity", "epochs"), "umap": ("neighbors", "min_dist", "epochs")}[self.method]
        return {"method": self.method, "dims": self.dims, "seed": self.seed} | {key: value for key, value in asdict(self).items() if key in used}
