"""Projections of latent codes to 2D/3D, fitted as background jobs and kept in the runner's store by content.

A fit runs on the job runner (ui.jobs), so that a rerun (a click, a slider) never interrupts it;
the map polls its progress. t-SNE and UMAP, and PCA of more than IN_PROCESS[method] code values,
run in a worker process; a smaller PCA (a few ms for 20,000 x 16 codes) runs in a server thread.
Finished fits stay in the runner's bounded store under a content
fingerprint, and latent_core also caches them on disk, so a restart does not fit them again.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict
from functools import partial

import numpy as np

import latent_core
from latent_core.io.fingerprint import fingerprint
from latent_core.projection import ProjectionConfig

from . import jobs, workers
from .jobs import FAILED, FINISHED, Job

QUICK_WAIT_S = 1.0  # fits that finish this fast (PCA, cache hits) are drawn without a progress bar
AXIS_NAMES = {"pca": "PC {}", "tsne": "t-SNE {}", "umap": "UMAP {}"}
# Up to this many code values (N x D) fit in this process: a PCA of 10,000 x 64 takes about 8-25 ms of CPU
# (benchmarks/click_cpu_bench.py; 20,000 x 64 took 15-50 ms, as BLAS threads spin on a busy machine).
IN_PROCESS = {"pca": 10_000 * 64, "tsne": 0, "umap": 0}
TUNABLE = {"pca": (), "tsne": ("perplexity", "metric"), "umap": ("neighbors", "min_dist", "metric")}
KEYED_ARRAYS = 8  # read-only code arrays whose projection keys are remembered (the most recently used ones)
_keys: OrderedDict[int, tuple[weakref.ref, dict[tuple, str]]] = OrderedDict()  # id(codes) -> (codes, parts -> key)
_keys_lock = threading.Lock()


def used(method: str, settings: dict | None) -> dict:
    """The settings of `settings` (ProjectionConfig fields) that `method` uses and that differ from their defaults:
    a map's settings, so that a t-SNE setting does not refit UMAP, and the defaults keep the keys they always had."""
    defaults = ProjectionConfig()
    return {
        name: value
        for name, value in (settings or {}).items()
        if name in TUNABLE[method] and value != getattr(defaults, name)
    }


def projection_key(codes: np.ndarray, method: str, dims: int, settings: dict | None = None) -> str:
    """The content fingerprint of a projection of (N, D) codes: its key in the job runner (and the map's view key).

    A click asks for it twice, and hashing the codes is the costly part (a few ms for 100,000 x 16), so the keys of
    read-only arrays (see `unwritable`: the map's codes, ui.resources.codes) are remembered per array object."""
    chosen = used(method, settings)
    parts = (method, dims) if not chosen else (method, dims, json.dumps(chosen, sort_keys=True))
    if not unwritable(codes):
        return fingerprint(codes, *parts)
    with _keys_lock:
        entry = _keys.get(id(codes))
        if entry is not None and entry[0]() is codes:  # a dead reference: another array that got the same id
            _keys.move_to_end(id(codes))
            if parts in entry[1]:
                return entry[1][parts]
    key = fingerprint(codes, *parts)
    with _keys_lock:
        entry = _keys.get(id(codes))
        if entry is None or entry[0]() is not codes:
            entry = _keys[id(codes)] = (weakref.ref(codes), {})
            while len(_keys) > KEYED_ARRAYS:
                _keys.popitem(last=False)
        entry[1][parts] = key
    return key


def unwritable(array: np.ndarray) -> bool:
    """Whether nothing can change the array's values: it and every array it views are read-only, down to the array
    that owns the memory. (numpy lets the owner be made writeable again; nothing here does: ui.resources makes the
    map's codes read-only once made.)"""
    while isinstance(array, np.ndarray):
        if array.flags.writeable:
            return False
        array = array.base
    return array is None


def fit(codes: np.ndarray, method: str, dims: int, settings: dict, job: Job):
    """A projection job's work: fit_projection of (N, D) codes to (N, dims), reporting to `job`, in this process for
    a small PCA, else in a worker process. Raises latent_core.ProjectionCancelled once the job is cancelled."""
    if codes.size <= IN_PROCESS[method]:
        return workers.fit_map(codes, method, dims, settings, job)
    return jobs.runner.pool().call(workers.fit_map, (codes, method, dims, settings), job, what="projection")


def request(
    codes: np.ndarray, method: str, dims: int, wait: float | None = QUICK_WAIT_S, settings: dict | None = None
) -> tuple[object, Job | None]:
    """(projection, None) when it is ready within `wait` seconds (None: however long), else (None, its job).

    `settings`: ProjectionConfig fields (perplexity, neighbors, min_dist, metric); those the method does not use
    are left out. The job is running, failed (its `error` says why; `forget()` it once shown) or cancelled.
    """
    frozen = codes if not codes.flags.writeable else codes.copy()  # the fit must see the codes that were hashed
    chosen = used(method, settings)
    job = jobs.runner.submit(
        "projection",
        projection_key(codes, method, dims, chosen),
        partial(fit, frozen, method, dims, chosen),
        failure="The projection failed",
    )
    job.join(wait)
    return (job.result(), None) if job.status == FINISHED else (None, job)


def cached(codes: np.ndarray, method: str, dims: int, settings: dict | None = None):
    """The finished projection of `codes`, or None."""
    return jobs.runner.result(projection_key(codes, method, dims, settings))


def project(codes: np.ndarray, method: str, dims: int, settings: dict | None = None):
    """The projection, waiting for it however long it takes; raises InvalidInputError if it fails."""
    while True:
        projection, job = request(codes, method, dims, wait=None, settings=settings)
        if projection is not None:
            return projection
        if job.status == FAILED:
            job.forget()
            raise latent_core.InvalidInputError(job.error)
        # cancelled from another page: ask again, which starts a fresh fit


def axis_titles(method: str, dims: int) -> list[str]:
    return [AXIS_NAMES[method].format(k + 1) for k in range(dims)]
