"""What the app's download buttons would send, captured in AppTest: file name -> a callable giving the bytes.

AppTest's runtime keeps the files in memory and drops them after the run, so the tests watch the media file
manager instead: eager buttons (bytes given) and deferred ones (a callable run on click) alike.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager


def as_bytes(data) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, io.IOBase):
        return as_bytes(data.read())
    return bytes(data)


def capture_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], bytes]]:
    """From now on, every download button's file name maps to a callable returning its bytes (latest run wins)."""
    made: dict[str, Callable[[], bytes]] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def eager(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if is_for_static_download:
            made[file_name] = lambda: as_bytes(path_or_data)
        return add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    def deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = lambda: as_bytes(data_callable())
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", eager)
    monkeypatch.setattr(MediaFileManager, "add_deferred", deferred)
    return made
