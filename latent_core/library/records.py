"""The library's records: what a workspace's datasets, models and maps look like to Python and the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import InvalidInputError

MAX_NAME = 80


@dataclass(frozen=True)
class DatasetRecord:
    """A saved dataset. kind: "images" or "embeddings"; size: the number of images or vectors;
    shape: one item's shape, (H, W, C) for images or (d,) for vectors; bytes: its file's size."""

    key: str
    name: str
    kind: str
    content_hash: str
    size: int
    shape: tuple
    report: dict
    bytes: int
    created: datetime


@dataclass(frozen=True)
class ModelRecord:
    """A saved model. source: "trained" or "uploaded"; epochs: the epochs of its training history;
    beta: the KL weight of a VAE (None for other kinds); path: the stored checkpoint folder (read-only)."""

    key: str
    name: str
    kind: str
    source: str
    latent_dim: int
    beta: float | None
    epochs: int
    dataset_name: str | None
    dataset_fingerprint: str | None
    val_loss: float | None
    metrics: dict
    history: list
    config: dict
    parent: str | None
    content_hash: str
    bytes: int
    created: datetime
    seconds: float | None
    path: Path


@dataclass(frozen=True)
class MapRecord:
    """A map the app drew: the dataset and model keys, the projection's settings and the codes' fingerprint."""

    dataset_key: str
    model_key: str
    method: str
    dims: int
    settings: dict
    codes_fingerprint: str
    created: datetime


def check_name(name) -> str:
    """A name a person gave: 1 to 80 printable characters (surrounding spaces dropped), else InvalidInputError."""
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > MAX_NAME or not text.isprintable():
        raise InvalidInputError(f"A name must be 1 to {MAX_NAME} printable characters, not {str(name)[:100]!r}.")
    return text


def fit_name(name, fallback: str) -> str:
    """A name a program gave (a file name, say), made to fit: non-printable characters become spaces,
    and a name longer than 80 characters is cut short with '…'; an empty name becomes `fallback`."""
    text = "".join(c if c.isprintable() else " " for c in str(name or "")).strip()
    if len(text) > MAX_NAME:
        text = text[: MAX_NAME - 1].rstrip() + "…"
    return text or fallback
