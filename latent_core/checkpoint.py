"""Checkpoints: a directory with config.json and model.safetensors. Loading never unpickles."""
from __future__ import annotations

import json
import os
import platform
import struct
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from .errors import InvalidInputError
from .model import KINDS, LatentModel
from .nets import Architecture

CONFIG_FILE, WEIGHTS_FILE, CARD_FILE = "config.json", "model.safetensors", "README.md"
MAX_CONFIG_BYTES = 2 * 1024 * 1024
MAX_WEIGHTS_BYTES = 1024 * 1024 * 1024
SHIPPED_DIR = Path(os.environ.get("LATENT_EXPLORER_MODELS", Path(__file__).resolve().parent.parent / "models"))
PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


def library_versions() -> dict:
    import sklearn

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__, "scikit-learn": sklearn.__version__}


def save_checkpoint(model: LatentModel, directory) -> Path:
    """Write config.json and model.safetensors into `directory` (created if needed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {f"{part}.{key}": value.detach().contiguous() for part, module in model.modules().items() for key, value in module.state_dict().items()}
    save_file(tensors, directory / WEIGHTS_FILE)
    config = dict(model.config, versions=library_versions())
    (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    (directory / CARD_FILE).write_text(model_card(config))
    return directory


def model_card(config: dict) -> str:
    """A short Markdown card: the data, the settings and the final losses."""
    arch, data, train = config["architecture"], config.get("dataset", {}), config.get("training", {})
    last = config.get("history", [{}])[-1] if config.get("history") else {}
    lines = [
        f"# {config.get('name', config['kind'])}",
        "",
        f"A {config['kind'].upper()} (beta={config.get('beta', 1.0):g}) with a {arch['latent_dim']}-dimensional latent space "
        f"for {arch['height']}x{arch['width']} images with {arch['channels']} channel(s).",
        "",
        f"- Data: '{data.get('name', '?')}', {data.get('size', '?')} images, fingerprint {data.get('fingerprint', '?')}",
        f"- Settings: " + ", ".join(f"{k}={v}" for k, v in train.items()),
        f"- Epochs trained: {len(config.get('history', []))}" + (" (stopped early)" if config.get("stopped_early") else ""),
    ]
    if last:
        lines.append(f"- Final train loss: {last.get('train_loss', float('nan')):.3f}; validation loss: {last.get('val_loss', float('nan')):.3f} "
                     f"(reconstruction {last.get('val_recon', float('nan')):.3f}, KL {last.get('val_kl', float('nan')):.3f}) nats per image")
    lines += ["", "Made with Latent Explorer's own training code (`latent_core.train_model`)."]
    return "\n".join(lines) + "\n"


def describe_unsafe(path: Path) -> str | None:
    """Why a file must not be loaded, judged by its first bytes, or None when it looks harmless."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:2] in PICKLE_MAGIC:
        return "is a pickle file, which can run code when loaded"
    if head == b"PK\x03\x04" and path.suffix.lower() in (".pt", ".pth", ".bin", ".ckpt"):
        return "is a torch.save archive, which holds pickled code"
    if path.suffix.lower() in (".pt", ".pth", ".pkl", ".pickle", ".ckpt"):
        return "is a PyTorch/pickle file, which can run code when loaded"
    return None


def check_safetensors(path: Path) -> None:
    """Refuse anything whose header is not safetensors' (8-byte length then a JSON object)."""
    size = path.stat().st_size
    if size > MAX_WEIGHTS_BYTES:
        raise InvalidInputError(f"Weights file '{path.name}' is {size / 2**20:.0f} MB, over the {MAX_WEIGHTS_BYTES / 2**20:.0f} MB limit.")
    with open(path, "rb") as f:
        head = f.read(9)
    if len(head) < 9 or head[8:9] != b"{" or struct.unpack("<Q", head[:8])[0] > size - 8:
        reason = describe_unsafe(path) or "is not a safetensors file"
        raise InvalidInputError(f"Weights file '{path.name}' {reason}; save weights as safetensors.")


