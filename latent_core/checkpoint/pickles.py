"""Files that must not be loaded because loading them runs code: pickles, torch.save archives and TorchScript.

Each is recognised by its first bytes and, for zips, by its member names; entries are files of
a folder or zip members (latent_core.io: name, size, head(), read(), and `path` for files).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..io.sniff import ZIP_HEADER, sniff

TORCHSCRIPT_REASON = "is a TorchScript program, which is executable code"
PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt")


def zip_names(entry) -> list[str]:
    """Member names when the entry is itself a zip (torch.save and TorchScript files are), else []."""
    if entry.head(4) != ZIP_HEADER:
        return []
    try:
        with zipfile.ZipFile(entry.path if hasattr(entry, "path") else io.BytesIO(entry.read())) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def is_torchscript(names: list[str]) -> bool:
    """Whether zip member names are a TorchScript archive's: code/ plus constants.pkl."""
    return any("/code/" in n for n in names) and any(n.endswith("constants.pkl") for n in names)


def describe_unsafe(entry) -> str | None:
    """Why a file must not be loaded, judged by its first bytes and members, or None when it looks harmless."""
    if sniff(entry.head(4)) == "pickle":
        return "is a pickle file, which can run code when loaded"
    names = zip_names(entry)
    if is_torchscript(names):
        return TORCHSCRIPT_REASON
    if any(n.endswith("data.pkl") for n in names):
        return "is a torch.save archive, which holds pickled code"
    if Path(entry.name).suffix.lower() in PICKLE_SUFFIXES:
        return "is a PyTorch/pickle file, which can run code when loaded"
    return None
