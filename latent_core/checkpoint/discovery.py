"""Where checkpoints are: the files at the top of a checkpoint folder or zip, and the shipped checkpoints in models/."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from ..io.archive import SafeZip
from ..io.files import file_entry
from ..limits import Limits
from ..settings import settings
from .format import CONFIG_FILE


def shipped_dir() -> Path:
    """The folder of shipped checkpoints: $LATENT_EXPLORER_MODELS, else the repository's models/ (see Settings)."""
    return settings().models_dir


def checkpoint_files(path: Path, stack: ExitStack, limits: Limits) -> dict:
    """name -> entry for the files at the top of a checkpoint folder, or of a zip (below one shared folder, if any).

    A zip stays open until `stack` closes, so its entries can be read until then.
    """
    if path.is_dir():
        return {p.name: file_entry(p, limits) for p in sorted(path.iterdir()) if p.is_file() and not p.is_symlink()}
    archive = stack.enter_context(SafeZip(path, limits))
    entries = archive.entries
    if entries and all(len(e.parts) > 1 for e in entries) and len({e.parts[0] for e in entries}) == 1:
        return {e.parts[1]: e for e in entries if len(e.parts) == 2}
    return {e.parts[0]: e for e in entries if len(e.parts) == 1}


def shipped_models() -> list[str]:
    """Names of the pretrained checkpoints in models/."""
    folder = shipped_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / CONFIG_FILE).is_file())
