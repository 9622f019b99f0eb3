"""The safetensors checkpoint format: model.safetensors (named tensors), config.json, a README.md model card,
once the model is evaluated, metrics.json (latent_core.evaluate's figures, also in the card), and for a run
trained here training_map.safetensors (replay.TrainingMap: a sample's codes at a few epochs).

Tensor names are '<part>.<parameter>', e.g. 'decoder.net.0.weight'. config.json holds the model's
config (kind, architecture, training record) plus the library versions that wrote it. Nothing
here knows LatentModel: latent_core/model.py saves through `write_checkpoint`, and loading.py
turns what is read here into a model.
"""

from __future__ import annotations

import json
import os
import platform
import struct
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays
from safetensors.torch import load, save_file

from ..errors import InvalidInputError
from ..limits import Limits, size_text
from .card import model_card
from .pickles import describe_unsafe

CONFIG_FILE, WEIGHTS_FILE, CARD_FILE, METRICS_FILE = "config.json", "model.safetensors", "README.md", "metrics.json"
MAP_FILE = "training_map.safetensors"
MAX_CONFIG_BYTES = 2 * 1024 * 1024


def library_versions() -> dict:
    """The versions of Python and the libraries a checkpoint was written with."""
    import sklearn

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }


def write_checkpoint(
    directory, tensors: dict[str, torch.Tensor], config: dict, metrics: dict | None = None, training_map=None
) -> Path:
    """Write model.safetensors (`tensors`, detached and contiguous), config.json (`config` plus library versions),
    metrics.json when `metrics` are given (else an old one is removed: it described other weights),
    training_map.safetensors when a replay.TrainingMap is given (else an old one is removed) and the model
    card README.md into `directory`, created if needed; returns the directory as a Path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    save_file({name: value.detach().contiguous() for name, value in tensors.items()}, directory / WEIGHTS_FILE)
    config = dict(config, versions=library_versions())
    (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    if metrics is None:
        (directory / METRICS_FILE).unlink(missing_ok=True)
    else:
        write_text_atomic(directory / METRICS_FILE, metrics_json(metrics))
    if training_map is None:
        (directory / MAP_FILE).unlink(missing_ok=True)
    else:
        (directory / MAP_FILE).write_bytes(save_arrays(training_map.to_arrays()))
    (directory / CARD_FILE).write_text(model_card(config, metrics))
    return directory


def metrics_json(metrics: dict) -> str:
    """A metrics dict as JSON text, refusing NaN and infinities (Evaluation.to_dict already makes them None)."""
    try:
        return json.dumps(metrics, indent=2, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"Model metrics must be plain JSON without NaN ({exc}).") from None


def write_metrics(directory, evaluation) -> Path:
    """Save an evaluation (an Evaluation, or its `to_dict()`) beside a checkpoint's config.json as metrics.json,
    and rewrite the model card with its figures. Each file is replaced atomically. Returns metrics.json's path."""
    directory = Path(directory)
    metrics = evaluation.to_dict() if hasattr(evaluation, "to_dict") else evaluation
    if not (directory / CONFIG_FILE).is_file():
        raise InvalidInputError(f"'{directory.name}' is not a checkpoint folder: it has no {CONFIG_FILE}.")
    config = json.loads((directory / CONFIG_FILE).read_text())
    write_text_atomic(directory / METRICS_FILE, metrics_json(metrics))
    write_text_atomic(directory / CARD_FILE, model_card(config, metrics))
    return directory / METRICS_FILE


def write_text_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step (a temporary file beside it, then os.replace): never half-written."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_safetensors(entry, limits: Limits) -> None:
    """Refuse anything whose header is not safetensors' (8-byte length then a JSON object)."""
    size = entry.size
    limits.check("max_file_bytes", size, f"Weights file '{entry.name}' is {size_text(size)}")
    head = entry.head(9)
    if len(head) < 9 or head[8:9] != b"{" or struct.unpack("<Q", head[:8])[0] > size - 8:
        reason = describe_unsafe(entry) or "is not a safetensors file"
        raise InvalidInputError(f"Weights file '{entry.name}' {reason}; save weights as safetensors.")


def read_tensors(entry, limits: Limits) -> dict[str, torch.Tensor]:
    """The named tensors of a weights file, once its header has passed `check_safetensors`."""
    check_safetensors(entry, limits)
    try:
        return load(entry.read())
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise InvalidInputError(f"Weights file '{WEIGHTS_FILE}' could not be read as safetensors ({exc}).") from None


def read_metrics(entry) -> dict | None:
    """metrics.json as a dict, or None when it is too big or not a JSON object: the figures are advisory, so a
    damaged file never stops a model from loading (the model is re-evaluated instead)."""
    if entry.size > MAX_CONFIG_BYTES:
        return None
    try:
        metrics = json.loads(entry.read().decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return metrics if isinstance(metrics, dict) else None


def read_training_map(entry, limits: Limits):
    """training_map.safetensors as a replay.TrainingMap, or None when it is damaged: like the metrics, a replay
    is advisory, so it never stops a model from loading. Read as plain arrays (no pickle)."""
    from ..replay import TrainingMap

    try:
        check_safetensors(entry, limits)
        return TrainingMap.from_arrays(load_arrays(entry.read()))
    except Exception:  # a damaged replay file: any reader error means "no replay"
        return None


def parse_config(entry, label: str) -> dict:
    """config.json as a dict, refusing big or malformed files."""
    if entry.size > MAX_CONFIG_BYTES:
        raise InvalidInputError(f"Checkpoint config '{label}' is larger than {MAX_CONFIG_BYTES // 2**20} MB.")
    try:
        config = json.loads(entry.read().decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Checkpoint config '{label}' is not valid JSON ({exc}).") from None
    if not isinstance(config, dict):
        raise InvalidInputError(f"Checkpoint config '{label}' must hold a JSON object, not {type(config).__name__}.")
    return config
