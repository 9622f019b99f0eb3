"""Projections of latent codes to 2D/3D, kept in memory by content (latent_core also caches them on disk)."""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from latent_core.projection import fit_projection

from .resources import digest

MAX_KEPT = 12
_kept: OrderedDict[str, object] = OrderedDict()
_lock = threading.Lock()
AXIS_NAMES = {"pca": "PC {}", "tsne": "t-SNE {}", "umap": "UMAP {}"}


def projection_key(codes: np.ndarray, method: str, dims: int) -> str:
    return digest(codes, method, dims)


def cached(key: str):
    """The projection stored under `key`, or None."""
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    return None


def project(codes: np.ndarray, method: str, dims: int, on_progress=None):
    """Fit (or fetch) the projection of `codes`; `on_progress(fraction, message)` as in fit_projection.

    Fitted maps are also cached on disk by latent_core, so a restart does not fit them again.
    """
    key = projection_key(codes, method, dims)
    found = cached(key)
    if found is not None:
        return found
    result = fit_projection(codes, method=method, dims=dims, seed=0, on_progress=on_progress, cache=True)
    with _lock:
        _kept[key] = result
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return result


def axis_titles(method: str, dims: int) -> list[str]:
    return [AXIS_NAMES[method].format(k + 1) for k in range(dims)]
