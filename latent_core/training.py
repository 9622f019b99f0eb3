"""train_model: fit a VAE, beta-VAE or autoencoder to an ImageDataset on the CPU.

Deterministic for a seed (and a thread count): the weights, the validation split, the
shuffling and the sampling noise all come from generators seeded by it. Settings are in
training_config.TrainConfig; the learning-rate and KL schedules and the best-epoch keeping
in training_schedule.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch

from .dataset import ImageDataset, check_image_size
from .errors import InvalidInputError
from .model import LatentModel
from .models import LatentNetwork, choose_likelihood
from .models.nets import Architecture
from .replay import MapRecorder
from .training_config import AUTO, TrainConfig, validation_count
from .training_schedule import BestEpoch, kl_weight, lr_scheduler

__all__ = ["TrainConfig", "TrainingProgress", "batches", "default_threads", "split", "train_model"]

PROGRESS_INTERVAL_S = 0.5


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
    n_val = validation_count(n, fraction)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def epoch_noise(seed: int, epoch: int) -> torch.Generator:
    """The generator of an epoch's validation draws: the same for the same seed and epoch."""
    return torch.Generator().manual_seed(int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0]))


@torch.no_grad()
def evaluate(
    network: LatentNetwork, images: torch.Tensor, index: np.ndarray, batch_size: int, noise: torch.Generator | None
) -> dict[str, float]:
    """Mean loss terms over `index` at the full KL weight, without free bits; leaves the network in eval mode.

    With `noise` (a seeded generator) z is one draw per image, so recon + kl is a single-sample
    estimate of the negative ELBO and 'loss' the training objective recon + beta * kl.
    """
    totals, count = dict.fromkeys(network.TERMS, 0.0), 0
    network.eval()
    for x in batches(images, index, max(batch_size, 256)):
        for key, value in network.loss_terms(x, noise).items():
            totals[key] += float(value) * len(x)
        count += len(x)
    return {key: value / count for key, value in totals.items()}


def diverged(config: TrainConfig, epoch: int, step: int, value: float) -> InvalidInputError:
    return InvalidInputError(
        f"Training diverged at epoch {epoch}, step {step}: the loss became {value}; "
        f"lower the learning rate (now {config.learning_rate:g}) or beta (now {config.beta:g})."
    )


