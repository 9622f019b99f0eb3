"""train_model: fit a VAE, beta-VAE or autoencoder to an ImageDataset on the CPU.

Deterministic for a seed: the weights, the validation split, the shuffling and the
reparameterisation noise all come from generators seeded by it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch

from .dataset import ImageDataset, check_image_size
from .errors import InvalidInputError
from .fields import setting, validate
from .model import LatentModel
from .models import KINDS, LatentNetwork
from .models.nets import Architecture

PROGRESS_INTERVAL_S = 0.5


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run. Each field's range and help live here, once:
    `validate` checks them, and the CLI's flags and the Model page's form are made from them."""

    kind: str = setting(
        "vae",
        "Kind",
        "A VAE learns a smooth, sampleable latent space; an autoencoder (AE) only reconstructs.",
        choices=KINDS,
        unknown="Model kind",
    )
    latent_dim: int = setting(16, "Latent dimensions", "Size of each image's code.", low=1, high=512)
    beta: float = setting(
        1.0,
        "β",
        "Weight of the KL term (VAE only). Above 1 pushes towards disentangled factors, at some cost in detail.",
        low=0,
        high=1000,
        kinds=("vae",),
    )
    epochs: int = setting(10, "Epochs", "Passes over the training images.", low=1, high=10_000)
    batch_size: int = setting(
        128, "Batch size", "Images per optimisation step.", low=1, high=65_536, presets=(16, 32, 64, 128, 256, 512)
    )
    learning_rate: float = setting(
        1e-3,
        "Learning rate",
        "Adam's step size; lower it if training diverges.",
        above_zero=True,
        presets=(1e-4, 3e-4, 1e-3, 3e-3),
    )
    seed: int = setting(
        0,
        "Seed",
        "Seeds the weights, the validation split, the shuffling and the sampling noise: "
        "the same seed gives the same model.",
        low=0,
        high=2**32 - 1,
        advanced=True,
    )
    validation_fraction: float = setting(
        0.1,
        "Validation fraction",
        "Share of the images held out to measure the validation loss.",
        low=0,
        high=0.5,
        advanced=True,
    )
    hidden: int = setting(
        256,
        "Hidden width",
        "Width of the fully connected layer between the convolutions and the code.",
        low=8,
        high=4096,
        advanced=True,
    )
    base_channels: int = setting(
        32,
        "Base channels",
        "Channels of the first convolution; each stage doubles them (up to 256).",
        low=4,
        high=256,
        advanced=True,
    )

    def validate(self) -> TrainConfig:
        return validate(self, "Training setting")

    @classmethod
    def suggested(cls, image_shape) -> TrainConfig:
        """Defaults for images of (H, W, C): small images
        (16 px or less) get a smaller code, smaller batches and more epochs."""
        if max(image_shape[:2]) <= 16:
            return cls(latent_dim=8, epochs=20, batch_size=64)
        return cls(epochs=5)


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


def batches(images: torch.Tensor, order: np.ndarray, batch_size: int):
    """Float batches (N, C, H, W) in [0, 1] from uint8 (N, H, W, C) in the given order."""
    for start in range(0, len(order), batch_size):
        index = torch.from_numpy(order[start : start + batch_size])
        yield images[index].permute(0, 3, 1, 2).float().div_(255.0)


def split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and validation indices; at least one of each when fraction > 0."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = 0 if fraction == 0 else min(n - 1, max(1, round(n * fraction)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


