"""Background training: a worker thread that outlives reruns, with progress read through a lock."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import latent_core

RUNNING, FINISHED, CANCELLED, FAILED = "running", "finished", "cancelled", "failed"


@dataclass
class JobSnapshot:
    """A consistent copy of a job's state for one render."""

    status: str
    settings: dict
    progress: latent_core.TrainingProgress | None
    curve: list[tuple[float, float]]  # (epochs done, running training loss)
    error: str | None
    started: float


@dataclass
class TrainingJob:
    """Trains one model on one dataset in a daemon thread; `cancel()` stops it within a batch."""

    dataset: latent_core.ImageDataset
    settings: dict
    model: latent_core.LatentModel | None = None
    collected: bool = False
    _status: str = RUNNING
    _progress: latent_core.TrainingProgress | None = None
    _curve: list = field(default_factory=list)
    _error: str | None = None
    _started: float = field(default_factory=time.time)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> "TrainingJob":
        self._thread = threading.Thread(target=self._run, name="latent-explorer-training", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            model = latent_core.train_model(self.dataset, **self.settings, on_progress=self._report, should_stop=self._stop.is_set)
            status = CANCELLED if self._stop.is_set() else FINISHED
            error = None
        except latent_core.InvalidInputError as exc:
            model, status, error = None, FAILED, str(exc)
        except Exception as exc:  # a worker must never die silently: the page shows what went wrong
            model, status, error = None, FAILED, f"Training stopped with an unexpected error: {type(exc).__name__}: {exc}"
        with self._lock:
            self.model, self._status, self._error = model, status, error

    def _report(self, progress: latent_core.TrainingProgress) -> None:
        with self._lock:
            self._progress = progress
            self._curve.append((progress.fraction * progress.epochs, float(progress.losses.get("loss", float("nan")))))

    def cancel(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        with self._lock:
            return self._status == RUNNING

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return JobSnapshot(self._status, dict(self.settings), self._progress, list(self._curve), self._error, self._started)
