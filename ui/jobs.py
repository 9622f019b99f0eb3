"""One runner for the app's background work: training, projections and anomaly scores.

`runner.submit(kind, key, work)` runs `work(job)` in the background and returns its Job; the
work reports through `job.report(fraction, message, payload)` and stops when `job.should_stop()`
turns true. Pages read `job.progress`, `job.status`, `job.result()` and `job.error` at any
time, and draw them with `poll`, which redraws while the job runs and reruns the page once when
it has ended.

A job is found by its key (a content fingerprint plus settings), so two requests for the same
work share one job, across sessions. Ended jobs stay in one bounded store, least recently used
first out: a finished job to hand its result to whoever asks for the same key, a failed one
until a page has said why and forgets it. Cancelled jobs, and jobs submitted with `keep=False`
(training, which belongs to one session), leave the store when they end.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Executor, Future, wait
from dataclasses import dataclass
from typing import Any

import streamlit as st

import latent_core

from .messages import explain

RUNNING, FINISHED, CANCELLED, FAILED = "running", "finished", "cancelled", "failed"
POLL_S = 0.5
MAX_KEPT = 12  # ended jobs kept (finished results and unread failures), over all kinds
WORKERS = {"training": 4, "projection": 4, "scores": 2}  # how many of each kind run at once; more wait their turn
SEEN_KEY = "ended_jobs_seen"  # session_state: the jobs whose end this session's page has rerun for

log = logging.getLogger(__name__)
_serials = itertools.count(1)


@dataclass(frozen=True)
class Progress:
    """What a job last reported: a fraction in [0, 1], a short message and anything else the page draws."""

    fraction: float = 0.0
    message: str = ""
    payload: Any = None


class Job:
    """One piece of background work: a Future for its outcome, a cancel Event and the progress it reports."""

    def __init__(
        self,
        kind: str,
        key: Hashable,
        *,
        about: Any = None,
        failure: str = "The job failed",
        message: str = "starting",
        forget: Callable[[Job], None] | None = None,
    ):
        self.kind, self.key, self.about = kind, key, about  # `about`: what the job does, for whoever shows it
        self.serial = next(_serials)
        self.future: Future = Future()  # replaced by the pool's Future when the runner submits the job
        self._failure = failure  # how an unexpected error's message starts
        self._forget = forget
        self._progress = Progress(message=message)
        self._stop = threading.Event()
        self._collected = False
        self._lock = threading.Lock()

    def run(self, work: Callable[[Job], Any]) -> Any:
        """Call `work(self)` (in a worker thread); an unexpected error is logged with its traceback and re-raised."""
        try:
            return work(self)
        except latent_core.InvalidInputError:
            raise
        except Exception:
            if not self.cancelled:
                log.exception("A background %s job failed", self.kind)
            raise

    def report(self, fraction: float, message: str = "", payload: Any = None) -> None:
        """Called by the work: how far it is, in words, with an optional payload (e.g. a loss curve)."""
        with self._lock:
            self._progress = Progress(float(fraction), message, payload)

    @property
    def progress(self) -> Progress:
        with self._lock:
            return self._progress

    def should_stop(self) -> bool:
        """Polled by the work: true once the job is cancelled."""
        return self._stop.is_set()

    def cancel(self) -> None:
        """Ask the work to stop (at its next `should_stop` check) and forget the job: asking again starts afresh."""
        self._stop.set()
        self.future.cancel()  # a job still waiting for a worker never starts
        self.forget()

    def forget(self) -> None:
        """Drop the job from its runner's store (a failure once shown, say), so that asking again tries again."""
        if self._forget is not None:
            self._forget(self)

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called, even while the work is still finishing its step."""
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return not self.future.done()

    @property
    def status(self) -> str:
        """RUNNING (or waiting for a worker), FINISHED, CANCELLED or FAILED."""
        if not self.future.done():
            return RUNNING
        if self.future.cancelled() or self._stop.is_set():
            return CANCELLED
        return FAILED if self.future.exception() is not None else FINISHED

    def result(self) -> Any:
        """What the work returned once the job has finished; None while it runs, or if it failed or was cancelled."""
        return self.future.result() if self.status == FINISHED else None

    @property
    def error(self) -> str | None:
        """Why a failed job failed, in a sentence for the page; None unless FAILED."""
        if self.status != FAILED:
            return None
        exc = self.future.exception()
        if isinstance(exc, latent_core.InvalidInputError):
            return explain(exc)
        return f"{self._failure}: {type(exc).__name__}: {exc}"

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the job has ended or `timeout` seconds have passed (None: however long); True if it has ended."""
        return not wait([self.future], timeout).not_done

    def collect(self) -> bool:
        """True once, to the first caller after the job has ended: whoever adopts its outcome (a trained model)."""
        with self._lock:
            if self._collected or self.running:
                return False
            self._collected = True
            return True

    @property
    def collected(self) -> bool:
        with self._lock:
            return self._collected