def read_config(path: Path) -> dict:
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise InvalidInputError(f"Checkpoint config '{path}' is larger than {MAX_CONFIG_BYTES // 2**20} MB.")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
        arch = Architecture(**config["architecture"])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Checkpoint config '{path}' is not valid JSON ({exc}).") from None
    except (KeyError, TypeError) as exc:
        raise InvalidInputError(f"Checkpoint config '{path}' lacks a valid 'architecture' entry ({exc}).") from None
    if config.get("kind") not in KINDS:
        raise InvalidInputError(f"Checkpoint config '{path}' names model kind {config.get('kind')!r}; known kinds are {', '.join(KINDS)}.")
    values = [arch.height, arch.width, arch.channels, arch.latent_dim, arch.base_channels, arch.max_channels, arch.hidden]
    if not all(isinstance(v, int) and 0 < v <= 4096 for v in values) or arch.channels not in (1, 3):
        raise InvalidInputError(f"Checkpoint config '{path}' has an architecture outside the supported range: {arch}.")
    return config


def load_checkpoint(directory) -> LatentModel:
    """Rebuild a LatentModel from a checkpoint directory, refusing pickles and mismatched weights."""
    directory = Path(directory)
    if not directory.exists():
        raise InvalidInputError(f"Model '{directory}' does not exist; give a checkpoint folder or one of the shipped names: {', '.join(shipped_models())}.")
    if directory.is_file():
        reason = describe_unsafe(directory)
        if reason:
            raise InvalidInputError(f"Refused '{directory.name}': it {reason}; give a checkpoint folder with config.json and model.safetensors.")
        raise InvalidInputError(f"Model '{directory.name}' is a file; give a checkpoint folder with config.json and model.safetensors.")
    config_path, weights_path = directory / CONFIG_FILE, directory / WEIGHTS_FILE
    if not config_path.is_file() or not weights_path.is_file():
        unsafe = [p.name for p in directory.iterdir() if p.is_file() and describe_unsafe(p)]
        hint = f" ({', '.join(unsafe)} refused: pickled files can run code)" if unsafe else ""
        raise InvalidInputError(f"Checkpoint folder '{directory}' needs {CONFIG_FILE} and {WEIGHTS_FILE}{hint}.")
    config = read_config(config_path)
    check_safetensors(weights_path)
    model = LatentModel.build(config)
    try:
        tensors = load_file(weights_path)
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise InvalidInputError(f"Weights file '{weights_path.name}' could not be read as safetensors ({exc}).") from None
    for part, module in model.modules().items():
        expected = module.state_dict()
        given = {k[len(part) + 1:]: v for k, v in tensors.items() if k.startswith(part + ".")}
        shapes = {k: tuple(v.shape) for k, v in given.items()}
        wanted = {k: tuple(v.shape) for k, v in expected.items()}
        if shapes != wanted:
            diff = sorted(set(shapes.items()) ^ set(wanted.items()))[:3]
            raise InvalidInputError(f"Weights in '{directory.name}' do not match its config.json ({part}: first differences {diff}).")
        if not all(torch.isfinite(v).all() for v in given.values()):
            raise InvalidInputError(f"Weights in '{directory.name}' contain NaN or infinite values.")
        module.load_state_dict(given)
    return model


def shipped_models() -> list[str]:
    """Names of the pretrained checkpoints in models/."""
    if not SHIPPED_DIR.is_dir():
        return []
    return sorted(p.name for p in SHIPPED_DIR.iterdir() if (p / CONFIG_FILE).is_file())


def load_model(name_or_directory) -> LatentModel:
    """A shipped model by name ('digits', 'shapes') or a checkpoint directory."""
    if isinstance(name_or_directory, str) and name_or_directory in shipped_models():
        return load_checkpoint(SHIPPED_DIR / name_or_directory)
    return load_checkpoint(name_or_directory)
