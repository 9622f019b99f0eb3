"""Work for the worker-process tests (tests/app/test_workers.py): importable by a spawned worker, no streamlit."""

from __future__ import annotations

import os
import time


def echo(value, job):
    """Report twice, then return `value` with the worker's pid."""
    job.report(0.5, "half way", {"value": value})
    job.report(1.0, "done")
    return value, os.getpid()


def stamp(job):
    """When this call ran (the worker's monotonic clock is shared with the parent's on Linux), after 0.3 s."""
    start = time.monotonic()
    time.sleep(0.3)
    return start


def until_stopped(job):
    """Report, then loop until asked to stop; returns 'stopped' (a partial result the job must not hand over)."""
    job.report(0.1, "looping")
    deadline = time.monotonic() + 60
    while not job.should_stop() and time.monotonic() < deadline:
        time.sleep(0.02)
    return "stopped"


def fail(job):
    raise ValueError("broken on purpose")


def ignores_stop(job):
    """Report, then sleep 60 s without ever looking at the stop flag (work that cannot be interrupted)."""
    job.report(0.1, "deaf")
    time.sleep(60)
    return "too late"
