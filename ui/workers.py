"""Worker processes for the heavy jobs (training, large projections, anomaly scores), and the work they run.

`ProcessPool(size)` keeps up to `size` worker processes, started with the `spawn` method on first
use and kept for later jobs. `pool.call(fn, args, job)` runs `fn(*args, proxy)` in an idle worker
(the proxy has the Job's `report` and `should_stop`), waiting in a first-come queue while all are
busy: the waiting job's progress says its place ("Waiting: 2nd in line"). Progress and the
result come back over the worker's pipe; a cancel sets the worker's stop Event, which the work
polls. A worker that dies is replaced, and its job fails with WorkerDied ("… stopped
unexpectedly (killed by signal 9)"). `close()` stops every worker within STOP_GRACE_S + TERM_WAIT_S.

Why not ProcessPoolExecutor: it cannot stop one running call, does not tell which call a dead
worker ran nor how it died, and marks the whole pool broken (failing every running job) when one
worker dies. Why spawn and not fork: the server is threaded and holds torch; a forked child gets
locks held by other threads and torch's thread pools in an undefined state.

This module never imports streamlit (the workers import it), and imports torch and latent_core
only in the worker, after it has set its thread counts.
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STOP_GRACE_S = 0.1  # how long close() waits for workers to leave by themselves before terminating them
TERM_WAIT_S = 0.3  # how long a terminated worker has before SIGKILL
REPORT_EVERY_S = 0.1  # a worker sends progress at most this often (the last report always)
READ_S = 0.1  # how often a waiting call looks at its job's cancel flag
# Workers run at a lower CPU priority (nice) than the server: when the cores are busy, a click's script run gets the
# CPU before a training's next batch. An idle machine gives the workers every spare cycle all the same.
WORKER_NICE = 10


class WorkerDied(RuntimeError):
    """A worker process ended while it ran a job (killed, out of memory, crashed)."""


class JobCancelled(RuntimeError):
    """Raised by `call` for a job cancelled while it waited for a worker, or stopped by close()."""


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def waiting_text(position: int) -> str:
    """What a queued job shows: "Waiting: 2nd in line" (position 1 is next)."""
    return f"Waiting: {ordinal(position)} in line"


def how_it_ended(exitcode: int | None) -> str:
    if exitcode is None:
        return "no exit status"
    if exitcode < 0:
        return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Torch/numba threads for each of `workers` processes, so that together they leave one core to the server."""
    cores = cores or os.cpu_count() or 1
    return max(1, (cores - 1) // max(1, workers))


# ---- the worker process ---------------------------------------------------------------------------------------


class _Proxy:
    """The Job as the work sees it inside a worker: report() goes back over the pipe, should_stop() reads the Event."""

    def __init__(self, conn, stop, parent: int):
        self._conn, self._stop, self._parent = conn, stop, parent
        self._last, self._pending = 0.0, None

    def report(self, fraction: float, message: str = "", payload: Any = None) -> None:
        self._pending = ("progress", float(fraction), message, payload)
        if time.monotonic() - self._last >= REPORT_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if self._pending is not None:
            self._conn.send(self._pending)
            self._pending, self._last = None, time.monotonic()

    def should_stop(self) -> bool:
        return self._stop.is_set() or os.getppid() != self._parent  # the server is gone: stop too


def worker_main(conn, stop, threads: int) -> None:
    """A worker's loop: set thread counts, import the engine and lower its priority (WORKER_NICE) once, then run
    (fn, args) calls from the pipe until it closes.

    When the pipe closes (the server stops or ends the pool) the worker leaves at once with os._exit: it holds
    nothing to save, and the interpreter's teardown of torch and numba would take most of a second.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole group; the server stops its workers
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[name] = str(threads)
    import torch

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(threads)
    import latent_core  # noqa: F401 - imported at full priority, so that a busy machine does not starve the start

    os.nice(WORKER_NICE)
    parent = os.getppid()
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            leave()
        proxy = _Proxy(conn, stop, parent)
        try:
            try:
                result = fn(*args, proxy)
            except BaseException as exc:  # noqa: BLE001 - the parent's Job carries it
                proxy.flush()
                conn.send(("error", portable(exc)))
            else:
                proxy.flush()
                conn.send(("result", result))
        except OSError:  # the server closed the pipe while the work ran: nobody waits for its outcome
            leave()


def leave() -> None:
    """End this worker process now (flushing its output), without the interpreter's slow teardown."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def portable(exc: BaseException) -> tuple:
    """An exception as the parent can rebuild it: (type name, message, hint, the exception if it pickles)."""
    import pickle

    try:
        pickle.dumps(exc)
        whole = exc
    except Exception:  # noqa: BLE001 - any unpicklable exception is sent as words
        whole = None
    return type(exc).__name__, str(exc), getattr(exc, "hint", None), whole


def rebuild(sent: tuple) -> BaseException:
    name, message, hint, whole = sent
    import latent_core

    if name == "InvalidInputError":
        return latent_core.InvalidInputError(message, hint)
    return whole if isinstance(whole, BaseException) else RuntimeError(f"{name}: {message}")


# ---- the parent's side ----------------------------------------------------------------------------------------


_main_lock = threading.Lock()


def start_without_main(process) -> None:
    """Start a spawn `process` without this process's __main__ module.

    spawn runs the parent's __main__ again in the child (as __mp_main__) when it names a file, and in the server
    __main__ is Streamlit's module for app.py: every worker would run the whole app once as it starts (seconds of
    CPU, a "missing ScriptRunContext" warning per st call, the app's side effects). The workers' code is in
    importable modules, so they need no __main__: while the process starts, __main__ is an empty module.
    """
    with _main_lock:
        main = sys.modules["__main__"]
        empty = types.ModuleType("__main__")  # no __file__ and no __spec__: spawn leaves the child's __main__ alone
        sys.modules["__main__"] = empty
        try:
            process.start()
        finally:
            if sys.modules.get("__main__") is empty:  # unless a script run has set its own meanwhile
                sys.modules["__main__"] = main


class _Worker:
    def __init__(self, context, threads: int, name: str):
        self.stop = context.Event()
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, self.stop, threads), name=name, daemon=True)
        start_without_main(self.process)
        child.close()

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def end(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL) and wait for it."""
        end_all([self])


def end_all(workers: list[_Worker], grace_s: float = 0.0) -> None:
    """Give `workers` up to `grace_s` seconds to exit by themselves, then SIGTERM all that are left at once and,
    after up to TERM_WAIT_S, SIGKILL them; waits for every one. The waits overlap: at most about grace_s + TERM_WAIT_S
    in all, however many workers there are."""
    for worker in workers:  # a worker runs niced (WORKER_NICE): give it back its priority to end quickly, if allowed
        try:
            os.setpriority(os.PRIO_PROCESS, worker.process.pid, os.getpriority(os.PRIO_PROCESS, 0))
        except OSError:  # not permitted (no CAP_SYS_NICE), or already gone
            pass
    deadline = time.monotonic() + grace_s
    for worker in workers:
        worker.process.join(max(0.0, deadline - time.monotonic()))
    left = [worker for worker in workers if worker.process.is_alive()]
    for worker in left:
        worker.process.terminate()
    deadline = time.monotonic() + TERM_WAIT_S
    for worker in left:
        worker.process.join(max(0.0, deadline - time.monotonic()))
    for worker in left:
        if worker.process.is_alive():
            worker.process.kill()
    for worker in workers:
        worker.process.join(1)
        worker.conn.close()


class ProcessPool:
    """Up to `size` spawn workers running one call each; more calls wait their turn, first come first served."""

    def __init__(self, size: int, threads: int | None = None, name: str = "latent-explorer-worker"):
        if size < 1:
            raise ValueError("A pool needs at least one worker.")
        self.size, self.name = size, name
        self.threads = threads or threads_per_worker(size)
        self._context = multiprocessing.get_context("spawn")
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: dict[_Worker, Any] = {}  # worker -> the job it runs
        self._queue: list[Any] = []  # jobs waiting for a worker, first submitted (lowest Job.serial) first
        self._starting = 0  # workers start_ahead is starting, outside the lock
        self._closed = False

    def pids(self) -> list[int]:
        """The process ids of the live workers (idle and busy)."""
        with self._cond:
            return [w.process.pid for w in [*self._idle, *self._busy] if w.alive]

    def pid_of(self, job) -> int | None:
        """The pid of the worker running `job`, or None."""
        with self._cond:
            return next((w.process.pid for w, running in self._busy.items() if running is job), None)

    def waiting(self) -> list:
        """The jobs waiting for a worker, next first."""
        with self._cond:
            return list(self._queue)

    def start_ahead(self) -> bool:
        """Start one idle worker before any job asks for it, so that the first job does not wait for a new process
        to import torch and the engine (1.7 s on a quiet machine). It imports at the server's priority, as a worker
        started for a job does: at the workers' lower one, a busy machine starved it and the first job with it.
        Nothing when the pool has a worker already or is closed; returns True when it started one. The process is
        started outside the pool's lock, and a job that comes meanwhile waits for it (`_starting`) rather than
        starting a second."""
        with self._cond:
            if self._closed or self._idle or self._busy or self._starting:
                return False
            self._starting += 1
        worker = None
        try:
            worker = _Worker(self._context, self.threads, self.name)
        finally:
            with self._cond:
                self._starting -= 1
                kept = worker is not None and not self._closed
                if kept:
                    self._idle.append(worker)
                self._cond.notify_all()
        if not kept and worker is not None:  # close() came meanwhile
            worker.end()
        return kept

    def call(self, fn: Callable[..., Any], args: tuple, job, what: str = "job") -> Any:
        """`fn(*args, proxy)` in a worker, for `job` (a ui.jobs.Job): blocks until it returns and returns its result.

        Raises what the work raised, JobCancelled when the job was cancelled before a worker took it,
        or WorkerDied when the worker process ended during the call (`what` names it in the message).
        """
        worker = self._take(job)
        try:
            return self._run(worker, fn, args, job, what)
        finally:
            with self._cond:
                self._busy.pop(worker, None)
                if not self._closed:  # once closed, close() stops every worker after its grace
                    if worker.alive:
                        self._idle.append(worker)
                    else:
                        worker.end()
                self._cond.notify_all()

    def _take(self, job) -> _Worker:
        with self._cond:
            bisect.insort(self._queue, job, key=lambda queued: queued.serial)  # in the order they were submitted
            shown = None
            try:
                while True:
                    if self._closed or job.should_stop():
                        raise JobCancelled("Cancelled before it started.")
                    position = self._queue.index(job) + 1
                    if position == 1 and (self._idle or len(self._busy) + self._starting < self.size):
                        break
                    if position != shown:
                        job.position = position
                        job.report(0.0, waiting_text(position))
                        shown = position
                    self._cond.wait(READ_S)
            finally:
                self._queue.remove(job)
                job.position = None
                self._cond.notify_all()
            while self._idle and not self._idle[-1].alive:
                self._idle.pop().end()
            worker = self._idle.pop() if self._idle else None
            if worker is None:
                worker = _Worker(self._context, self.threads, self.name)
            self._busy[worker] = job
            return worker

    def _run(self, worker: _Worker, fn, args: tuple, job, what: str) -> Any:
        worker.stop.clear()
        try:
            worker.conn.send((fn, args))
        except (OSError, ValueError) as exc:
            raise WorkerDied(f"The {what} worker could not take the job ({exc}).") from exc
        while True:
            if self._closed:
                raise JobCancelled("The server is stopping.")
            if job.should_stop():
                worker.stop.set()
            try:
                ready = worker.conn.poll(READ_S)
                message = worker.conn.recv() if ready else None
            except (EOFError, OSError):
                if self._closed:  # close() closed the pipe
                    raise JobCancelled("The server is stopping.") from None
                message = None
                worker.process.join(1)
            if message is None:
                if worker.alive:
                    continue
                raise WorkerDied(f"The {what} worker stopped unexpectedly ({how_it_ended(worker.process.exitcode)}).")
            if message[0] == "progress":
                job.report(*message[1:])
            elif message[0] == "result":
                return message[1]
            else:
                raise rebuild(message[1])

    def close(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop every worker: set the busy ones' stop flags and close every pipe (a worker leaves as soon as it
        sees its pipe closed), wait up to `grace_s` for them together, then terminate the rest at once."""
        with self._cond:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.stop.set()
            try:
                worker.conn.close()  # an idle worker's recv() ends, and a busy one's next send fails: it leaves
            except OSError:
                pass
        end_all(workers, grace_s)


