"""The one module that talks to a cluster engine: Dask's distributed scheduler today.

Everything else in latent_core.distributed calls `open_engine(config)` and `Engine.map`, so a Ray
backend would be one more class here with the same three methods (map, pids, close) and a branch
in `open_engine`; the pipeline, the CLI and the tests would not change.

Tasks are plain module-level functions and small picklable arguments (paths, row ranges); a
worker loads what it needs itself (see tasks.py), so no model or dataset travels in a task.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..errors import InvalidInputError

DEFAULT_RETRIES = 3


@dataclass(frozen=True)
class ClusterConfig:
    """Where tasks run. scheduler: an address such as 'tcp://host:8786', or None for a LocalCluster on this
    machine with `workers` processes (default: the CPU count, at most 4) of one thread each.
    retries: how often a task that failed with an error is run again (a task lost with its worker is always
    run again by the scheduler)."""

    scheduler: str | None = None
    workers: int | None = None
    retries: int = DEFAULT_RETRIES

    def validate(self) -> ClusterConfig:
        if self.scheduler is not None and "://" not in self.scheduler:
            raise InvalidInputError(
                f"Scheduler '{self.scheduler}' must be an address such as tcp://host:8786 (from `dask scheduler`)."
            )
        if self.workers is not None and not 1 <= self.workers <= 256:
            raise InvalidInputError(f"Workers {self.workers} is out of range; use 1 to 256.")
        if self.scheduler is not None and self.workers is not None:
            raise InvalidInputError(
                "Give --workers only for a cluster on this machine; a scheduler's workers are started with "
                "`dask worker`."
            )
        if not 0 <= self.retries <= 10:
            raise InvalidInputError(f"Retries {self.retries} is out of range; use 0 to 10.")
        return self

    @property
    def local_workers(self) -> int:
        return self.workers or max(1, min(4, os.cpu_count() or 1))


def one_thread() -> None:
    """Run on each worker as it starts: torch on one thread, so workers do not fight over the cores."""
    import torch

    torch.set_num_threads(1)


class DaskEngine:
    """A dask.distributed Client on a LocalCluster (processes, one thread each) or on a scheduler's address."""

    def __init__(self, config: ClusterConfig):
        from distributed import Client, LocalCluster

        self.config = config.validate()
        self.cluster = None
        try:
            if config.scheduler is None:
                self.cluster = LocalCluster(
                    n_workers=config.local_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    memory_limit=0,
                    silence_logs=40,
                )
                self.client = Client(self.cluster)
            else:
                self.client = Client(config.scheduler, timeout=30)
        except OSError as exc:
            self.close()
            raise InvalidInputError(f"Could not reach the Dask scheduler at {config.scheduler} ({exc}).") from None
        self.client.register_worker_callbacks(one_thread)

    def map(self, fn: Callable, tasks: Sequence, *args) -> Iterator[tuple[int, object]]:
        """(i, fn(tasks[i], *args)) for every task, in the order they finish. `args` are sent to every worker
        once (scattered), not with each task. Each task's result comes exactly once."""
        from distributed import as_completed

        shared = [self.client.scatter(a, broadcast=True) for a in args]
        futures = {
            self.client.submit(fn, task, *shared, pure=False, retries=self.config.retries): i
            for i, task in enumerate(tasks)
        }
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            self.client.cancel(list(futures))

    def pids(self) -> dict[str, int]:
        """Worker address -> process id (the tests kill one)."""
        return self.client.run(os.getpid)

    def close(self) -> None:
        if getattr(self, "client", None) is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


Engine = DaskEngine


def open_engine(config: ClusterConfig | None = None) -> Engine:
    """The engine for `config` (a LocalCluster by default); use it as a context manager."""
    return DaskEngine(config or ClusterConfig())