def default_threads() -> int:
    """Torch threads for a training that was not told how many: the count the environment names
    (OMP_NUM_THREADS, as set by the app's workers), else the cores this process may use that the
    load average leaves free (at least 1). Under a busy CPU 2 threads trained 6x slower than 1."""
    named = os.environ.get("OMP_NUM_THREADS", "")
    if named.isdigit() and int(named) > 0:
        return int(named)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, round(cores - os.getloadavg()[0])))


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the block with torch's intra-op thread count set to `threads`, then restore it."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_model(
    dataset: ImageDataset,
    config: TrainConfig | None = None,
    *,
    on_progress: Callable[[TrainingProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    threads: int | None = None,
    record_map: bool = True,
    **settings,
) -> LatentModel:
    """Train a model on `dataset` as `config` says and return it with the weights of its best epoch.

    Keyword settings (latent_dim=8, epochs=3, ...) are a shortcut: they build the TrainConfig,
    or replace fields of the one given; empty settings are chosen for the dataset
    (TrainConfig.resolved). on_progress receives a TrainingProgress at least once a second and
    after every epoch. `should_stop()` ends training within one batch: the model returned then
    is the best so far (config['stopped_early'] is True), for the caller to keep or drop.
    threads: torch threads while training (None: default_threads()). record_map: keep the codes of a fixed sample
    at a few epochs as `model.training_map` (replay.TrainingMap, saved with the checkpoint; VAE and AE only).

    The model's config records the resolved settings ('training'), the pixel likelihood
    ('likelihood'), the per-epoch history and 'best_epoch', the epoch whose weights it holds:
    the lowest validation loss after the KL warm-up (the last epoch without validation images).
    """
    config = (replace(config, **settings) if config is not None else TrainConfig(**settings)).validate()
    if not isinstance(dataset, ImageDataset):
        raise InvalidInputError(f"train_model needs an ImageDataset, not {type(dataset).__name__}.")
    check_image_size(dataset.image_shape, dataset.name)
    if len(dataset) < 2:
        raise InvalidInputError(f"Dataset '{dataset.name}' has {len(dataset)} image; training needs at least 2.")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise InvalidInputError(f"threads={threads!r} is invalid; it must be a whole number from 1.")
    config = config.resolved(dataset.image_shape, len(dataset)).validate()
    with torch_threads(threads or default_threads()):
        if config.kind == "gan":
            from .gan_training import train_gan  # it imports this module, so it is loaded on first use

            return train_gan(dataset, config, on_progress=on_progress, should_stop=should_stop)
        return fit(dataset, config, on_progress, should_stop, record_map)


def fit(
    dataset: ImageDataset,
    config: TrainConfig,
    on_progress: Callable[[TrainingProgress], None] | None,
    should_stop: Callable[[], bool] | None,
    record_map: bool = True,
) -> LatentModel:
    """train_model's loop, for a validated config whose empty settings are resolved."""
    model = initial_model(dataset, config)
    network, history = model.network, model.config["history"]
    images = torch.from_numpy(dataset.images)
    recorder = MapRecorder(images, config.epochs, config.seed) if record_map else None
    if recorder is not None:
        recorder.record(network, 0)
    train_index, val_index = split(len(dataset), config.validation_fraction, config.seed)
    steps_per_epoch = config.steps_per_epoch(len(dataset))
    optimizer = torch.optim.Adam(network.parameters(), lr=config.learning_rate)
    scheduler = lr_scheduler(optimizer, config.steps(len(dataset)), config.warmup_steps, config.schedule)
    kl_warmup = config.kl_warmup_steps if config.applies("kl_warmup_steps") else 0
    free_bits = config.free_bits if config.applies("free_bits") else 0.0
    best = BestEpoch(config.patience if len(val_index) else 0, from_step=kl_warmup)
    noise = torch.Generator().manual_seed(config.seed)
    shuffler = np.random.default_rng(config.seed + 1)
    started = last_report = time.perf_counter()
    seen = done = 0

    def report(epoch: int, step: int, sums: dict, count: int) -> None:
        elapsed = time.perf_counter() - started
        so_far = (epoch - 1) * steps_per_epoch + step
        remaining = config.epochs * steps_per_epoch - so_far
        on_progress(
            TrainingProgress(
                epoch,
                config.epochs,
                step,
                steps_per_epoch,
                {k: v / max(count, 1) for k, v in sums.items()},
                seen / elapsed if elapsed > 0 else 0.0,
                elapsed / so_far * remaining if so_far else float("nan"),
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
                return finish(model, best, complete=False, recorder=recorder)
            weight = kl_weight(done, kl_warmup)
            terms = network.loss_terms(x, noise, kl_weight=weight, free_bits=free_bits)
            value = terms["loss"].item()
            if not math.isfinite(value):
                raise diverged(config, epoch, step, value)
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            scheduler.step()
            done += 1
            for key, term in terms.items():
                sums[key] += term.item() * len(x)
            count += len(x)
            seen += len(x)
            if on_progress is not None and time.perf_counter() - last_report >= PROGRESS_INTERVAL_S:
                report(epoch, step, sums, count)
                last_report = time.perf_counter()
        record = {"epoch": epoch, "seconds": time.perf_counter() - epoch_start}
        record |= {f"train_{k}": v / count for k, v in sums.items()}
        record |= {"lr": optimizer.param_groups[0]["lr"], "kl_weight": weight}
        if len(val_index):
            measured = evaluate(network, images, val_index, config.batch_size, epoch_noise(config.seed, epoch))
            record |= {f"val_{k}": v for k, v in measured.items()}
        if not all(math.isfinite(v) for v in record.values()):
            raise diverged(config, epoch, steps_per_epoch, record.get("val_loss", record["train_loss"]))
        history.append(record)
        if recorder is not None:
            recorder.record(network, epoch)
        best.update(epoch, done, record.get("val_loss", math.inf), network)
        if on_progress is not None:
            report(epoch, steps_per_epoch, sums, count)
            last_report = time.perf_counter()
        if best.should_stop:
            model.config["stopped_on_plateau"] = True
            break
    return finish(model, best, complete=True, recorder=recorder)


def initial_model(dataset: ImageDataset, config: TrainConfig) -> LatentModel:
    """An untrained model of config.kind for the dataset's images, its weights drawn from config.seed, with the
    pixel likelihood config.likelihood names (auto: models.choose_likelihood of the images)."""
    h, w, c = dataset.image_shape
    arch = Architecture(
        height=h,
        width=w,
        channels=c,
        latent_dim=config.latent_dim,
        base_channels=config.base_channels,
        hidden=config.hidden,
        blocks=config.blocks,
    )
    likelihood = choose_likelihood(dataset.images) if config.likelihood == AUTO else config.likelihood
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return LatentModel.build(
            {
                "name": f"{config.kind}-{dataset.name}",
                "kind": config.kind,
                "beta": config.beta,
                "tc_weight": config.tc_weight if config.applies("tc_weight") else 0.0,
                "likelihood": likelihood,
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


def finish(model: LatentModel, best: BestEpoch, complete: bool, recorder: MapRecorder | None = None) -> LatentModel:
    """The model with its best epoch's weights, in eval mode. When none was kept it keeps the weights it has:
    the last epoch's after a complete epoch (best_epoch names it), else those of a cancelled epoch (None).
    With a recorder, the model's training_map gets the recorded frames and the kept weights' codes."""
    network = model.network
    kept = best.restore(network)
    last = model.history[-1]["epoch"] if model.history and complete else None
    model.config["best_epoch"] = kept if kept is not None else last
    network.eval()
    if not all(torch.isfinite(p).all() for p in network.parameters()):
        raise InvalidInputError("Training produced NaN weights; lower the learning rate or beta.")
    if recorder is not None:
        model.training_map = recorder.result(model)
    return model