# ---- the work that runs in a worker (each takes the job proxy last) -------------------------------------------


def clock(seconds: float) -> str:
    import math

    if not math.isfinite(seconds):
        return "estimating…"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def progress_text(p) -> str:
    """A TrainingProgress in words: epoch, fraction, ETA, speed and loss; "Starting…" before the first report.
    A GAN's (GANProgress) names both losses, and its inversion phase says that the encoder is training."""
    if p is None:
        return "Starting…"
    if getattr(p, "phase", None) == "inversion":
        return (
            f"Training the inversion encoder · step {p.step}/{p.steps_per_epoch} · ETA {clock(p.eta_s)} · "
            f"pixel MSE {p.losses.get('recon_mse', float('nan')):.4f}"
        )
    if "d_loss" in p.losses:
        losses = f"D loss {p.losses['d_loss']:.2f} · G loss {p.losses.get('g_loss', float('nan')):.2f}"
    else:
        losses = f"loss {p.losses.get('loss', float('nan')):.2f}"
    return (
        f"Epoch {p.epoch}/{p.epochs} · {p.fraction:.0%} · ETA {clock(p.eta_s)} · "
        f"{p.images_per_s:,.0f} images/s · {losses}"
    )


@dataclass(frozen=True)
class Curve:
    """What a training job reports besides fraction and text: the latest TrainingProgress (a GAN's GANProgress
    carries its sample grid) and the loss so far."""

    progress: Any = None  # latent_core.TrainingProgress
    points: tuple[tuple[float, float], ...] = ()  # (epochs done, running training loss)
    gan_points: tuple[tuple[float, float, float], ...] = ()  # a GAN's (epochs done, running D loss, running G loss)


