"""TrainConfig: every setting of a training run, and the defaults it picks for a dataset.

Defaults are sized by optimisation steps, not epochs: a run takes about TARGET_STEPS steps,
fewer when its images are large enough that those would take more than a few minutes on a
laptop CPU (PIXEL_BUDGET). Empty (None) settings are filled in by `resolved` from the
dataset's size; `steps` and `describe_steps` say how long a run is in steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from .fields import setting, validate
from .models import KINDS, LIKELIHOODS
from .models.nets import BLOCKS

TARGET_STEPS = 3_000  # steps a default run aims at (see README 'Training' for the measurements)
PIXEL_BUDGET = 60_000_000  # images x pixels a default run may process: about 3 minutes of the residual nets here
LR_WARMUP_STEPS = 100  # default learning-rate warm-up, at most a tenth of the run
KL_WARMUP_SHARE = 0.25  # default KL warm-up: this share of the run
LARGE_IMAGE_LR = 5e-4  # suggested peak learning rate for images of 48 px or more
SCHEDULES = ("cosine", "constant")
AUTO = "auto"


def validation_count(n: int, fraction: float) -> int:
    """Images held out for validation from n: none when fraction is 0, else at least one and at most n - 1."""
    return 0 if fraction == 0 else min(n - 1, max(1, round(n * fraction)))


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run. Each field's range and help live here, once:
    `validate` checks them, and the CLI's flags and the Model page's form are made from them.
    Fields that may be empty (epochs, warmup_steps, kl_warmup_steps) are chosen for the dataset by `resolved`."""

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
        "Weight of the KL term. Above 1 pushes towards disentangled factors, at some cost in detail.",
        low=0,
        high=1000,
        kinds=("vae",),
    )
    tc_weight: float = setting(
        0.0,
        "Total-correlation weight",
        "Extra weight on the codes' total correlation (β-TCVAE), on top of β·KL: it pushes the latent dimensions "
        "towards carrying independent factors, without charging the information the codes keep about the "
        "images; 5 with β 1 is the paper's usual β-TCVAE; 0: off.",
        low=0,
        high=1000,
        advanced=True,
        kinds=("vae",),
    )
    n_dis: int = setting(
        1,
        "Discriminator steps",
        "Discriminator updates per generator update. 1 is the stable recipe with spectral normalisation "
        "and the hinge loss.",
        low=1,
        high=10,
        kinds=("gan",),
    )
    epochs: int | None = setting(
        None,
        "Epochs",
        f"Passes over the training images; empty: enough for about {TARGET_STEPS:,} optimisation steps "
        "(fewer for large images, so that a run takes minutes).",
        low=1,
        high=10_000,
        optional=True,
    )
    batch_size: int = setting(
        128, "Batch size", "Images per optimisation step.", low=1, high=65_536, presets=(16, 32, 64, 128, 256, 512)
    )
    learning_rate: float = setting(
        1e-3,
        "Learning rate",
        "Adam's peak step size; lower it if training diverges.",
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
        "Share of the images held out to measure the validation loss, which picks the best epoch.",
        low=0,
        high=0.5,
        advanced=True,
    )
    blocks: str = setting(
        "residual",
        "Network",
        "residual: convolutions with a residual block per stage; plain: one convolution per stage; mlp: no "
        "convolutions, two fully connected layers of the hidden width in each network (fast on small images).",
        choices=BLOCKS,
        advanced=True,
        kinds=("vae", "ae"),
    )
    hidden: int = setting(
        256,
        "Hidden width",
        "Width of the fully connected layer between the convolutions and the code (mlp: of each hidden layer).",
        low=8,
        high=4096,
        advanced=True,
        kinds=("vae", "ae"),
    )
    base_channels: int = setting(
        32,
        "Base channels",
        "Channels of the first convolution; each stage doubles them (up to 256).",
        low=4,
        high=256,
        advanced=True,
    )
    likelihood: str = setting(
        AUTO,
        "Pixel likelihood",
        "How reconstructions are scored: Bernoulli for black-and-white images, Gaussian (with a learned "
        "noise level) for grey or colour photos, or the continuous Bernoulli; auto picks Bernoulli when "
        "90% of the pixels are near black or white, else Gaussian.",
        choices=(AUTO, *LIKELIHOODS),
        advanced=True,
        kinds=("vae", "ae"),
    )
    schedule: str = setting(
        "cosine",
        "Learning-rate schedule",
        "After the warm-up, cosine lowers the learning rate smoothly to 0 by the last step; constant keeps it.",
        choices=SCHEDULES,
        advanced=True,
        kinds=("vae", "ae"),
    )
    warmup_steps: int | None = setting(
        None,
        "Learning-rate warm-up",
        f"Steps over which the learning rate rises from 0; 0: none; empty: {LR_WARMUP_STEPS}, "
        "at most a tenth of the run.",
        low=0,
        high=1_000_000,
        optional=True,
        advanced=True,
        kinds=("vae", "ae"),
    )
    kl_warmup_steps: int | None = setting(
        None,
        "KL warm-up",
        "Steps over which the KL term's weight rises linearly from 0 to β, so the code carries information "
        f"before the prior pulls on it; 0: none; empty: the first {KL_WARMUP_SHARE:.0%} of the run.",
        low=0,
        high=1_000_000,
        optional=True,
        advanced=True,
        kinds=("vae",),
    )
    free_bits: float = setting(
        0.0,
        "Free bits",
        "Nats of KL per latent dimension the loss does not charge for (averaged over a batch), so that "
        "dimensions are not switched off early; 0: off.",
        low=0,
        high=10,
        advanced=True,
        kinds=("vae",),
    )
    patience: int = setting(
        0,
        "Early-stopping patience",
        "Stop when the validation loss has not improved for this many epochs; 0: train every epoch. "
        "Either way the model keeps the weights of its best epoch.",
        low=0,
        high=10_000,
        advanced=True,
        kinds=("vae", "ae"),
    )

    def validate(self) -> TrainConfig:
        return validate(self, "Training setting")

    @classmethod
    def suggested(cls, image_shape, n_images: int | None = None) -> TrainConfig:
        """Defaults for images of (H, W, C), resolved for `n_images` images when given (see `resolved`):
        small images (16 px or less) get a smaller code and batches of 64; images of 48 px or more batches
        of 32 (as fast per image on a CPU, and more steps in the same time) and a learning rate of 5e-4
        (at 1e-3 the residual networks diverged on 64x64 faces)."""
        side = max(image_shape[:2])
        if side <= 16:
            config = cls(latent_dim=8, batch_size=64)
        else:
            config = cls(batch_size=32, learning_rate=LARGE_IMAGE_LR) if side >= 48 else cls()
        return config if n_images is None else config.resolved(image_shape, n_images)

    def n_train(self, n_images: int) -> int:
        """Training images of a dataset of n_images once the validation images are held out (see training.split)."""
        return n_images - validation_count(n_images, self.validation_fraction)

    def steps_per_epoch(self, n_images: int) -> int:
        return math.ceil(self.n_train(n_images) / self.batch_size)

    def default_epochs(self, image_shape, n_images: int) -> int:
        """Epochs for about TARGET_STEPS steps, or fewer when the images would exceed PIXEL_BUDGET."""
        pixels = math.prod(image_shape)
        steps = min(TARGET_STEPS, PIXEL_BUDGET / (self.batch_size * pixels))
        return int(min(10_000, max(1, round(steps / self.steps_per_epoch(n_images)))))

    def resolved(self, image_shape, n_images: int) -> TrainConfig:
        """This config with its empty settings chosen for n_images images of (H, W, C): epochs (see
        default_epochs), the learning-rate warm-up (LR_WARMUP_STEPS, at most a tenth of the run) and the KL
        warm-up (KL_WARMUP_SHARE of the run)."""
        config = self if self.epochs is not None else replace(self, epochs=self.default_epochs(image_shape, n_images))
        total = config.steps(n_images)
        if config.warmup_steps is None:
            config = replace(config, warmup_steps=min(LR_WARMUP_STEPS, total // 10))
        if config.kl_warmup_steps is None:
            share = KL_WARMUP_SHARE if config.applies("kl_warmup_steps") else 0
            config = replace(config, kl_warmup_steps=min(1_000_000, round(total * share)))
        return config

    def applies(self, name: str) -> bool:
        """Whether setting `name` applies to this config's model kind (its field's `kinds`; an AE has no KL)."""
        kinds = next(f.metadata["spec"].kinds for f in fields(self) if f.name == name)
        return not kinds or self.kind in kinds

    def steps(self, n_images: int) -> int:
        """Optimisation steps of the whole run on a dataset of n_images (epochs must be set: see `resolved`)."""
        return self.epochs * self.steps_per_epoch(n_images)

    def describe_steps(self, n_images: int) -> str:
        """The run's length in words, e.g. '≈ 3,000 steps (40 epochs)'."""
        return f"≈ {self.steps(n_images):,} steps ({self.epochs:,} epoch{'s' if self.epochs != 1 else ''})"
