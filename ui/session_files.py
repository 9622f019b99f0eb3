"""SessionFiles: where one session's uploads are written, and which upload each uploader handled last.

Files go only into a latent_core.SessionFolder (under $LATENT_EXPLORER_UPLOADS), made on the
first upload and removed when the Workspace that owns it is collected. Streamlit reruns the
page on every interaction while the uploader still holds its file, so each file (by its
file_id) is written once, and each uploader's choice (files plus settings) is acted on once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import latent_core


@dataclass
class SessionFiles:
    folder: latent_core.SessionFolder | None = None
    saved: dict[str, Path] = field(default_factory=dict)
    last: dict[str, str | None] = field(default_factory=dict)
    became: dict[str, str] = field(default_factory=dict)  # choice key -> the dataset option it was loaded as
    reports: dict[str, latent_core.LoadReport] = field(default_factory=dict)  # dataset option key -> how it was read

    def save(self, uploaded) -> Path:
        """Write an st.file_uploader file into the session folder, once per file_id; returns its path."""
        if uploaded.file_id not in self.saved:
            if self.folder is None:
                self.folder = latent_core.SessionFolder()
            uploaded.seek(0)
            self.saved[uploaded.file_id] = self.folder.save(uploaded.name, uploaded)
        return self.saved[uploaded.file_id]

    def is_new(self, slot: str, key: str | None) -> bool:
        """True the first time `slot` (an uploader) shows `key`; remembers it, so later reruns get False."""
        if self.last.get(slot) == key:
            return False
        self.last[slot] = key
        return key is not None

