"""fit_projection: the one entry point that fits (or loads from the cache) a map of latent codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .cache import ProjectionCache
from .config import ProjectionConfig
from .methods import FIT
from .progress import Progress, ProgressCallback
from .projection import Projection, hash_codes
from .validation import check_codes, check_config


def open_cache(cache) -> ProjectionCache | None:
    if isinstance(cache, ProjectionCache):
        return cache
    if cache is True:
        return ProjectionCache()
    return ProjectionCache(cache) if cache else None


def fit_projection(
    codes,
    config: ProjectionConfig | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    cache: bool | str | Path | ProjectionCache = False,
    **settings,
) -> Projection:
    """Fit a 2-D or 3-D map of codes float (N, d) with "pca",
    "tsne" (openTSNE) or "umap" (umap-learn), as `config` says.

    Keyword settings (method="umap", dims=3, neighbors=30, ...) are a shortcut: they build the
    ProjectionConfig, or replace fields of the one given. neighbors and min_dist are UMAP's,
    perplexity is t-SNE's; epochs are UMAP's optimisation epochs or t-SNE's iterations after
    early exaggeration (None: see ProjectionConfig.resolved). The same codes, settings and seed
    give the same map.

    on_progress(fraction: float, message: str) -> None is called in the thread that runs
    fit_projection: first with 0.0, last with exactly 1.0, fractions never falling, at most
    every 0.25 s in between, with a short description of the current stage.
    should_stop() -> bool is polled at every stage boundary and during the optimisation (about
    every 0.25 s for UMAP, every 20 iterations for t-SNE); once it returns True the fit raises
    ProjectionCancelled and caches nothing.
    cache: False; True for ProjectionCache() (folder $LATENT_EXPLORER_CACHE); a folder; or a
    ProjectionCache. A hit returns the stored map without fitting, calling on_progress(1.0, ...) once.
    Bad input raises InvalidInputError.
    """
    codes = check_codes(codes)
    config = replace(config, **settings) if config is not None else ProjectionConfig(**settings)
    config = check_config(config, codes).resolved(len(codes))
    progress = Progress(on_progress, should_stop)
    store = open_cache(cache)
    key = hash_codes(codes)
    if store is not None and (hit := store.load(codes, key, config)) is not None:
        progress.done("loaded from the cache")
        return hit
    fitted = FIT[config.method](codes, config, progress)
    projection = Projection(codes, fitted.embedding, config, fitted.state, fitted.estimator, codes_fingerprint=key)
    if store is not None:
        store.store(projection)
    progress.done()
    return projection
