"""LatentModels from checkpoints: `load_model` and `load_checkpoint` (LatentModel.save writes them).

A folder or zip holding config.json and model.safetensors is rebuilt as its kind's networks with
those weights; one holding TorchScript is loaded only on the opt-in (see torchscript.py); pickles
and anything else are refused, saying why.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import torch

from ..errors import InvalidInputError
from ..io.files import file_entry
from ..io.sniff import ZIP_HEADER
from ..limits import Limits
from ..model import LatentModel
from ..models import KINDS, Architecture
from ..settings import settings
from .discovery import checkpoint_files, shipped_dir, shipped_models
from .format import (
    CONFIG_FILE,
    MAP_FILE,
    METRICS_FILE,
    WEIGHTS_FILE,
    parse_config,
    read_metrics,
    read_tensors,
    read_training_map,
)
from .pickles import TORCHSCRIPT_REASON, describe_unsafe
from .torchscript import SCRIPT_FILES, load_torchscript, refuse_torchscript

NEEDS_FILES = f"give a checkpoint folder (or .zip) with {CONFIG_FILE} and {WEIGHTS_FILE}"


def read_config(entry, label: str) -> dict:
    """A safetensors checkpoint's config, with a known kind and an architecture in the supported range."""
    config = parse_config(entry, label)
    try:
        arch = Architecture.from_dict(config["architecture"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(f"Checkpoint config '{label}' lacks a valid 'architecture' entry ({exc}).") from None
    if config.get("kind") not in KINDS:
        raise InvalidInputError(
            f"Checkpoint config '{label}' names model kind {config.get('kind')!r}; known kinds are {', '.join(KINDS)}."
        )
    values = [
        arch.height,
        arch.width,
        arch.channels,
        arch.latent_dim,
        arch.base_channels,
        arch.max_channels,
        arch.hidden,
    ]
    if not all(isinstance(v, int) and 0 < v <= 4096 for v in values) or arch.channels not in (1, 3):
        raise InvalidInputError(f"Checkpoint config '{label}' has an architecture outside the supported range: {arch}.")
    return config


def load_weights(files: dict, label: str, limits: Limits) -> LatentModel:
    """A LatentModel from config.json and model.safetensors, refusing mismatched or non-finite weights."""
    config = read_config(files[CONFIG_FILE], f"{label}/{CONFIG_FILE}")
    tensors = read_tensors(files[WEIGHTS_FILE], limits)
    model = LatentModel.build(config)
    for part, module in model.network.named_children():  # 'decoder', and 'encoder' when there is one
        given = {k[len(part) + 1 :]: v for k, v in tensors.items() if k.startswith(part + ".")}
        shapes = {k: tuple(v.shape) for k, v in given.items()}
        wanted = {k: tuple(v.shape) for k, v in module.state_dict().items()}
        if shapes != wanted:
            diff = sorted(set(shapes.items()) ^ set(wanted.items()))[:3]
            raise InvalidInputError(
                f"Weights in '{label}' do not match its config.json ({part}: first differences {diff})."
            )
        if not all(torch.isfinite(v).all() for v in given.values()):
            raise InvalidInputError(f"Weights in '{label}' contain NaN or infinite values.")
        module.load_state_dict(given)
    model.metrics = read_metrics(files[METRICS_FILE]) if METRICS_FILE in files else None
    model.training_map = read_training_map(files[MAP_FILE], limits) if MAP_FILE in files else None
    return model


def check_single_file(path: Path, limits: Limits) -> None:
    """A checkpoint given as one file must be a zip, and not a pickle or TorchScript file."""
    entry = file_entry(path, limits)
    reason = describe_unsafe(entry)
    if reason:
        raise InvalidInputError(f"Refused '{path.name}': it {reason}; {NEEDS_FILES}.")
    if entry.head(4) != ZIP_HEADER:
        raise InvalidInputError(f"Model '{path.name}' is neither a folder nor a zip; {NEEDS_FILES}.")


def load_checkpoint(directory, allow_torchscript: bool | None = None, limits: Limits | None = None) -> LatentModel:
    """Rebuild a LatentModel from a checkpoint folder or .zip, refusing pickles, mismatched weights,
    and TorchScript unless `allow_torchscript` (default: LATENT_ALLOW_TORCHSCRIPT) is set."""
    limits = limits or settings().limits
    allow = limits.allow_torchscript if allow_torchscript is None else allow_torchscript
    directory = Path(directory)
    if not directory.exists():
        raise InvalidInputError(
            f"Model '{directory}' does not exist; give a checkpoint folder or one of the shipped "
            f"names: {', '.join(shipped_models())}."
        )
    if directory.is_file():
        check_single_file(directory, limits)
    with ExitStack() as stack:
        files = checkpoint_files(directory, stack, limits)
        if CONFIG_FILE in files and WEIGHTS_FILE in files:
            return load_weights(files, directory.name, limits)
        unsafe = {name: describe_unsafe(entry) for name, entry in files.items()}
        scripts = [n for n in SCRIPT_FILES.values() if unsafe.get(n) == TORCHSCRIPT_REASON]
        if SCRIPT_FILES["decoder"] in scripts and not any(r for n, r in unsafe.items() if r and n not in scripts):
            if not allow:
                raise refuse_torchscript(directory.name, scripts)
            return load_torchscript(files, directory.name, limits)
        refused = [name for name, reason in unsafe.items() if reason]
        hint = f" ({', '.join(refused)} refused: pickled files can run code)" if refused else ""
        kind = "folder" if directory.is_dir() else "archive"
        raise InvalidInputError(f"Checkpoint {kind} '{directory.name}' needs {CONFIG_FILE} and {WEIGHTS_FILE}{hint}.")


def load_model(name_or_directory, allow_torchscript: bool | None = None) -> LatentModel:
    """A shipped model by name ('digits', 'shapes'), or a checkpoint folder or .zip (see load_checkpoint)."""
    if isinstance(name_or_directory, str) and name_or_directory in shipped_models():
        return load_checkpoint(shipped_dir() / name_or_directory)
    return load_checkpoint(name_or_directory, allow_torchscript)
