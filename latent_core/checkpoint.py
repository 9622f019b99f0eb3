"""Checkpoints: a folder (or a .zip of one) with config.json and model.safetensors. Loading never unpickles.

TorchScript (config.json + decoder.pt, optionally encoder.pt) is executable code, so it is
loaded only when the server opted in: LATENT_ALLOW_TORCHSCRIPT=1, or allow_torchscript=True.
"""
from __future__ import annotations

import io
import json
import os
import platform
import struct
import warnings
import zipfile
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load, save_file
from torch import nn

from .datasets.archive import SafeZip
from .datasets.files import file_entry
from .errors import InvalidInputError
from .limits import LIMITS, Limits, size_text
from .model import KINDS, LatentModel
from .nets import Architecture

CONFIG_FILE, WEIGHTS_FILE, CARD_FILE = "config.json", "model.safetensors", "README.md"
MAX_CONFIG_BYTES = 2 * 1024 * 1024
SHIPPED_DIR = Path(os.environ.get("LATENT_EXPLORER_MODELS", Path(__file__).resolve().parent.parent / "models"))
PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")
SCRIPT_FILES = {"decoder": "decoder.pt", "encoder": "encoder.pt"}
TORCHSCRIPT_REASON = "is a TorchScript program, which is executable code"
DECODER_OUTPUTS = ("logits", "probabilities", "tanh")
PROBABILITY_EPS = 1e-6


def library_versions() -> dict:
    import sklearn

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__, "scikit-learn": sklearn.__version__}


def save_checkpoint(model: LatentModel, directory) -> Path:
    """Write config.json and model.safetensors into `directory` (created if needed)."""
    if model.kind == "torchscript":
        raise InvalidInputError(f"Model '{model.name}' was loaded from TorchScript files, which hold code rather than weights; "
                                "keep its original files instead of saving it as a checkpoint.")
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
        "- Settings: " + ", ".join(f"{k}={v}" for k, v in train.items()),
        f"- Epochs trained: {len(config.get('history', []))}" + (" (stopped early)" if config.get("stopped_early") else ""),
    ]
    if last:
        lines.append(f"- Final train loss: {last.get('train_loss', float('nan')):.3f}; validation loss: {last.get('val_loss', float('nan')):.3f} "
                     f"(reconstruction {last.get('val_recon', float('nan')):.3f}, KL {last.get('val_kl', float('nan')):.3f}) nats per image")
    lines += ["", "Made with Latent Explorer's own training code (`latent_core.train_model`)."]
    return "\n".join(lines) + "\n"


def zip_names(entry) -> list[str]:
    """Member names when the entry is itself a zip (torch.save and TorchScript files are), else []."""
    if entry.head(4) != b"PK\x03\x04":
        return []
    try:
        with zipfile.ZipFile(entry.path if hasattr(entry, "path") else io.BytesIO(entry.read())) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def is_torchscript(names: list[str]) -> bool:
    return any("/code/" in n for n in names) and any(n.endswith("constants.pkl") for n in names)


def describe_unsafe(entry) -> str | None:
    """Why a file must not be loaded, judged by its first bytes and members, or None when it looks harmless."""
    head, suffix = entry.head(4), Path(entry.name).suffix.lower()
    if head[:2] in PICKLE_MAGIC:
        return "is a pickle file, which can run code when loaded"
    names = zip_names(entry)
    if is_torchscript(names):
        return TORCHSCRIPT_REASON
    if any(n.endswith("data.pkl") for n in names):
        return "is a torch.save archive, which holds pickled code"
    if suffix in (".pt", ".pth", ".pkl", ".pickle", ".ckpt"):
        return "is a PyTorch/pickle file, which can run code when loaded"
    return None


def check_safetensors(entry, limits: Limits) -> None:
    """Refuse anything whose header is not safetensors' (8-byte length then a JSON object)."""
    size = entry.size
    limits.check("max_file_bytes", size, f"Weights file '{entry.name}' is {size_text(size)}")
    head = entry.head(9)
    if len(head) < 9 or head[8:9] != b"{" or struct.unpack("<Q", head[:8])[0] > size - 8:
        reason = describe_unsafe(entry) or "is not a safetensors file"
        raise InvalidInputError(f"Weights file '{entry.name}' {reason}; save weights as safetensors.")


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


def read_config(entry, label: str) -> dict:
    """A safetensors checkpoint's config, with a known kind and an architecture in the supported range."""
    config = parse_config(entry, label)
    try:
        arch = Architecture(**config["architecture"])
    except (KeyError, TypeError) as exc:
        raise InvalidInputError(f"Checkpoint config '{label}' lacks a valid 'architecture' entry ({exc}).") from None
    if config.get("kind") not in KINDS:
        raise InvalidInputError(f"Checkpoint config '{label}' names model kind {config.get('kind')!r}; known kinds are {', '.join(KINDS)}.")
    values = [arch.height, arch.width, arch.channels, arch.latent_dim, arch.base_channels, arch.max_channels, arch.hidden]
    if not all(isinstance(v, int) and 0 < v <= 4096 for v in values) or arch.channels not in (1, 3):
        raise InvalidInputError(f"Checkpoint config '{label}' has an architecture outside the supported range: {arch}.")
    return config


