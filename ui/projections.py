"""Projections of latent codes to 2D/3D, fitted in background threads and kept in memory by content.

A fit runs in a worker thread so that a rerun (a click, a slider) never interrupts it; the
map polls its progress. Results are kept here by content fingerprint, and latent_core also
caches them on disk, so a restart does not fit them again.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

import latent_core
from latent_core.projection import fit_projection

from .resources import digest

MAX_KEPT = 12
QUICK_WAIT_S = 1.0  # fits that finish this fast (PCA, cache hits) are drawn without a progress bar
AXIS_NAMES = {"pca": "PC {}", "tsne": "t-SNE {}", "umap": "UMAP {}"}
_kept: OrderedDict[str, object] = OrderedDict()
_jobs: dict[str, "ProjectionJob"] = {}
_lock = threading.Lock()


@dataclass
class ProjectionJob:
    """One fit in a daemon thread; `fraction`, `message` and `error` are read by the page, `stop` cancels it."""

    key: str
    fraction: float = 0.0
    message: str = "starting"
    error: str | None = None
    result: object = None
    done: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, codes: np.ndarray, method: str, dims: int) -> None:
        try:
            self.result = fit_projection(codes, method=method, dims=dims, seed=0, on_progress=self.report, should_stop=self.stop.is_set,
                                         cache=True)
        except latent_core.ProjectionCancelled:
            pass
        except latent_core.InvalidInputError as exc:
            self.error = str(exc)
        except Exception as exc:  # shown on the page instead of dying silently in the thread
            self.error = f"The projection failed: {type(exc).__name__}: {exc}"
        finally:
            if self.result is not None:
                keep(self.key, self.result)
            self.done.set()

    def report(self, fraction: float, message: str) -> None:
        self.fraction, self.message = float(fraction), message


def projection_key(codes: np.ndarray, method: str, dims: int) -> str:
    return digest(codes, method, dims)


def keep(key: str, projection) -> None:
    with _lock:
        _kept[key] = projection
        _kept.move_to_end(key)
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
        _jobs.pop(key, None)


def cached(key: str):
    """The projection stored under `key`, or None."""
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    return None


def request(codes: np.ndarray, method: str, dims: int, wait: float = QUICK_WAIT_S):
    """(projection, None) when it is ready within `wait` seconds, else (None, the running or failed job)."""
    key = projection_key(codes, method, dims)
    found = cached(key)
    if found is not None:
        return found, None
    with _lock:
        job = _jobs.get(key)
        if job is None:
            job = _jobs[key] = ProjectionJob(key)
            threading.Thread(target=job.run, args=(np.array(codes), method, dims), name=f"projection-{method}", daemon=True).start()
    job.done.wait(wait)
    return (job.result, None) if job.result is not None else (None, job)


def cancel(job: ProjectionJob) -> None:
    """Stop a fit (within about a second) and forget it, so that asking again starts afresh."""
    job.stop.set()
    forget(job)


def forget(job: ProjectionJob) -> None:
    """Drop a failed or cancelled job so that asking again tries again."""
    with _lock:
        if _jobs.get(job.key) is job:
            del _jobs[job.key]


def project(codes: np.ndarray, method: str, dims: int):
    """The projection, waiting for it however long it takes; raises InvalidInputError if it fails."""
    projection, job = request(codes, method, dims, wait=0)
    if job is not None:
        job.done.wait()
        if job.error:
            forget(job)
            raise latent_core.InvalidInputError(job.error)
        projection = job.result
    return projection


def axis_titles(method: str, dims: int) -> list[str]:
    return [AXIS_NAMES[method].format(k + 1) for k in range(dims)]