class DaemonPool(Executor):
    """At most `workers` calls at a time, each in a daemon thread; the others wait their turn.

    Like ThreadPoolExecutor, except that its threads are daemons: a server that stops (or a test
    run that ends) does not wait for a training job to run its last epoch.
    """

    def __init__(self, workers: int, name: str):
        self._slots = threading.BoundedSemaphore(workers)
        self._name = name

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        threading.Thread(target=self._call, args=(future, fn, args, kwargs), name=self._name, daemon=True).start()
        return future

    def _call(self, future: Future, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        with self._slots:
            if not future.set_running_or_notify_cancel():
                return  # cancelled while it waited
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - as in ThreadPoolExecutor, the Future carries it
                future.set_exception(exc)
            else:
                future.set_result(result)


class Runner:
    """Runs jobs by kind in bounded pools and keeps them by key: running ones, and up to `keep` ended ones."""

    def __init__(self, workers: Mapping[str, int] = WORKERS, keep: int = MAX_KEPT):
        self._pools = {kind: DaemonPool(n, f"latent-explorer-{kind}") for kind, n in workers.items()}
        self._keep = keep
        self._jobs: OrderedDict[Hashable, Job] = OrderedDict()  # least recently asked for first
        self._lock = threading.Lock()

    def submit(
        self,
        kind: str,
        key: Hashable,
        work: Callable[[Job], Any],
        *,
        keep: bool = True,
        about: Any = None,
        failure: str = "The job failed",
        message: str = "starting",
    ) -> Job:
        """The job for `key`: the one running or kept, or a new one that runs `work(job)` in the `kind` pool.

        keep=False: the job leaves the store when it ends (its owner holds it). `failure` starts the
        message of an unexpected error; `message` is the progress text until the work reports.
        """
        pool = self._pools.get(kind)
        if pool is None:
            raise ValueError(f"Unknown job kind {kind!r}; expected one of {sorted(self._pools)}.")
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                self._jobs.move_to_end(key)
                return job
            job = self._jobs[key] = Job(kind, key, about=about, failure=failure, message=message, forget=self.forget)
            job.future = pool.submit(job.run, work)
        job.future.add_done_callback(lambda _: self._ended(job, keep))
        return job

    def find(self, key: Hashable) -> Job | None:
        """The running or kept job for `key`, or None."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                self._jobs.move_to_end(key)
            return job

    def result(self, key: Hashable) -> Any:
        """The result kept under `key`, or None (not asked for, still running, failed, or no longer kept)."""
        job = self.find(key)
        return None if job is None else job.result()

    def forget(self, job: Job) -> None:
        with self._lock:
            if self._jobs.get(job.key) is job:
                del self._jobs[job.key]

    def clear(self) -> None:
        """Forget every ended job (running ones carry on)."""
        with self._lock:
            for key in [key for key, job in self._jobs.items() if not job.running]:
                del self._jobs[key]

    def _ended(self, job: Job, keep: bool) -> None:
        with self._lock:
            if self._jobs.get(job.key) is not job:
                return  # cancelled and forgotten, or replaced
            if not keep or job.status == CANCELLED:
                del self._jobs[job.key]
                return
            ended = [key for key, other in self._jobs.items() if not other.running]
            for key in ended[: max(0, len(ended) - self._keep)]:
                del self._jobs[key]


runner = Runner()


def poll(render: Callable[..., None], job: Job, *args: Any, every: float = POLL_S, **kwargs: Any) -> None:
    """Draw `render(*args, **kwargs)` in a fragment that redraws every `every` seconds while `job` runs.

    The first time this session draws the job after it has ended (and nobody has collected it),
    the whole page reruns once instead, so that it can take the result or say why there is none.
    """

    @functools.wraps(render)  # the fragment keeps render's name, so two polls in one container stay apart
    def fragment(*inner_args: Any, **inner_kwargs: Any) -> None:
        if not job.running and not job.collected:
            seen = st.session_state.setdefault(SEEN_KEY, set())
            if job.serial not in seen:
                seen.add(job.serial)
                st.rerun()
        render(*inner_args, **inner_kwargs)

    st.fragment(fragment, run_every=every if job.running else None)(*args, **kwargs)