def load_weights(files: dict, label: str, limits: Limits) -> LatentModel:
    """A LatentModel from config.json and model.safetensors, refusing mismatched or non-finite weights."""
    config = read_config(files[CONFIG_FILE], f"{label}/{CONFIG_FILE}")
    check_safetensors(files[WEIGHTS_FILE], limits)
    model = LatentModel.build(config)
    try:
        tensors = load(files[WEIGHTS_FILE].read())
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise InvalidInputError(f"Weights file '{WEIGHTS_FILE}' could not be read as safetensors ({exc}).") from None
    for part, module in model.modules().items():
        expected = module.state_dict()
        given = {k[len(part) + 1:]: v for k, v in tensors.items() if k.startswith(part + ".")}
        shapes = {k: tuple(v.shape) for k, v in given.items()}
        wanted = {k: tuple(v.shape) for k, v in expected.items()}
        if shapes != wanted:
            diff = sorted(set(shapes.items()) ^ set(wanted.items()))[:3]
            raise InvalidInputError(f"Weights in '{label}' do not match its config.json ({part}: first differences {diff}).")
        if not all(torch.isfinite(v).all() for v in given.values()):
            raise InvalidInputError(f"Weights in '{label}' contain NaN or infinite values.")
        module.load_state_dict(given)
    return model


class ScriptedDecoder(nn.Module):
    """A TorchScript decoder whose output ('logits', 'probabilities' in [0, 1] or 'tanh' in [-1, 1]) becomes logits."""

    def __init__(self, module: nn.Module, output: str):
        super().__init__()
        self.module, self.output = module, output

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.module(z)
        if self.output == "logits":
            return x
        p = (x + 1) / 2 if self.output == "tanh" else x
        return torch.logit(p.clamp(PROBABILITY_EPS, 1 - PROBABILITY_EPS))


class ScriptedEncoder(nn.Module):
    """A TorchScript encoder returning a mean, or (mean, logvar), as (mean, logvar)."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.module(x)
        if isinstance(out, (tuple, list)):
            return out[0], out[1]
        return out, torch.zeros_like(out)


def load_script(entry) -> nn.Module:
    """torch.jit.load of a file already known to be TorchScript; only called after the opt-in check."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit is deprecated but still the format people export
        try:
            return torch.jit.load(io.BytesIO(entry.read()), map_location="cpu").eval()
        except RuntimeError as exc:
            raise InvalidInputError(f"TorchScript file '{entry.name}' could not be loaded ({str(exc).splitlines()[0]}).") from None


@torch.inference_mode()
def probe(module: nn.Module, x: torch.Tensor, name: str):
    """Run a loaded module once on zeros, turning its failures into a user-facing error."""
    try:
        return module(x)
    except Exception as exc:  # TorchScript raises torch.jit.Error, RuntimeError and more for bad inputs
        raise InvalidInputError(f"TorchScript file '{name}' fails on an input of shape {tuple(x.shape)} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}).") from None


def load_torchscript(files: dict, label: str, limits: Limits) -> LatentModel:
    """A LatentModel from config.json ({'latent_dim': d, 'name'?, 'decoder_output'?}), decoder.pt and optional encoder.pt.

    The image shape is what the decoder returns for zero codes; outputs are checked for shape.
    """
    config = parse_config(files[CONFIG_FILE], f"{label}/{CONFIG_FILE}") if CONFIG_FILE in files else {}
    latent_dim, output = config.get("latent_dim"), config.get("decoder_output", "logits")
    if not (isinstance(latent_dim, int) and 0 < latent_dim <= 4096) or output not in DECODER_OUTPUTS:
        raise InvalidInputError(f"TorchScript checkpoint '{label}' needs a config.json with 'latent_dim' (1-4096) and optionally "
                                f"'decoder_output' ({', '.join(DECODER_OUTPUTS)}); found {config}.")
    for entry in (files[n] for n in SCRIPT_FILES.values() if n in files):
        limits.check("max_file_bytes", entry.size, f"TorchScript file '{entry.name}' is {size_text(entry.size)}")
    decoder = ScriptedDecoder(load_script(files[SCRIPT_FILES["decoder"]]), output)
    images = probe(decoder, torch.zeros(2, latent_dim), SCRIPT_FILES["decoder"])
    if not (isinstance(images, torch.Tensor) and images.ndim == 4 and images.shape[0] == 2 and images.shape[1] in (1, 3)):
        raise InvalidInputError(f"TorchScript decoder in '{label}' must return images (N, C, H, W) with C = 1 or 3 for codes (N, {latent_dim}).")
    channels, height, width = (int(v) for v in images.shape[1:])
    limits.check("max_pixels_per_image", height * width, f"TorchScript decoder in '{label}' makes {height}x{width} images")
    encoder = None
    if SCRIPT_FILES["encoder"] in files:
        encoder = ScriptedEncoder(load_script(files[SCRIPT_FILES["encoder"]]))
        mean, logvar = probe(encoder, torch.zeros(2, channels, height, width), SCRIPT_FILES["encoder"])
        if tuple(mean.shape) != (2, latent_dim) or tuple(logvar.shape) != (2, latent_dim):
            raise InvalidInputError(f"TorchScript encoder in '{label}' must return codes (N, {latent_dim}) for images (N, {channels}, {height}, {width}).")
    arch = {"height": height, "width": width, "channels": channels, "latent_dim": latent_dim}
    model_config = {"kind": "torchscript", "format": "torchscript", "name": config.get("name", label), "architecture": arch, "decoder_output": output}
    return LatentModel(decoder, encoder, model_config)


