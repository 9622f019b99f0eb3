"""Small helpers the benchmarks share: progress lines on stderr and latency summaries (p50, p95, max)."""

from __future__ import annotations

import statistics
import sys


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(values: list[float], digits: int | None = 1) -> dict:
    """p50, p95, max and n of latencies, rounded to `digits` (None: whole numbers); all None without values."""
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    return {
        "p50": round(statistics.median(values), digits),
        "p95": round(percentile(values, 0.95), digits),
        "max": round(max(values), digits),
        "n": len(values),
    }
