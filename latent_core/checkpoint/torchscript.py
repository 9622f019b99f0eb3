"""TorchScript checkpoints, loaded only on the server's opt-in: config.json, decoder.pt and an optional encoder.pt.

TorchScript files are executable code, so loading.py calls `load_torchscript` only when
LATENT_ALLOW_TORCHSCRIPT=1 or allow_torchscript=True; `refuse_torchscript` says how to opt in.
Decoders may return logits, probabilities in [0, 1] or tanh outputs in [-1, 1]; all become logits.
"""

from __future__ import annotations

import io
import warnings

import torch
from torch import nn

from ..errors import InvalidInputError
from ..limits import Limits, size_text
from ..model import LatentModel
from ..models import LatentNetwork
from .format import CONFIG_FILE, parse_config

SCRIPT_FILES = {"decoder": "decoder.pt", "encoder": "encoder.pt"}
DECODER_OUTPUTS = ("logits", "probabilities", "tanh")
PROBABILITY_EPS = 1e-6


class ScriptedDecoder(nn.Module):
    """A TorchScript decoder, codes (N, d) -> images (N, C, H, W), whose output ('logits', 'probabilities' in [0, 1]
    or 'tanh' in [-1, 1]) becomes logits (N, C, H, W)."""

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
    """A TorchScript encoder, images (N, C, H, W) -> a mean (N, d) or (mean, logvar), as (mean, logvar), each (N, d)."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.module(x)
        if isinstance(out, (tuple, list)):
            return out[0], out[1]
        return out, torch.zeros_like(out)


def refuse_torchscript(label: str, scripts: list[str]) -> InvalidInputError:
    """The error for TorchScript files met without the opt-in, saying how to opt in."""
    verb = "hold" if len(scripts) > 1 else "holds"
    return InvalidInputError(
        f"Refused '{label}': {' and '.join(scripts)} {verb} TorchScript, which is executable code; this server loads "
        f"TorchScript only when started with LATENT_ALLOW_TORCHSCRIPT=1 (or load_model(..., allow_torchscript=True))."
    )


def load_script(entry) -> nn.Module:
    """torch.jit.load of a file already known to be TorchScript; only called after the opt-in check."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit is deprecated but still the format people export
        try:
            return torch.jit.load(io.BytesIO(entry.read()), map_location="cpu").eval()
        except RuntimeError as exc:
            reason = str(exc).splitlines()[0]
            raise InvalidInputError(f"TorchScript file '{entry.name}' could not be loaded ({reason}).") from None


@torch.inference_mode()
def probe(module: nn.Module, x: torch.Tensor, name: str):
    """Run a loaded module once on zeros, turning its failures into a user-facing error."""
    try:
        return module(x)
    except Exception as exc:  # TorchScript raises torch.jit.Error, RuntimeError and more for bad inputs
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInputError(
            f"TorchScript file '{name}' fails on an input of shape {tuple(x.shape)} ({reason})."
        ) from None


def load_torchscript(files: dict, label: str, limits: Limits) -> LatentModel:
    """A LatentModel from config.json ({'latent_dim': d, 'name'?, 'decoder_output'?}), decoder.pt and an optional
    encoder.pt.

    `files` maps names to entries (see discovery.checkpoint_files). The image shape is what the
    decoder returns for zero codes (2, d); outputs are checked for shape.
    """
    config = parse_config(files[CONFIG_FILE], f"{label}/{CONFIG_FILE}") if CONFIG_FILE in files else {}
    latent_dim, output = config.get("latent_dim"), config.get("decoder_output", "logits")
    if not (isinstance(latent_dim, int) and 0 < latent_dim <= 4096) or output not in DECODER_OUTPUTS:
        raise InvalidInputError(
            f"TorchScript checkpoint '{label}' needs a config.json with 'latent_dim' (1-4096) and "
            f"optionally 'decoder_output' ({', '.join(DECODER_OUTPUTS)}); found {config}."
        )
    for entry in (files[n] for n in SCRIPT_FILES.values() if n in files):
        limits.check("max_file_bytes", entry.size, f"TorchScript file '{entry.name}' is {size_text(entry.size)}")
    decoder = ScriptedDecoder(load_script(files[SCRIPT_FILES["decoder"]]), output)
    images = probe(decoder, torch.zeros(2, latent_dim), SCRIPT_FILES["decoder"])
    if not (
        isinstance(images, torch.Tensor) and images.ndim == 4 and images.shape[0] == 2 and images.shape[1] in (1, 3)
    ):
        raise InvalidInputError(
            f"TorchScript decoder in '{label}' must return images (N, C, H, W) with C = 1 or 3 "
            f"for codes (N, {latent_dim})."
        )
    channels, height, width = (int(v) for v in images.shape[1:])
    limits.check(
        "max_pixels_per_image", height * width, f"TorchScript decoder in '{label}' makes {height}x{width} images"
    )
    encoder = None
    if SCRIPT_FILES["encoder"] in files:
        encoder = ScriptedEncoder(load_script(files[SCRIPT_FILES["encoder"]]))
        mean, logvar = probe(encoder, torch.zeros(2, channels, height, width), SCRIPT_FILES["encoder"])
        if tuple(mean.shape) != (2, latent_dim) or tuple(logvar.shape) != (2, latent_dim):
            raise InvalidInputError(
                f"TorchScript encoder in '{label}' must return codes (N, {latent_dim}) for images "
                f"(N, {channels}, {height}, {width})."
            )
    arch = {"height": height, "width": width, "channels": channels, "latent_dim": latent_dim}
    model_config = {
        "kind": "torchscript",
        "format": "torchscript",
        "name": config.get("name", label),
        "architecture": arch,
        "decoder_output": output,
    }
    return LatentModel(LatentNetwork(decoder, encoder), model_config)
