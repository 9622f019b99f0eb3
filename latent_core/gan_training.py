"""train_gan: fit a GAN (models/gan.py) to an ImageDataset on the CPU, then its inversion encoder.

The stable recipe of the issue: hinge loss, a spectrally normalised discriminator, n_dis
discriminator steps per generator step (1 by default), Adam with betas (0, 0.9). Deterministic
for a seed: the weights, the split, the shuffling and every z come from generators seeded by it.

Learning rate: TrainConfig's default (1e-3) is the VAE's; a GAN trained with that value uses the
recipe's 2e-4 instead (GAN_LEARNING_RATE); any other value is used as given. The model's config
records the rate used ('training': {'learning_rate': ...}), so training again from it gives the same run.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np
import torch

from .dataset import ImageDataset, check_image_size
from .errors import InvalidInputError
from .inversion import INVERSION_STEPS, pixel_mse, train_inversion
from .model import LatentModel, logits_to_images
from .models.gan import GAN, GANConfig, discriminator_hinge_loss, generator_hinge_loss
from .models.nets import Architecture
from .training import PROGRESS_INTERVAL_S, TrainConfig, TrainingProgress, batches, split

GAN_LEARNING_RATE = 2e-4
BETAS = (0.0, 0.9)
SAMPLE_EVERY = 200  # steps between two sample grids in the progress
SAMPLE_GRID = 16  # images in the grid, all from one fixed z
QUALITY_EVERY = 250  # steps between two quality checks (and the last epoch)
QUALITY_SAMPLES = 500
QUALITY_KEYS = ("fd", "class_coverage", "largest_class_share", "median_confidence")  # as the history records them
D_WINS_WINDOW = 200  # steps over which the discriminator's loss is watched
D_WINS_LOSS = 0.05  # its mean over the window below this: the discriminator wins
MIN_INVERSION_STEPS = 50  # the encoder trains for the GAN's own steps, within [50, INVERSION_STEPS]


@dataclass
class GANProgress(TrainingProgress):
    """A TrainingProgress (losses: d_loss, g_loss) with the GAN's own parts.

    samples: uint8 (16, H, W, C) decoded from a fixed z at step `samples_step` (None before the first);
    warnings: sentences on failures seen now; phase: "gan" while the generator trains, "inversion"
    while its encoder does (then epoch/step count the encoder's steps and losses are latent_mse, recon_mse).
    """

    samples: np.ndarray | None = None
    samples_step: int = 0
    warnings: list = field(default_factory=list)
    phase: str = "gan"


def gan_learning_rate(config: TrainConfig) -> float:
    """The GAN recipe's 2e-4 when config.learning_rate is TrainConfig's default (the VAE's rate), else config's."""
    default = next(f.default for f in fields(TrainConfig) if f.name == "learning_rate")
    return GAN_LEARNING_RATE if config.learning_rate == default else config.learning_rate


def discriminator_wins_warning(window: deque) -> str | None:
    """Words when the discriminator's loss stayed near zero over a full window of steps."""
    if len(window) < window.maxlen or np.mean(window) >= D_WINS_LOSS:
        return None
    return (
        f"The discriminator wins: its loss stayed near zero (mean {np.mean(window):.3f} over the last "
        f"{window.maxlen} steps), so it tells every sample from a real image and the generator learns little; "
        "samples are poor. Lower the learning rate, keep n_dis at 1, or give the generator more base channels."
    )


def collapse_warning(quality: dict) -> str | None:
    """Words when samples fall into few classes: the largest above max(50%, twice a fair share), or half missing."""
    classes = len(quality["class_shares"])
    if quality["largest_class_share"] <= max(0.5, 2 / classes) and quality["classes_found"] > classes // 2:
        return None
    return (
        f"Samples collapse to few classes: the dataset's classifier puts {quality['largest_class_share']:.0%} of "
        f"{quality['samples']} samples in '{quality['largest_class']}' and finds {quality['classes_found']} of "
        f"{classes} classes (mode collapse). Train longer, lower the learning rate, or try another seed."
    )


def initial_gan(
    dataset: ImageDataset, config: TrainConfig, n_dis: int, lr: float
) -> tuple[LatentModel, torch.nn.Module]:
    """An untrained GAN LatentModel for the dataset's images and its discriminator, weights drawn from config.seed."""
    h, w, c = dataset.image_shape
    arch = Architecture(
        height=h, width=w, channels=c, latent_dim=config.latent_dim, base_channels=config.base_channels, blocks="plain"
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        network = GAN(GANConfig(arch, n_dis=n_dis))
        discriminator = network.make_discriminator()
    model = LatentModel(
        network,
        {
            "name": f"gan-{dataset.name}",
            "kind": "gan",
            "architecture": arch.to_dict(),
            "gan": {"n_dis": n_dis, "loss": "hinge", "betas": list(BETAS)},
            "dataset": {
                "name": dataset.name,
                "fingerprint": dataset.fingerprint,
                "size": len(dataset),
                "label_names": dataset.label_names,
            },
            "training": asdict(replace(config, learning_rate=lr)),
            "history": [],
            "warnings": [],
        },
    )
    return model, discriminator


def check_config(dataset: ImageDataset, config: TrainConfig) -> tuple[TrainConfig, int]:
    """The validated config with its empty settings chosen for the dataset, and n_dis."""
    if not isinstance(config, TrainConfig):
        raise InvalidInputError(f"train_gan needs a TrainConfig, not {type(config).__name__}.")
    if config.kind != "gan":
        raise InvalidInputError(f"train_gan trains GANs, but the config's kind is {config.kind!r}; set kind='gan'.")
    if not isinstance(dataset, ImageDataset):
        raise InvalidInputError(f"train_gan needs an ImageDataset, not {type(dataset).__name__}.")
    check_image_size(dataset.image_shape, dataset.name)
    if len(dataset) < 2:
        raise InvalidInputError(f"Dataset '{dataset.name}' has {len(dataset)} image; training needs at least 2.")
    config = config.validate().resolved(dataset.image_shape, len(dataset)).validate()
    return config, config.n_dis


def diverged(epoch: int, step: int, losses: dict, lr: float) -> InvalidInputError:
    return InvalidInputError(
        f"Training diverged at epoch {epoch}, step {step}: the losses became "
        f"{', '.join(f'{k}={v:g}' for k, v in losses.items())}; lower the learning rate (now {lr:g})."
    )


def train_gan(
    dataset: ImageDataset,
    config: TrainConfig,
    *,
    on_progress: Callable[[TrainingProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    check_quality: bool = True,
) -> LatentModel:
    """Train a GAN on `dataset` as `config` says (kind, latent_dim, epochs, batch_size, learning_rate, seed,
    validation_fraction, base_channels, n_dis), then its inversion encoder for as many steps as the GAN took,
    at least MIN_INVERSION_STEPS and at most INVERSION_STEPS; returns the LatentModel.

    The validation images are held out of both and measure the inversion ('inversion': val_mse_encoder).
    on_progress receives a GANProgress at least once a second and after every epoch, with a grid of
    samples from a fixed z every SAMPLE_EVERY steps. should_stop() ends training within one batch and
    keeps the model so far (config['stopped_early']); stopped before the inversion, it has no encoder.
    With check_quality and a labelled dataset, about every QUALITY_EVERY steps and at the last epoch
    the history records sample quality on QUALITY_SAMPLES samples (fd, class_coverage,
    largest_class_share, median_confidence; see evaluation.sample_quality). config['warnings'] holds
    sentences on failures that still held at the end (the discriminator wins, mode collapse).
    """
    config, n_dis = check_config(dataset, config)
    lr = gan_learning_rate(config)
    model, discriminator = initial_gan(dataset, config, n_dis, lr)
    network, history = model.network, model.config["history"]
    generator, latent_dim = network.decoder, config.latent_dim
    images = torch.from_numpy(dataset.images)
    train_index, val_index = split(len(dataset), config.validation_fraction, config.seed)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=lr, betas=BETAS)
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=BETAS)
    noise = torch.Generator().manual_seed(config.seed)
    shuffler = np.random.default_rng(config.seed + 1)
    fixed_z = torch.randn(SAMPLE_GRID, latent_dim, generator=torch.Generator().manual_seed(config.seed + 2))
    steps_per_epoch = math.ceil(len(train_index) / config.batch_size)
    quality_on = check_quality and dataset.labels is not None and len(np.unique(dataset.labels)) >= 2
    d_window: deque = deque(maxlen=D_WINS_WINDOW)
    state = {"samples": None, "samples_step": 0, "warnings": [], "quality_warning": None}
    started = last_report = time.perf_counter()
    seen = done = last_quality = 0

    def sample_grid() -> np.ndarray:
        generator.eval()
        with torch.no_grad():
            grid = logits_to_images(generator(fixed_z))
        generator.train()
        return grid

    def current_warnings() -> list[str]:
        return [w for w in (discriminator_wins_warning(d_window), state["quality_warning"]) if w]

    def report(epoch: int, step: int, sums: dict, counts: dict) -> None:
        elapsed = time.perf_counter() - started
        remaining = config.epochs * steps_per_epoch - done
        on_progress(
            GANProgress(
                epoch,
                config.epochs,
                step,
                steps_per_epoch,
                {k: v / max(counts[k], 1) for k, v in sums.items()},
                seen / elapsed if elapsed > 0 else 0.0,
                elapsed / done * remaining if done else float("nan"),
                elapsed,
                list(history),
                state["samples"],
                state["samples_step"],
                list(state["warnings"]),
            )
        )

    for epoch in range(1, config.epochs + 1):
        network.train()
        discriminator.train()
        sums, counts = {"d_loss": 0.0, "g_loss": 0.0}, {"d_loss": 0, "g_loss": 0}
        epoch_start = time.perf_counter()
        for step, x in enumerate(batches(images, shuffler.permutation(train_index), config.batch_size), start=1):
            if should_stop is not None and should_stop():
                model.config["stopped_early"] = True
                return finish(model, state, complete=False)
            fake = torch.sigmoid(generator(torch.randn(len(x), latent_dim, generator=noise)))
            d_loss = discriminator_hinge_loss(discriminator(x), discriminator(fake.detach()))
            d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            d_optimizer.step()
            losses = {"d_loss": d_loss.item()}
            if done % n_dis == n_dis - 1:
                g_loss = generator_hinge_loss(discriminator(fake))
                g_optimizer.zero_grad(set_to_none=True)
                g_loss.backward()
                g_optimizer.step()
                losses["g_loss"] = g_loss.item()
            if not all(math.isfinite(v) for v in losses.values()):
                raise diverged(epoch, step, losses, lr)
            done += 1
            seen += len(x)
            d_window.append(losses["d_loss"])
            for key, value in losses.items():
                sums[key] += value
                counts[key] += 1
            if done == 1 or done % SAMPLE_EVERY == 0:
                state["samples"], state["samples_step"] = sample_grid(), done
                state["warnings"] = current_warnings()
            if on_progress is not None and time.perf_counter() - last_report >= PROGRESS_INTERVAL_S:
                report(epoch, step, sums, counts)
                last_report = time.perf_counter()
        measured = {}
        if quality_on and (done - last_quality >= QUALITY_EVERY or epoch == config.epochs):
            quality = epoch_quality(model, dataset, config.seed)
            measured = {key: quality[key] for key in QUALITY_KEYS}
            state["quality_warning"] = collapse_warning(quality)
            last_quality = done
        record = {"epoch": epoch, "seconds": time.perf_counter() - epoch_start}  # quality check included
        record |= {f"train_{k}": v / max(counts[k], 1) for k, v in sums.items()} | measured
        state["warnings"] = current_warnings()
        history.append(record)
        if on_progress is not None:
            report(epoch, steps_per_epoch, sums, counts)
            last_report = time.perf_counter()
    state["samples"], state["samples_step"] = sample_grid(), done
    network.eval()
    steps = min(INVERSION_STEPS, max(MIN_INVERSION_STEPS, done))
    invert_after(model, images, (train_index, val_index), config, steps, on_progress, should_stop, state)
    return finish(model, state, complete=True)


def epoch_quality(model: LatentModel, dataset: ImageDataset, seed: int) -> dict:
    """sample_quality on QUALITY_SAMPLES samples with the generator in eval mode (as decode uses it), 'fd' for short."""
    from .evaluation.sample_quality import sample_quality

    network = model.network
    training = network.training
    network.eval()
    try:
        quality = sample_quality(model, dataset, n=QUALITY_SAMPLES, seed=seed)
    finally:
        network.train(training)
    return quality | {"fd": quality["frechet_distance"]}


def invert_after(
    model: LatentModel,
    images: torch.Tensor,
    indices: tuple[np.ndarray, np.ndarray],
    config: TrainConfig,
    steps: int,
    on_progress: Callable[[TrainingProgress], None] | None,
    should_stop: Callable[[], bool] | None,
    state: dict,
) -> None:
    """Train the inversion encoder for `steps` steps on the training images (indices: train, validation),
    report it as phase 'inversion', and record in model.config['inversion'] its steps, mean losses and the
    encoder-only pixel MSE on the validation images."""
    train_index, val_index = indices
    started = last = time.perf_counter()

    def on_step(step: int, losses: dict) -> None:
        nonlocal last
        if on_progress is None or (time.perf_counter() - last < PROGRESS_INTERVAL_S and step < steps):
            return
        elapsed = time.perf_counter() - started
        on_progress(
            GANProgress(
                1,
                1,
                step,
                steps,
                losses,
                step * config.batch_size / elapsed if elapsed > 0 else 0.0,
                elapsed / step * (steps - step),
                elapsed,
                list(model.history),
                state["samples"],
                state["samples_step"],
                list(state["warnings"]),
                "inversion",
            )
        )
        last = time.perf_counter()

    record = train_inversion(
        model.network,
        images,
        train_index,
        config.batch_size,
        config.seed,
        steps=steps,
        on_step=on_step,
        should_stop=should_stop,
    )
    if record["steps"] < steps:
        model.config["stopped_early"] = True
    if len(val_index):
        held_out = images[torch.from_numpy(val_index)].numpy()
        record["val_mse_encoder"] = float(pixel_mse(model, held_out, model.encode(held_out)).mean())
    model.config["inversion"] = record


def finish(model: LatentModel, state: dict, complete: bool) -> LatentModel:
    """The model in eval mode with the warnings that still hold and 'best_epoch', the epoch whose generator
    weights it holds (the last; None when cancelled within an epoch); refuses non-finite weights."""
    model.network.eval()
    model.config["warnings"] = list(state["warnings"])
    model.config["best_epoch"] = model.history[-1]["epoch"] if complete and model.history else None
    if not all(torch.isfinite(p).all() for p in model.network.parameters()):
        raise InvalidInputError("Training produced NaN weights; lower the learning rate.")
    return model
