"""Where checkpoints are: the files at the top of a checkpoint folder or zip, and the shipped checkpoints in models/."""
from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

from ..io.archive import SafeZip
from ..io.files import file_entry
from ..limits import Limits
from .format import CONFIG_FILE

SHIPPED_DIR = Path(os.environ.get("LATENT_EXPLORER_MODELS", Path(__file__).resolve().parents[2] / "models"))


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
    if not SHIPPED_DIR.is_dir():
        return []
    return sorted(p.name for p in SHIPPED_DIR.iterdir() if (p / CONFIG_FILE).is_file())
