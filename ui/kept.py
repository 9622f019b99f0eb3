"""Kept: a small, thread-safe store of the few most recently used results of a kind (atlases, density layers), held
in the server's memory and shared by the sessions; the least recently used goes first. `kept_or_made` fills one from
background jobs."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import streamlit as st

from . import jobs
from .jobs import FAILED, Job
from .messages import MESSAGE_LIMIT, plain


class Kept:
    """At most `limit` values by key."""

    def __init__(self, limit: int):
        self.limit = limit
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, key: Hashable, value: Any = None) -> Any:
        """The value under `key` (storing `value` there first when given), or None; either way it is now the most
        recently used."""
        with self._lock:
            if value is not None:
                self._values[key] = value
                while len(self._values) > self.limit:
                    self._values.popitem(last=False)
            if key in self._values:
                self._values.move_to_end(key)
            return self._values.get(key)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def kept_or_made(kept: Kept, key: Hashable, work: Callable[[Job], Any], failure: str, unavailable: str):
    """(the result, None) kept under `key`, or made by `work(job)` in a background job (on the runner's queue for
    projections); (None, the job) while it runs; (None, None) when it failed (a caption says "`unavailable`: why",
    and a later run tries again) or was cancelled (its session ended)."""
    result = kept(key)
    if result is not None:
        return result, None
    job = jobs.runner.submit("projection", key, work, failure=failure)
    if job.running:
        return None, job
    if job.status == FAILED:  # the page works without it: say why once
        st.caption(f"{unavailable}: {plain(job.error, MESSAGE_LIMIT)}")
        job.forget()
        return None, None
    result = kept(key, job.result())
    job.forget()  # kept above: its place among the jobs' kept results goes back to other work
    return result, None
