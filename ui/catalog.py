"""What a session can choose from: built-in datasets, shipped and saved models, uploads,
and the ones set by environment.

Every choice has a short `key` that is safe to put in a URL; a key never names an arbitrary
server path, so a shared link can only pick what this server (or this session) already offers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import latent_core
from latent_core.settings import settings

DEFAULT_DATASET = "digits"


@dataclass(frozen=True)
class Option:
    """One selectable dataset or model: `source` is what latent_core loads (a name or a path).

    Uploaded datasets also say how to read the file: `loader` is 'images' (load_dataset_with_report)
    or 'embeddings' (load_embeddings_with_report), and `settings` holds the loader's keyword arguments as pairs.
    """

    key: str
    label: str
    source: str
    loader: str = ""
    settings: tuple = ()


def local_key(path: Path) -> str:
    """'local-<folder name>' with URL-safe characters."""
    return "local-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(path).name).strip("-") or "data")


def next_key(options: dict[str, Option], prefix: str) -> str:
    """The next unused session key of a kind: 'run-3', 'upload-1', 'checkpoint-2'."""
    return f"{prefix}-{1 + sum(key.startswith(prefix + '-') for key in options)}"


def dataset_options(uploaded: dict[str, Option] | None = None) -> list[Option]:
    """Built-in datasets, the folder or file named by $LATENT_EXPLORER_DATASET, and this session's uploads."""
    options = [Option(name, name, name) for name in latent_core.builtin_names()]
    path = settings().start_dataset
    if path:
        options.insert(0, Option(local_key(path), f"{path.name} (local files)", str(path)))
    return options + list((uploaded or {}).values())


def default_dataset_key() -> str:
    path = settings().start_dataset
    return local_key(path) if path else DEFAULT_DATASET


def model_options(saved: dict[str, Option]) -> list[Option]:
    """Shipped models, the checkpoint named by $LATENT_EXPLORER_MODEL, and this session's saved models."""
    options = [Option(name, f"{name} (shipped)", name) for name in latent_core.shipped_models()]
    path = settings().start_model
    if path:
        options.insert(0, Option(local_key(path), f"{path.name} (local checkpoint)", str(path)))
    return options + list(saved.values())


def default_model_key() -> str | None:
    """The model to start with: the environment's, else the shipped one named like the default dataset."""
    path = settings().start_model
    if path:
        return local_key(path)
    shipped = latent_core.shipped_models()
    return DEFAULT_DATASET if DEFAULT_DATASET in shipped else (shipped[0] if shipped else None)


def find(options: list[Option], key: str | None) -> Option | None:
    return next((o for o in options if o.key == key), None)