def checkpoint_files(path: Path, stack: ExitStack, limits: Limits) -> dict:
    """name -> entry for the files at the top of a checkpoint folder, or of a zip (below one shared folder, if any)."""
    if path.is_dir():
        return {p.name: file_entry(p, limits) for p in sorted(path.iterdir()) if p.is_file() and not p.is_symlink()}
    archive = stack.enter_context(SafeZip(path, limits))
    entries = archive.entries
    if entries and all(len(e.parts) > 1 for e in entries) and len({e.parts[0] for e in entries}) == 1:
        return {e.parts[1]: e for e in entries if len(e.parts) == 2}
    return {e.parts[0]: e for e in entries if len(e.parts) == 1}


def load_checkpoint(directory, allow_torchscript: bool | None = None, limits: Limits | None = None) -> LatentModel:
    """Rebuild a LatentModel from a checkpoint folder or .zip, refusing pickles, mismatched weights,
    and TorchScript unless `allow_torchscript` (default: LATENT_ALLOW_TORCHSCRIPT) is set."""
    limits = limits or LIMITS
    allow = limits.allow_torchscript if allow_torchscript is None else allow_torchscript
    directory = Path(directory)
    if not directory.exists():
        raise InvalidInputError(f"Model '{directory}' does not exist; give a checkpoint folder or one of the shipped names: {', '.join(shipped_models())}.")
    if directory.is_file():
        reason = describe_unsafe(file_entry(directory, limits))
        if reason:
            raise InvalidInputError(f"Refused '{directory.name}': it {reason}; give a checkpoint folder (or .zip) with config.json and model.safetensors.")
        if file_entry(directory, limits).head(4) != b"PK\x03\x04":
            raise InvalidInputError(f"Model '{directory.name}' is neither a folder nor a zip; give a checkpoint folder (or .zip) with config.json and model.safetensors.")
    with ExitStack() as stack:
        files = checkpoint_files(directory, stack, limits)
        if CONFIG_FILE in files and WEIGHTS_FILE in files:
            return load_weights(files, directory.name, limits)
        unsafe = {name: describe_unsafe(entry) for name, entry in files.items()}
        scripts = [n for n in SCRIPT_FILES.values() if unsafe.get(n) == TORCHSCRIPT_REASON]
        if SCRIPT_FILES["decoder"] in scripts and not any(r for n, r in unsafe.items() if r and n not in scripts):
            if not allow:
                verb = "hold" if len(scripts) > 1 else "holds"
                raise InvalidInputError(
                    f"Refused '{directory.name}': {' and '.join(scripts)} {verb} TorchScript, which is executable code; this server loads "
                    f"TorchScript only when started with LATENT_ALLOW_TORCHSCRIPT=1 (or load_model(..., allow_torchscript=True)).")
            return load_torchscript(files, directory.name, limits)
        refused = [name for name, reason in unsafe.items() if reason]
        hint = f" ({', '.join(refused)} refused: pickled files can run code)" if refused else ""
        kind = "folder" if directory.is_dir() else "archive"
        raise InvalidInputError(f"Checkpoint {kind} '{directory.name}' needs {CONFIG_FILE} and {WEIGHTS_FILE}{hint}.")


def shipped_models() -> list[str]:
    """Names of the pretrained checkpoints in models/."""
    if not SHIPPED_DIR.is_dir():
        return []
    return sorted(p.name for p in SHIPPED_DIR.iterdir() if (p / CONFIG_FILE).is_file())


def load_model(name_or_directory, allow_torchscript: bool | None = None) -> LatentModel:
    """A shipped model by name ('digits', 'shapes'), or a checkpoint folder or .zip (see load_checkpoint)."""
    if isinstance(name_or_directory, str) and name_or_directory in shipped_models():
        return load_checkpoint(SHIPPED_DIR / name_or_directory)
    return load_checkpoint(name_or_directory, allow_torchscript)
