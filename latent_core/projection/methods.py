"""The three projection methods. Each returns the embedding, the arrays that rebuild it, and
(for UMAP) the live umap-learn object whose `transform` places new codes.

umap-learn and openTSNE are imported here, inside the functions, so `import latent_core`
never loads umap or numba. umap-learn is imported by `import_umap`, with numba's on-disk cache
turned on for all its compiled functions (umap-learn itself caches one), in a folder under the
projection cache: a restart, or a worker process, loads the machine code instead of compiling
it again (about 15-40 s of CPU). `warm_up_umap` compiles everything a fit and a transform use.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..settings import settings
from .config import ProjectionConfig
from .progress import Progress, TqdmSink

TSNE_FFT_MIN_POINTS = 10_000  # openTSNE's own rule: below this Barnes-Hut is faster
TSNE_EARLY_ITERATIONS = 250
TSNE_CALLBACK_EVERY = 20  # callbacks make openTSNE evaluate the KL divergence: not too often
TSNE_INTS_IN_INTERVAL = 2  # a coarser FFT grid than openTSNE's 1: about 2x faster, same trustworthiness
UMAP_MODULES = ("umap.umap_", "umap.layouts", "umap.utils", "umap.spectral", "umap.distances", "umap.sparse")
WARM_UP_POINTS, WARM_UP_EPOCHS = 300, 10


@dataclass
class Fitted:
    """embedding: float32 (N, dims); state: arrays saved in the cache; estimator: umap.UMAP or None."""

    embedding: np.ndarray
    state: dict[str, np.ndarray] = field(default_factory=dict)
    estimator: object = None


def fit_pca(codes: np.ndarray, config: ProjectionConfig, progress: Progress) -> Fitted:
    """Principal axes from the d x d scatter matrix in float64 (10x faster than an SVD of the
    tall code matrix), signs fixed so each axis' largest loading is positive."""
    progress.stage(0.0, 1.0, "PCA")
    mean = codes.mean(axis=0, dtype=np.float64)
    centred = codes - mean
    _, vectors = np.linalg.eigh(centred.T @ centred)  # eigenvalues in ascending order
    components = vectors[:, ::-1][:, : config.dims].T
    components *= np.sign(components[np.arange(config.dims), np.abs(components).argmax(axis=1)])[:, None]
    embedding = (centred @ components.T).astype(np.float32)
    return Fitted(embedding, {"mean": mean, "components": np.ascontiguousarray(components)})


class KnnIndex:
    """Exact scikit-learn neighbours behind the query interface umap-learn's transform calls."""

    _angular_trees = False

    def __init__(self, codes: np.ndarray, k: int, metric: str = "euclidean"):
        from sklearn.neighbors import NearestNeighbors

        self.nn = NearestNeighbors(n_neighbors=k, metric=metric).fit(codes)

    def graph(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indices int32 and distances float32 (N, k) of each code's k nearest, itself included."""
        distances, indices = self.nn.kneighbors(codes)
        return indices.astype(np.int32), distances.astype(np.float32)

    def query(self, x, k, epsilon=None) -> tuple[np.ndarray, np.ndarray]:
        distances, indices = self.nn.kneighbors(np.asarray(x), n_neighbors=k)
        return indices.astype(np.int32), distances.astype(np.float32)


def numba_cache_dir():
    """Where numba keeps compiled machine code: $NUMBA_CACHE_DIR when set, else a 'numba' folder in the projection
    cache (settings().cache_dir). Sets the variable (for worker processes started later) and numba's own setting."""
    folder = os.environ.setdefault("NUMBA_CACHE_DIR", str(settings().cache_dir / "numba"))
    if "numba" in sys.modules:  # numba reads the variable once, at import
        from numba.core import config

        config.CACHE_DIR = folder
    return folder


def import_umap():
    """umap-learn, with numba's on-disk cache on for every compiled function of its modules (see numba_cache_dir)."""
    numba_cache_dir()
    import umap
    from numba.core.dispatcher import Dispatcher

    for name in UMAP_MODULES:
        for function in vars(sys.modules.get(name, object)).values():
            if isinstance(function, Dispatcher) and function._cache.__class__.__name__ == "NullCache":  # noqa: SLF001
                function.enable_caching()
    return umap


def warm_up_umap() -> float:
    """Fit and apply a tiny UMAP (WARM_UP_POINTS random 8-D codes, float32 like the app's), so that numba compiles,
    or loads from its on-disk cache, what fits and transforms use; returns the seconds it took."""
    import time

    started = time.perf_counter()
    codes = np.random.default_rng(0).normal(size=(WARM_UP_POINTS, 8)).astype(np.float32)
    fitted = fit_umap(codes, ProjectionConfig(method="umap", epochs=WARM_UP_EPOCHS), Progress())
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="umap")
        fitted.estimator.transform(codes[:5])
    return time.perf_counter() - started


