"""LatentModel: the public face of a fitted model: encode, decode, can_encode, save.

Its `network` (a models.LatentNetwork) holds the nn.Modules; `config` the JSON-ready dict saved
beside the weights. Which network a kind has lives in latent_core/models/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from .checkpoint.format import write_checkpoint
from .errors import InvalidInputError
from .models import LatentNetwork, build_network

ENCODE_BATCH = 1024


def images_to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, C) -> float32 (N, C, H, W) in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0)


def logits_to_images(logits: torch.Tensor) -> np.ndarray:
    """logits (N, C, H, W) -> uint8 (N, H, W, C)."""
    return torch.sigmoid(logits).mul_(255.0).round_().to(torch.uint8).permute(0, 2, 3, 1).numpy()


class LatentModel:
    """A trained model: `encode` images to codes, `decode` codes to images.

    `network.encoder` is None for decoder-only models (a GAN generator); then `can_encode` is False.
    `config` is the JSON-ready dict saved with the weights; `history` the per-epoch losses; `metrics` the
    figures of `latent_core.evaluate` (Evaluation.to_dict()) kept as metrics.json, or None when not evaluated;
    `training_map` the codes of a sample at a few epochs of its training (replay.TrainingMap), or None.
    """

    def __init__(self, network: LatentNetwork, config: dict, metrics: dict | None = None):
        self.network = network.eval()
        self.config = config
        self.metrics = metrics
        self.training_map = None

    @classmethod
    def build(cls, config: dict) -> LatentModel:
        """Fresh, untrained networks of config['kind'] for a config holding an 'architecture' dict."""
        return cls(build_network(config), config)

    @property
    def encoder(self) -> nn.Module | None:
        """images (N, C, H, W) in [0, 1] -> (mean, logvar), each (N, latent_dim); None for decoder-only models."""
        return self.network.encoder

    @property
    def decoder(self) -> nn.Module:
        """codes (N, latent_dim) -> logits (N, C, H, W)."""
        return self.network.decoder

    @property
    def kind(self) -> str:
        return self.config["kind"]

    @property
    def latent_dim(self) -> int:
        return int(self.config["architecture"]["latent_dim"])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(H, W, C) of the images this model encodes and decodes."""
        a = self.config["architecture"]
        return (a["height"], a["width"], a["channels"])

    @property
    def history(self) -> list[dict]:
        return self.config.get("history", [])

    @property
    def can_encode(self) -> bool:
        return self.encoder is not None

    @property
    def name(self) -> str:
        return self.config.get("name", self.kind)

    def check_images(self, images) -> np.ndarray:
        """Validate a batch against the model's image shape; returns uint8 (N, H, W, C)."""
        images = np.asarray(images)
        if images.ndim == 3 and self.image_shape[2] == 1:
            images = images[..., None]
        if images.dtype != np.uint8:
            raise InvalidInputError(f"Images to encode must be uint8, not {images.dtype}.")
        if images.ndim != 4 or images.shape[1:] != self.image_shape:
            raise InvalidInputError(
                f"This model takes images of shape {self.image_shape} (H, W, C), not {images.shape[1:]}."
            )
        return images

    def check_codes(self, z) -> np.ndarray:
        """Validate latent codes; returns float32 (N, latent_dim)."""
        z = np.asarray(z, dtype=np.float32)
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise InvalidInputError(
                f"Latent codes for this model need {self.latent_dim} values each, not shape {z.shape}."
            )
        if not np.isfinite(z).all():
            raise InvalidInputError("Latent codes contain NaN or infinite values.")
        return z

    @torch.inference_mode()
    def encode(self, images, batch_size: int = ENCODE_BATCH) -> np.ndarray:
        """uint8 (N, H, W, C) -> float32 (N, latent_dim): the posterior mean, in batches."""
        if self.encoder is None:
            raise InvalidInputError(f"Model '{self.name}' has no encoder, so it cannot map images to codes.")
        images = self.check_images(images)
        out = np.empty((len(images), self.latent_dim), dtype=np.float32)
        for start in range(0, len(images), batch_size):
            mean, _ = self.encoder(images_to_tensor(images[start : start + batch_size]))
            out[start : start + batch_size] = mean.numpy()
        return out

    @torch.inference_mode()
    def encode_with_logvar(self, images, batch_size: int = ENCODE_BATCH) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and log-variance, each float32 (N, latent_dim)."""
        images = self.check_images(images)
        means, logvars = [], []
        for start in range(0, len(images), batch_size):
            mean, logvar = self.encoder(images_to_tensor(images[start : start + batch_size]))
            means.append(mean.numpy())
            logvars.append(logvar.numpy())
        return np.concatenate(means), np.concatenate(logvars)

    @torch.inference_mode()
    def decode_logits(self, z) -> torch.Tensor:
        """float (N, latent_dim) -> logits (N, C, H, W)."""
        return self.decoder(torch.from_numpy(self.check_codes(z)))

    def decode(self, z, batch_size: int = ENCODE_BATCH) -> np.ndarray:
        """float (N, latent_dim) -> uint8 (N, H, W, C)."""
        z = self.check_codes(z)
        return np.concatenate(
            [logits_to_images(self.decode_logits(z[s : s + batch_size])) for s in range(0, len(z), batch_size)]
        )

    def reconstruct(self, images) -> np.ndarray:
        """Encode then decode: uint8 (N, H, W, C) -> uint8 (N, H, W, C)."""
        return self.decode(self.encode(images))

    def save(self, directory) -> Path:
        """Write config.json, model.safetensors, a model card (README.md) and, when the model has them, its
        metrics (metrics.json) and training map (training_map.safetensors) into `directory`, created if needed."""
        if self.kind == "torchscript":
            raise InvalidInputError(
                f"Model '{self.name}' was loaded from TorchScript files, which hold code rather than "
                "weights; keep its original files instead of saving it as a checkpoint."
            )
        return write_checkpoint(directory, self.network.state_dict(), self.config, self.metrics, self.training_map)

    def __repr__(self) -> str:
        return f"LatentModel(kind={self.kind!r}, latent_dim={self.latent_dim}, image_shape={self.image_shape})"
