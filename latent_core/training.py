"""train_model: fit a VAE, beta-VAE or autoencoder to an ImageDataset on the CPU.

Deterministic for a seed: the weights, the validation split, the shuffling and the
reparameterisation noise all come from generators seeded by it.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .dataset import ImageDataset, check_image_size
from .errors import InvalidInputError
from .model import KINDS, LatentModel
from .nets import Architecture

PROGRESS_INTERVAL_S = 0.5


@dataclass
class TrainConfig:
    """Training settings; `validate` is the one place they are checked."""

    kind: str = "vae"
    latent_dim: int = 16
    beta: float = 1.0
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3
    seed: int = 0
    validation_fraction: float = 0.1
    hidden: int = 256
    base_channels: int = 32

    def validate(self) -> "TrainConfig":
        if self.kind not in KINDS:
            raise InvalidInputError(f"Model kind {self.kind!r} is unknown; choose one of {', '.join(KINDS)}.")
        checks = [
            ("latent_dim", 1 <= self.latent_dim <= 512, "between 1 and 512"),
            ("beta", math.isfinite(self.beta) and 0 <= self.beta <= 1000, "between 0 and 1000"),
            ("epochs", 1 <= self.epochs <= 10_000, "between 1 and 10000"),
            ("batch_size", 1 <= self.batch_size <= 65_536, "between 1 and 65536"),
            ("learning_rate", math.isfinite(self.learning_rate) and 0 < self.learning_rate, "a positive number"),
            ("validation_fraction", 0 <= self.validation_fraction <= 0.5, "between 0 and 0.5"),
            ("hidden", 8 <= self.hidden <= 4096, "between 8 and 4096"),
            ("base_channels", 4 <= self.base_channels <= 256, "between 4 and 256"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise InvalidInputError(f"Training setting {name}={getattr(self, name)!r} is invalid; it must be {expected}.")
        return self


@dataclass
class TrainingProgress:
    """What `on_progress` receives, at least once a second and after every epoch."""

    epoch: int  # 1-based epoch in progress
    epochs: int
    step: int  # steps done in this epoch
    steps_per_epoch: int
    losses: dict  # running means of this epoch: loss, recon, kl
    images_per_s: float
    eta_s: float
    elapsed_s: float
    history: list  # finished epochs, as in LatentModel.history

    @property
    def fraction(self) -> float:
        return ((self.epoch - 1) * self.steps_per_epoch + self.step) / max(1, self.epochs * self.steps_per_epoch)


def loss_terms(model: LatentModel, x: torch.Tensor, beta: float, noise: torch.Generator | None) -> dict[str, torch.Tensor]:
    """Per-image mean loss terms for a batch x (N, C, H, W) in [0, 1].

    With `noise` the VAE samples z; without it (validation) it decodes the posterior mean.
    """
    mean, logvar = model.encoder(x)
    if model.kind == "ae":
        z, kl = mean, torch.zeros((), dtype=x.dtype)
    else:
        z = mean if noise is None else mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=noise)
        kl = (-0.5 * (1 + logvar - mean.pow(2) - logvar.exp()).sum(dim=1)).mean()
    recon = F.binary_cross_entropy_with_logits(model.decoder(z), x, reduction="sum") / len(x)
    return {"loss": recon + beta * kl, "recon": recon, "kl": kl}


def batches(images: torch.Tensor, order: np.ndarray, batch_size: int):
    """Float batches (N, C, H, W) in [0, 1] from uint8 (N, H, W, C) in the given order."""
    for start in range(0, len(order), batch_size):
        index = torch.from_numpy(order[start:start + batch_size])
        yield images[index].permute(0, 3, 1, 2).float().div_(255.0)


def split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and validation indices; at least one of each when fraction > 0."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = 0 if fraction == 0 else min(n - 1, max(1, round(n * fraction)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


@torch.no_grad()
def evaluate(model: LatentModel, images: torch.Tensor, index: np.ndarray, beta: float, batch_size: int) -> dict[str, float]:
    """Mean loss terms over `index`, decoding posterior means (deterministic)."""
    totals, count = {"loss": 0.0, "recon": 0.0, "kl": 0.0}, 0
    model.encoder.eval(), model.decoder.eval()
    for x in batches(images, index, max(batch_size, 256)):
        terms = loss_terms(model, x, beta, None)
        for key, value in terms.items():
            totals[key] += float(value) * len(x)
        count += len(x)
    return {key: value / count for key, value in totals.items()}


def diverged(config: TrainConfig, epoch: int, step: int, value: float) -> InvalidInputError:
    return InvalidInputError(
        f"Training diverged at epoch {epoch}, step {step}: the loss became {value}; "
        f"lower the learning rate (now {config.learning_rate:g}) or beta (now {config.beta:g})."
    )


def train_model(
    dataset: ImageDataset,
    *,
    kind: str = "vae",
    latent_dim: int = 16,
    beta: float = 1.0,
    epochs: int = 10,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    seed: int = 0,
    validation_fraction: float = 0.1,
    hidden: int = 256,
    base_channels: int = 32,
    on_progress: Callable[[TrainingProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> LatentModel:
    """Train a model on `dataset` and return it; `should_stop()` ends training within one batch.

    `hidden` and `base_channels` size the networks (see nets.Architecture).
    """
    config = TrainConfig(kind, latent_dim, beta, epochs, batch_size, learning_rate, seed, validation_fraction, hidden, base_channels).validate()
    if not isinstance(dataset, ImageDataset):
        raise InvalidInputError(f"train_model needs an ImageDataset, not {type(dataset).__name__}.")
    check_image_size(dataset.image_shape, dataset.name)
    if len(dataset) < 2:
        raise InvalidInputError(f"Dataset '{dataset.name}' has {len(dataset)} image; training needs at least 2.")
    h, w, c = dataset.image_shape
    arch = Architecture(height=h, width=w, channels=c, latent_dim=latent_dim, base_channels=base_channels, hidden=hidden)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LatentModel.build({
            "name": f"{kind}-{dataset.name}",
            "kind": kind,
            "beta": beta,
            "architecture": arch.to_dict(),
            "dataset": {"name": dataset.name, "fingerprint": dataset.fingerprint, "size": len(dataset), "label_names": dataset.label_names},
            "training": asdict(config),
            "history": [],
        })
    images = torch.from_numpy(dataset.images)
    train_index, val_index = split(len(dataset), validation_fraction, seed)
    params = [p for module in model.modules().values() for p in module.parameters()]
    optimizer = torch.optim.Adam(params, lr=learning_rate)
    noise = torch.Generator().manual_seed(seed)
    shuffler = np.random.default_rng(seed + 1)
    steps_per_epoch = math.ceil(len(train_index) / batch_size)
    history = model.config["history"]
    started = last_report = time.perf_counter()
    seen = 0

    def report(epoch: int, step: int, sums: dict, count: int) -> None:
        elapsed = time.perf_counter() - started
        done = (epoch - 1) * steps_per_epoch + step
        remaining = epochs * steps_per_epoch - done
        on_progress(TrainingProgress(
            epoch, epochs, step, steps_per_epoch,
            {k: v / max(count, 1) for k, v in sums.items()},
            seen / elapsed if elapsed > 0 else 0.0,
            elapsed / done * remaining if done else float("nan"),
            elapsed, list(history),
        ))

    for epoch in range(1, epochs + 1):
        model.encoder.train(), model.decoder.train()
        sums, count, epoch_start = {"loss": 0.0, "recon": 0.0, "kl": 0.0}, 0, time.perf_counter()
        for step, x in enumerate(batches(images, shuffler.permutation(train_index), batch_size), start=1):
            if should_stop is not None and should_stop():
                model.config["stopped_early"] = True
                return finish(model)
            terms = loss_terms(model, x, beta, noise)
            value = terms["loss"].item()
            if not math.isfinite(value):
                raise diverged(config, epoch, step, value)
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            for key, term in terms.items():
                sums[key] += term.item() * len(x)
            count += len(x)
            seen += len(x)
            if on_progress is not None and time.perf_counter() - last_report >= PROGRESS_INTERVAL_S:
                report(epoch, step, sums, count)
                last_report = time.perf_counter()
        record = {"epoch": epoch, "seconds": time.perf_counter() - epoch_start}
        record |= {f"train_{k}": v / count for k, v in sums.items()}
        if len(val_index):
            record |= {f"val_{k}": v for k, v in evaluate(model, images, val_index, beta, batch_size).items()}
        if not all(math.isfinite(v) for v in record.values()):
            raise diverged(config, epoch, steps_per_epoch, record.get("val_loss", record["train_loss"]))
        history.append(record)
        if on_progress is not None:
            report(epoch, steps_per_epoch, sums, count)
            last_report = time.perf_counter()
    return finish(model)


def finish(model: LatentModel) -> LatentModel:
    model.encoder.eval(), model.decoder.eval()
    for module in model.modules().values():
        if not all(torch.isfinite(p).all() for p in module.parameters()):
            raise InvalidInputError("Training produced NaN weights; lower the learning rate or beta.")
    return model