def fit_umap(codes: np.ndarray, config: ProjectionConfig, progress: Progress) -> Fitted:
    """umap-learn on an exact kNN graph computed once (fast for d <= ~64), `epochs` epochs, seeded
    (so single-threaded and reproducible)."""
    progress.stage(0.0, 0.05, "UMAP: loading umap-learn")
    umap = import_umap()

    progress.stage(0.05, 0.15, "UMAP: nearest neighbours")
    index = KnnIndex(codes, config.neighbors, config.metric)
    indices, distances = index.graph(codes)
    progress.stage(0.15, 0.3, "UMAP: fuzzy graph and spectral initialisation")
    sink = TqdmSink(progress, 0.3, 1.0, "UMAP: optimising the layout")
    reducer = umap.UMAP(
        n_neighbors=config.neighbors,
        n_components=config.dims,
        min_dist=config.min_dist,
        metric=config.metric,
        n_epochs=config.epochs,
        random_state=config.seed,
        precomputed_knn=(indices, distances, index),
        tqdm_kwds=sink.tqdm_kwds(),
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(knn_search_index|n_jobs value).*")
        warnings.filterwarnings("ignore", category=UserWarning, module="umap")
        reducer.fit(codes)
    reducer.tqdm_kwds = {"disable": True}
    return Fitted(np.asarray(reducer.embedding_, dtype=np.float32), estimator=reducer)


def fit_tsne(codes: np.ndarray, config: ProjectionConfig, progress: Progress) -> Fitted:
    """openTSNE: exact kNN affinities, PCA initialisation, FFT gradients for 2-D maps of
    10,000 points or more, Barnes-Hut otherwise.

    250 early-exaggeration iterations, then `epochs` (default 250) more. openTSNE's automatic
    learning rate is N / exaggeration (N after exaggeration), far above scikit-learn's
    max(N / 48, 50), so 250 iterations reach the trustworthiness scikit-learn reaches in 750.
    """
    from openTSNE import TSNEEmbedding, affinity, initialization, nearest_neighbors

    progress.stage(0.0, 0.1, "t-SNE: affinities")
    k = min(len(codes) - 1, int(3 * config.perplexity))
    knn = nearest_neighbors.Sklearn(
        codes, k, metric=config.metric, n_jobs=2, random_state=config.seed
    )  # exact; skips pynndescent
    affinities = affinity.PerplexityBasedNN(
        perplexity=config.perplexity, knn_index=knn, n_jobs=2, random_state=config.seed
    )
    init = initialization.pca(codes, n_components=config.dims, random_state=config.seed)
    gradient = "fft" if config.dims == 2 and len(codes) >= TSNE_FFT_MIN_POINTS else "bh"
    embedding = TSNEEmbedding(
        init,
        affinities,
        negative_gradient_method=gradient,
        ints_in_interval=TSNE_INTS_IN_INTERVAL,
        n_jobs=2,
        random_state=config.seed,
    )
    total = TSNE_EARLY_ITERATIONS + config.epochs

    def optimise(embedding, done: int, n_iter: int, message: str, **settings):
        progress.stage(0.1 + 0.9 * done / total, 0.1 + 0.9 * (done + n_iter) / total, message)

        def report(iteration: int, error: float, current) -> bool:
            progress.update(iteration / n_iter)
            return False

        return embedding.optimize(n_iter, callbacks=report, callbacks_every_iters=TSNE_CALLBACK_EVERY, **settings)

    embedding = optimise(
        embedding, 0, TSNE_EARLY_ITERATIONS, "t-SNE: early exaggeration", exaggeration=12, momentum=0.5
    )
    embedding = optimise(embedding, TSNE_EARLY_ITERATIONS, config.epochs, "t-SNE: optimising the layout", momentum=0.8)
    return Fitted(np.asarray(embedding, dtype=np.float32))


FIT = {"pca": fit_pca, "tsne": fit_tsne, "umap": fit_umap}
