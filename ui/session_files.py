"""One session's files: its private folder for uploads in transit, and which upload each uploader handled last.

An uploaded file is written into the session's SessionFolder (made under settings().uploads_dir,
$LATENT_EXPLORER_UPLOADS, on first use, and removed by ui.sessions when the session ends or the server stops:
`remove_folders(session)`; being collected removes it too, but nothing waits for that),
read from there, and deleted once what it holds is kept in the library (ui.uploads). Streamlit reruns
the page on every interaction while the uploader still holds its file, so each file (by its file_id)
is written once while it is needed, and each uploader's choice (files plus settings) is acted on once.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import latent_core
from latent_core.settings import settings


class SessionFolder:
    """A private folder for one session, with `uploads` inside; removed by cleanup(),
    on leaving a `with` block, or when collected. `root` defaults to settings().uploads_dir."""

    def __init__(self, root=None):
        root = Path(root or settings().uploads_dir)
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = Path(tempfile.mkdtemp(prefix="session-", dir=root))
        self._remove = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)
        self.uploads = self.path / "uploads"
        self.uploads.mkdir(mode=0o700)

    def save(self, name: str, data, limits: latent_core.Limits | None = None) -> Path:
        """Write an upload (bytes or a binary file object) into uploads/ under a safe, unused name; returns its path."""
        return latent_core.save_upload(name, data, self.uploads, limits)

    def cleanup(self) -> None:
        self._remove()

    def __enter__(self) -> SessionFolder:
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()


_folders: dict[str | None, list[weakref.finalize]] = {}  # session id -> the removal of each folder made for it
_lock = threading.Lock()


def remove_folders(session: str | None = None, every: bool = False) -> int:
    """Remove the folders made for `session` (every session's with every=True); returns how many."""
    with _lock:
        chosen = [k for k in _folders if every or k == session]
        removals = [remove for k in chosen for remove in _folders.pop(k)]
    for remove in removals:
        remove()  # a no-op for a folder already removed
    return len(removals)


def sessions_with_folders() -> set[str | None]:
    with _lock:
        return set(_folders)


@dataclass
class SessionFiles:
    saved: dict[str, Path] = field(default_factory=dict)
    last: dict[str, str | None] = field(default_factory=dict)
    became: dict[str, str] = field(default_factory=dict)  # choice key -> the dataset option it was loaded as
    _folder: SessionFolder | None = field(default=None, repr=False)

    @property
    def folder(self) -> SessionFolder:
        """This session's folder, made on first use."""
        if self._folder is None:
            from .jobs import current_session  # jobs imports streamlit; this module's folder classes need not

            self._folder = SessionFolder()
            with _lock:
                _folders.setdefault(current_session(), []).append(self._folder._remove)
        return self._folder

    def save(self, uploaded) -> Path:
        """Write an st.file_uploader file into the session's uploads, once per file_id; returns its path."""
        if uploaded.file_id not in self.saved:
            uploaded.seek(0)
            self.saved[uploaded.file_id] = self.folder.save(uploaded.name, uploaded)
        return self.saved[uploaded.file_id]

    def discard(self, uploaded) -> None:
        """Delete the session's copy of an uploaded file (its content is kept elsewhere now); saving it again
        writes a new copy."""
        path = self.saved.pop(uploaded.file_id, None) if uploaded is not None else None
        if path is not None:
            path.unlink(missing_ok=True)

    def is_new(self, slot: str, key: str | None) -> bool:
        """True the first time `slot` (an uploader) shows `key`; remembers it, so later reruns get False."""
        if self.last.get(slot) == key:
            return False
        self.last[slot] = key
        return key is not None
