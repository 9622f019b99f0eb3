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

Heavy work runs in worker processes (ui.workers): `in_worker(fn, *args, what=...)` is the work
that runs `fn` in the server's ProcessPool (`call_with_checkpoint` for work on a model, saved for the worker as a
checkpoint), whose size is settings().jobs ($LATENT_EXPLORER_JOBS);
jobs beyond it wait in line, and their progress says where. Each job has owners (the sessions that
asked for it): when the last one ends (ui.sessions), a job that is not `lasting` is cancelled.
One session may have at most MAX_WAITING jobs waiting for a worker; a further request fails at
once, in words.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

import latent_core
from latent_core.settings import settings

from .messages import explain
from .workers import JobCancelled, ProcessPool, WorkerDied

RUNNING, FINISHED, CANCELLED, FAILED = "running", "finished", "cancelled", "failed"
# How often a running job's progress fragment redraws. Each redraw is a script run in the server (about 11 ms of CPU
# for the training panel, whose loss chart is rebuilt): at 0.5 s two training sessions cost the server 60 ms of CPU
# a second, which a busy 2-core machine takes from map clicks (benchmarks/load_bench.py, README "Benchmarks").
POLL_S = 1.0
MAX_KEPT = 12  # ended jobs kept (finished results and unread failures), over all kinds
# How many jobs of each kind run at once in the server's threads. A job in a worker process holds a thread while it
# waits and runs, so the process pool's size (settings().jobs) is the real bound for those.
WORKERS = {"training": 16, "projection": 16, "scores": 16, "evaluation": 16}
MAX_WAITING = 3  # jobs one session may have waiting for a worker
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
        lasting: bool = False,
    ):
        self.kind, self.key, self.about = kind, key, about  # `about`: what the job does, for whoever shows it
        self.lasting = lasting  # goes on when its sessions end (its result is kept in the library)
        self.owners: set[str] = set()  # the sessions that asked for it (ui.sessions cancels it when they end)
        self.position: int | None = None  # its place in the worker queue while it waits (1: next)
        self._begun = False
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
        self._begun = True
        try:
            return work(self)
        except (latent_core.InvalidInputError, WorkerDied, JobCancelled):
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
    def waiting(self) -> bool:
        """True while the job waits for a thread or a worker process."""
        return not self.future.done() and (not self._begun or self.position is not None)

    @property
    def died(self) -> bool:
        """True when the job failed because its worker process ended."""
        return self.status == FAILED and isinstance(self.future.exception(), WorkerDied)

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
        if isinstance(exc, WorkerDied):
            return str(exc)
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

    def __init__(
        self,
        workers: Mapping[str, int] = WORKERS,
        keep: int = MAX_KEPT,
        processes: int | None = None,
        max_waiting: int = MAX_WAITING,
    ):
        self._pools = {kind: DaemonPool(n, f"latent-explorer-{kind}") for kind, n in workers.items()}
        self._keep, self._max_waiting = keep, max_waiting
        self._processes = processes  # the worker pool's size; None: settings().jobs
        self._process_pool: ProcessPool | None = None
        self._jobs: OrderedDict[Hashable, Job] = OrderedDict()  # least recently asked for first
        self._lock = threading.Lock()
        self.closed = False  # set by close()

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
        owner: str | None = None,
        lasting: bool = False,
    ) -> Job:
        """The job for `key`: the one running or kept, or a new one that runs `work(job)` in the `kind` pool.

        keep=False: the job leaves the store when it ends (its owner holds it). `failure` starts the
        message of an unexpected error; `message` is the progress text until the work reports.
        owner: the session asking (default: the current script's session, if any); lasting: the job
        goes on when its owners' sessions end. A session with MAX_WAITING jobs waiting gets a job
        that has already failed, saying so.
        """
        pool = self._pools.get(kind)
        if pool is None:
            raise ValueError(f"Unknown job kind {kind!r}; expected one of {sorted(self._pools)}.")
        owner = owner or current_session()
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                self._jobs.move_to_end(key)
                if owner is not None:
                    job.owners.add(owner)
                return job
            job = Job(kind, key, about=about, failure=failure, message=message, forget=self.forget, lasting=lasting)
            if owner is not None and self._waiting_for(owner) >= self._max_waiting:
                job.future.set_exception(latent_core.InvalidInputError(too_many(self._max_waiting)))
                return job  # not stored: asking again once a job has started tries again
            if owner is not None:
                job.owners.add(owner)
            self._jobs[key] = job
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

    def jobs(self) -> list[Job]:
        """Every running or kept job."""
        with self._lock:
            return list(self._jobs.values())

    def find_running(self, test: Callable[[Job], bool]) -> Job | None:
        """The first running job for which `test(job)` is true, or None."""
        with self._lock:
            return next((job for job in self._jobs.values() if job.running and test(job)), None)

    def _waiting_for(self, owner: str) -> int:
        return sum(owner in job.owners and job.waiting for job in self._jobs.values())

    def pool(self) -> ProcessPool:
        """The worker processes (started on first use)."""
        with self._lock:
            return self._pool_held()

    def _pool_held(self) -> ProcessPool:
        """pool(), with self._lock held."""
        if self._process_pool is None:
            self._process_pool = ProcessPool(self._processes or settings().jobs)
        return self._process_pool

    def start_worker_ahead(self) -> bool:
        """Start a worker process before the first job (ProcessPool.start_ahead); nothing once the runner is
        closed. Returns True when it started one."""
        with self._lock:  # not after close() has taken the pool: a new pool would then outlive the server's end
            if self.closed:
                return False
            pool = self._pool_held()
        return pool.start_ahead()

    def in_worker(self, fn: Callable[..., Any], *args: Any, what: str = "job") -> Callable[[Job], Any]:
        """The work that runs `fn(*args, job)` in a worker process (`fn` must be importable: ui.workers)."""
        return lambda job: self.pool().call(fn, args, job, what=what)

    def release(self, session: str) -> list[Job]:
        """A session has ended: it no longer owns any job; running jobs left with no owner and not lasting are
        cancelled. Returns the jobs cancelled."""
        with self._lock:
            orphans = []
            for job in self._jobs.values():
                if session in job.owners:
                    job.owners.discard(session)
                    if not job.owners and job.running and not job.lasting:
                        orphans.append(job)
        for job in orphans:
            job.cancel()
        return orphans

    def close(self, wait_s: float = 1.0) -> None:
        """The server is stopping: cancel every running job, stop the worker processes, and give the jobs' threads
        up to `wait_s` seconds to end (so that nothing writes into the jobs' folder after it is removed)."""
        self.closed = True
        with self._lock:
            running = [job for job in self._jobs.values() if job.running]
            pool, self._process_pool = self._process_pool, None
        for job in running:
            job.cancel()
        if pool is not None:
            pool.close()
        wait([job.future for job in running], timeout=wait_s)

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


def current_session() -> str | None:
    """The id of the session whose script runs in this thread, or None outside a script run."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.session_id


def jobs_folder() -> Path:
    """Where this server's jobs exchange checkpoints with their workers, made on use; removed at shutdown."""
    folder = settings().uploads_dir / f"jobs-{os.getpid()}"
    if not runner.closed:  # once the server's runner is closed (the server stops), nothing makes it again
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def call_with_checkpoint(fn: Callable[..., Any], model: latent_core.LatentModel, args: tuple, job: Job, what: str):
    """`fn(checkpoint, *args, job)` in a worker process, the model saved for it as a safetensors checkpoint in
    jobs_folder() (removed once the call returns)."""
    with tempfile.TemporaryDirectory(prefix="model-", dir=jobs_folder()) as folder:
        checkpoint = str(model.save(Path(folder) / "model"))
        return runner.pool().call(fn, (checkpoint, *args), job, what=what)


def too_many(limit: int) -> str:
    return (
        f"This session already has {limit} jobs waiting for a worker; "
        "wait for one to start or cancel one, then ask again."
    )


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