@torch.no_grad()
def evaluate(network: LatentNetwork, images: torch.Tensor, index: np.ndarray, batch_size: int) -> dict[str, float]:
    """Mean loss terms over `index`, without sampling noise (deterministic); leaves the network in eval mode."""
    totals, count = dict.fromkeys(network.TERMS, 0.0), 0
    network.eval()
    for x in batches(images, index, max(batch_size, 256)):
        for key, value in network.loss_terms(x, None).items():
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
    config: TrainConfig | None = None,
    *,
    on_progress: Callable[[TrainingProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    **settings,
) -> LatentModel:
    """Train a model on `dataset` as `config` says and return it; `should_stop()` ends training within one batch.

    Keyword settings (latent_dim=8, epochs=3, ...) are a shortcut: they build the TrainConfig,
    or replace fields of the one given. on_progress receives a TrainingProgress at least once a
    second and after every epoch.
    """
    config = (replace(config, **settings) if config is not None else TrainConfig(**settings)).validate()
    if not isinstance(dataset, ImageDataset):
        raise InvalidInputError(f"train_model needs an ImageDataset, not {type(dataset).__name__}.")
    check_image_size(dataset.image_shape, dataset.name)
    if len(dataset) < 2:
        raise InvalidInputError(f"Dataset '{dataset.name}' has {len(dataset)} image; training needs at least 2.")
    model = initial_model(dataset, config)
    network, history = model.network, model.config["history"]
    images = torch.from_numpy(dataset.images)
    train_index, val_index = split(len(dataset), config.validation_fraction, config.seed)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.learning_rate)
    noise = torch.Generator().manual_seed(config.seed)
    shuffler = np.random.default_rng(config.seed + 1)
    steps_per_epoch = math.ceil(len(train_index) / config.batch_size)
    started = last_report = time.perf_counter()
    seen = 0

    def report(epoch: int, step: int, sums: dict, count: int) -> None:
        elapsed = time.perf_counter() - started
        done = (epoch - 1) * steps_per_epoch + step
        remaining = config.epochs * steps_per_epoch - done
        on_progress(
            TrainingProgress(
                epoch,
                config.epochs,
                step,
                steps_per_epoch,
                {k: v / max(count, 1) for k, v in sums.items()},
                seen / elapsed if elapsed > 0 else 0.0,
                elapsed / done * remaining if done else float("nan"),
                elapsed,
                list(history),
            )
        )

    for epoch in range(1, config.epochs + 1):
        network.train()
        sums, count, epoch_start = dict.fromkeys(network.TERMS, 0.0), 0, time.perf_counter()
        for step, x in enumerate(batches(images, shuffler.permutation(train_index), config.batch_size), start=1):
            if should_stop is not None and should_stop():
                model.config["stopped_early"] = True
                return finish(model)
            terms = network.loss_terms(x, noise)
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
            record |= {f"val_{k}": v for k, v in evaluate(network, images, val_index, config.batch_size).items()}
        if not all(math.isfinite(v) for v in record.values()):
            raise diverged(config, epoch, steps_per_epoch, record.get("val_loss", record["train_loss"]))
        history.append(record)
        if on_progress is not None:
            report(epoch, steps_per_epoch, sums, count)
            last_report = time.perf_counter()
    return finish(model)


def initial_model(dataset: ImageDataset, config: TrainConfig) -> LatentModel:
    """An untrained model of config.kind for the dataset's images, its weights drawn from config.seed."""
    h, w, c = dataset.image_shape
    arch = Architecture(
        height=h,
        width=w,
        channels=c,
        latent_dim=config.latent_dim,
        base_channels=config.base_channels,
        hidden=config.hidden,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return LatentModel.build(
            {
                "name": f"{config.kind}-{dataset.name}",
                "kind": config.kind,
                "beta": config.beta,
                "architecture": arch.to_dict(),
                "dataset": {
                    "name": dataset.name,
                    "fingerprint": dataset.fingerprint,
                    "size": len(dataset),
                    "label_names": dataset.label_names,
                },
                "training": asdict(config),
                "history": [],
            }
        )


def finish(model: LatentModel) -> LatentModel:
    model.network.eval()
    if not all(torch.isfinite(p).all() for p in model.network.parameters()):
        raise InvalidInputError("Training produced NaN weights; lower the learning rate or beta.")
    return model