def train_checkpoint(dataset, settings: dict, folder: str, job) -> str:
    """Train on an ImageDataset (uint8 (N, H, W, C)) with TrainConfig field values, then evaluate the model on the
    dataset's held-out images (ui.evaluation_work; its figures go into metrics.json); save it as a safetensors
    checkpoint in `folder` and return its path. Reports progress text and a Curve.

    Once cancelled it is not evaluated, and the model saved is the best so far (config 'stopped_early' and
    'best_epoch'), for the caller to keep or drop. A model that cannot be evaluated is saved without figures."""
    import latent_core

    from .evaluation_work import evaluate_model

    points: list[tuple[float, float]] = []
    gan_points: list[tuple[float, float, float]] = []
    latest = None

    def report(progress) -> None:
        nonlocal latest
        x, losses = progress.fraction * progress.epochs, progress.losses
        if "d_loss" in losses:
            gan_points.append((x, float(losses["d_loss"]), float(losses.get("g_loss", float("nan")))))
        elif getattr(progress, "phase", None) != "inversion":
            points.append((x, float(losses.get("loss", float("nan")))))
        latest = progress
        job.report(progress.fraction, progress_text(progress), Curve(progress, tuple(points), tuple(gan_points)))

    model = latent_core.train_model(dataset, **settings, on_progress=report, should_stop=job.should_stop)
    if not job.should_stop():
        # the panel keeps the loss curves while the figures are measured
        evaluated = Curve(latest, tuple(points), tuple(gan_points))
        try:
            model.metrics = evaluate_model(
                model, dataset, lambda fraction, text: job.report(fraction, text, evaluated), job.should_stop
            )
        except (latent_core.InvalidInputError, latent_core.EvaluationCancelled):
            model.metrics = None
    return str(model.save(folder))


def fit_map(codes, method: str, dims: int, settings: dict, job):
    """fit_projection of (N, D) codes to (N, dims) with the method's `settings` (ProjectionConfig fields), cached on
    disk; raises ProjectionCancelled once stopped."""
    from latent_core.projection import fit_projection

    return fit_projection(
        codes,
        method=method,
        dims=dims,
        seed=0,
        on_progress=job.report,
        should_stop=job.should_stop,
        cache=True,
        **settings,
    )


def score_images(model, dataset, job):
    """Anomaly scores, float32 (N,), read-only, of an ImageDataset under a LatentModel or a checkpoint folder."""
    import numpy as np

    import latent_core
    from latent_core.analysis import anomaly_scores

    if isinstance(model, str):
        model = latent_core.load_model(model)
    result = np.asarray(anomaly_scores(model, dataset), dtype=np.float32)
    result.setflags(write=False)
    return result
