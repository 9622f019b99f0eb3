"""Waiting for something that happens in another thread or process, without a fixed sleep."""

from __future__ import annotations

import time


def until(condition, timeout: float = 120, every: float = 0.02) -> bool:
    """Whether `condition()` became true within `timeout` seconds, asking every `every` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
