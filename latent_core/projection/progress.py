"""Progress reports and cancellation for long projections, including umap-learn's epoch loop."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

ProgressCallback = Callable[[float, str], None]
REPORT_INTERVAL_S = 0.25


class ProjectionCancelled(Exception):
    """Raised inside `fit_projection` when its `should_stop()` returned True; nothing is cached."""


class Progress:
    """Throttled `on_progress(fraction, message)` plus `should_stop()` polling.

    `update` maps a stage-local fraction into [start, end] of the whole fit, reports at most
    every REPORT_INTERVAL_S (always on `force`), and raises ProjectionCancelled when asked to stop.
    """

    def __init__(self, on_progress: ProgressCallback | None = None, should_stop: Callable[[], bool] | None = None):
        self.on_progress = on_progress
        self.should_stop = should_stop
        self.start, self.end, self.message = 0.0, 1.0, ""
        self.last_report = -float("inf")

    def stage(self, start: float, end: float, message: str) -> None:
        """Enter the part of the fit that spans [start, end] of the total; reports its start."""
        self.start, self.end, self.message = start, end, message
        self.update(0.0, force=True)

    def update(self, fraction: float, force: bool = False) -> None:
        if self.should_stop is not None and self.should_stop():
            raise ProjectionCancelled(f"Projection cancelled during: {self.message}.")
        now = time.perf_counter()
        if self.on_progress is not None and (force or now - self.last_report >= REPORT_INTERVAL_S):
            clipped = min(max(fraction, 0.0), 1.0)
            self.on_progress(self.start + (self.end - self.start) * clipped, self.message)
            self.last_report = now

    def done(self, message: str = "done") -> None:
        self.start, self.end, self.message = 1.0, 1.0, message
        if self.on_progress is not None:
            self.on_progress(1.0, message)


class TqdmSink:
    """A file for tqdm: umap-learn draws its epoch bar with bar_format '{n}/{total}' into it.

    The first bar (drawn when the epoch loop starts) enters the stage [start, end]; each bar
    after it becomes a Progress.update, so cancelling raises out of umap's epoch loop
    (ProjectionCancelled is neither OSError nor ValueError, which tqdm would swallow).
    """

    PATTERN = re.compile(r"(\d+)/(\d+)")

    def __init__(self, progress: Progress, start: float, end: float, message: str):
        self.progress = progress
        self.stage = (start, end, message)

    def tqdm_kwds(self) -> dict:
        return {
            "file": self,
            "bar_format": "{n}/{total}",
            "disable": False,
            "mininterval": REPORT_INTERVAL_S,
            "miniters": 1,
        }

    def write(self, text: str) -> int:
        if self.stage is not None:
            self.progress.stage(*self.stage)
            self.stage = None
        match = self.PATTERN.search(text)
        if match and int(match.group(2)) > 0:
            self.progress.update(int(match.group(1)) / int(match.group(2)))
        return len(text)

    def flush(self) -> None:
        pass
