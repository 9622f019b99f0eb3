"""What a session can choose from: built-in datasets, shipped models, the ones set by environment,
and the workspace's own datasets and models kept in the library (uploads, trained runs).

Every choice has a short `key` that is safe to put in a URL; a key never names an arbitrary
server path, so a shared link can only pick what this server (or this workspace) already offers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import latent_core
from latent_core.settings import settings

DEFAULT_DATASET = "digits"
LIBRARY = "library"  # Option.loader of a workspace's saved dataset or model
LIBRARY_KEYS = ("data-", "run-", "checkpoint-")  # how the keys of a workspace's saved datasets and models start


@dataclass(frozen=True)
class Option:
    """One selectable dataset or model: `source` is what latent_core loads (a name or a path).

    A workspace's own dataset or model has `loader` LIBRARY: `source` is then its content hash and
    `token` the workspace that holds it (the library loads it by token and key).
    """

    key: str
    label: str
    source: str
    loader: str = ""
    token: str = ""


def local_key(path: Path) -> str:
    """'local-<folder name>' with URL-safe characters."""
    return "local-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(path).name).strip("-") or "data")


def dataset_option(token: str, record: latent_core.DatasetRecord) -> Option:
    """A workspace's saved dataset (an upload), keyed 'data-<n>'."""
    return Option(record.key, f"{record.name} (uploaded)", record.content_hash, LIBRARY, token)


def model_option(token: str, record: latent_core.ModelRecord) -> Option:
    """A workspace's saved model: 'run <n>: <name>' for a trained run, '<name> (uploaded)' for an uploaded one."""
    if record.source == "uploaded":
        label = f"{record.name} (uploaded)"
    else:
        label = f"run {record.key.removeprefix('run-')}: {record.name}"
    return Option(record.key, label, record.content_hash, LIBRARY, token)


def dataset_options(uploaded: dict[str, Option] | None = None) -> list[Option]:
    """Built-in datasets, the folder or file named by $LATENT_EXPLORER_DATASET, and the workspace's uploads."""
    options = [Option(name, name, name) for name in latent_core.builtin_names()]
    path = settings().start_dataset
    if path:
        options.insert(0, Option(local_key(path), f"{path.name} (local files)", str(path)))
    return options + list((uploaded or {}).values())


def default_dataset_key() -> str:
    path = settings().start_dataset
    return local_key(path) if path else DEFAULT_DATASET


def model_options(saved: dict[str, Option]) -> list[Option]:
    """Shipped models, the checkpoint named by $LATENT_EXPLORER_MODEL, and the workspace's saved models."""
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
