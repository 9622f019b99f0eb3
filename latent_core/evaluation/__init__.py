"""evaluate(model, dataset): how good a model is on held-out images, in one Evaluation.

One module per concern: likelihood.py (ELBO, IWAE bound, KL per dimension, reconstruction error),
disentanglement.py (MIG, DCI, SAP against known factors), readout.py (template matching of shapes
reconstructions), result.py (the Evaluation and its JSON form). Checkpoints keep an Evaluation as
metrics.json (latent_core.checkpoint.metrics).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ..dataset import ImageDataset
from ..errors import InvalidInputError
from ..model import LatentModel
from ..models.vae import VAE
from ..projection.progress import Progress, ProjectionCancelled
from ..training import split as training_split
from .disentanglement import disentanglement_scores, usable_factors
from .likelihood import measure_likelihood
from .readout import has_shape_factors, read_shapes
from .result import Evaluation

MAX_K = 10_000
READOUT_MAX_IMAGES = 2000  # template matching costs about 10 ms an image; a seeded sample beyond this


class EvaluationCancelled(Exception):
    """Raised inside `evaluate` when its `should_stop()` returned True; nothing is returned or saved."""


class EvaluationProgress(Progress):
    """Projection's throttled progress reports, raising EvaluationCancelled when asked to stop."""

    def update(self, fraction: float, force: bool = False) -> None:
        try:
            super().update(fraction, force)
        except ProjectionCancelled:
            raise EvaluationCancelled(f"Evaluation cancelled during: {self.message}.") from None


def held_out(model: LatentModel, dataset: ImageDataset) -> tuple[np.ndarray, str]:
    """Indices of the images to evaluate on and what they are: the model's own validation split when it was
    trained on this very dataset (same fingerprint), its training images when that split was empty, else all."""
    trained_on = model.config.get("dataset") or {}
    training = model.config.get("training") or {}
    if trained_on.get("fingerprint") != dataset.fingerprint:
        return np.arange(len(dataset)), "all"
    try:
        _, validation = training_split(len(dataset), float(training["validation_fraction"]), int(training["seed"]))
    except (KeyError, TypeError, ValueError):
        return np.arange(len(dataset)), "training"
    return (validation, "validation") if len(validation) else (np.arange(len(dataset)), "training")


def check_arguments(model, dataset, k, max_images) -> None:
    if not isinstance(model, LatentModel):
        raise InvalidInputError(f"evaluate needs a LatentModel, not {type(model).__name__}.")
    if not isinstance(dataset, ImageDataset):
        raise InvalidInputError(f"evaluate needs an ImageDataset, not {type(dataset).__name__}.")
    if not model.can_encode:
        raise InvalidInputError(f"Model '{model.name}' has no encoder, so it cannot be evaluated on images.")
    if dataset.image_shape != model.image_shape:
        raise InvalidInputError(
            f"Model '{model.name}' takes images of shape {model.image_shape} (H, W, C), but dataset "
            f"'{dataset.name}' has {dataset.image_shape}."
        )
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidInputError(f"The number of importance samples k must be a whole number from 1 to {MAX_K}.")
    if not isinstance(max_images, int) or max_images < 1:
        raise InvalidInputError("max_images must be a whole number of at least 1.")


def density_note(model: LatentModel) -> str | None:
    """Why a model has no ELBO or likelihood, or None when it has them."""
    if isinstance(model.network, VAE):
        return None
    if model.kind == "ae":
        return "An autoencoder has no prior or posterior, so it has no ELBO or likelihood; only reconstructions."
    return f"A {model.kind.upper()} model has no posterior here, so it has no ELBO or likelihood; only reconstructions."


def evaluate(
    model: LatentModel,
    dataset: ImageDataset,
    *,
    k: int = 100,
    binarize: bool = False,
    max_images: int = 1000,
    seed: int = 0,
    factors: bool = True,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Evaluation:
    """How good `model` is on `dataset`'s held-out images (see `held_out`), at most `max_images` of them
    (a seeded sample). Figures in Evaluation's docstring.

    k: importance samples per image for the IWAE bound (1 to 10,000; memory stays bounded, time grows with k).
    binarize: evaluate on pixels thresholded at 0.5 (>= 128 of 255 -> 1), as the binarised-MNIST literature does.
    factors: also score disentanglement (and, for shapes, the readout) when the dataset has known factors.
    on_progress(fraction, message) is called at most four times a second; `should_stop()` is polled as often, and
    when it returns True evaluate raises EvaluationCancelled within one decoder pass. Deterministic for a seed.
    """
    check_arguments(model, dataset, k, max_images)
    started = time.perf_counter()
    index, split_name = held_out(model, dataset)
    if len(index) > max_images:
        index = np.sort(np.random.default_rng(seed).choice(index, max_images, replace=False))
    known = {name: np.asarray(values)[index] for name, values in dataset.factors.items()} if factors else {}
    readout = bool(known) and has_shape_factors(known, dataset.image_shape)
    note = density_note(model)
    progress = EvaluationProgress(on_progress, should_stop)
    share = 0.7 if known else 1.0
    progress.stage(0.0, share, f"Measuring the likelihood of {len(index)} images")
    figures = measure_likelihood(
        model.network,
        dataset.images[index],
        k=k,
        density=note is None,
        binarize=binarize,
        seed=seed,
        keep_reconstructions=readout,
        on_progress=progress.update,
    )
    result = Evaluation(
        model_name=model.name,
        dataset_name=dataset.name,
        dataset_fingerprint=dataset.fingerprint,
        split=split_name,
        n_images=len(index),
        binarized=binarize,
        seed=seed,
        k=k if note is None else None,
        seconds=0.0,
        density_note=note,
        likelihood=model.config.get("likelihood", "bernoulli") if note is None else None,
        **{name: getattr(figures, name) for name in LIKELIHOOD_FIELDS},
    )
    if known:
        progress.stage(share, 0.85 if readout else 1.0, "Scoring disentanglement against the known factors")
        score_factors(result, figures.codes, known, model.latent_dim, seed)
    if readout:
        progress.stage(0.85, 1.0, "Reading shapes from the reconstructions")
        sample = np.arange(len(index))
        if len(sample) > READOUT_MAX_IMAGES:
            sample = np.sort(np.random.default_rng(seed).choice(sample, READOUT_MAX_IMAGES, replace=False))
        images = figures.reconstructions[sample, 0]
        truth = {name: np.asarray(values)[sample] for name, values in known.items()}
        result.readout = read_shapes(images, truth, lambda shape: progress.update((shape + 1) / 3)).to_dict()
    result.seconds = time.perf_counter() - started
    progress.done("Evaluated")
    return result


LIKELIHOOD_FIELDS = (
    "recon_mse",
    "mean_image_mse",
    "recon_spread_ratio",
    "elbo_nats",
    "elbo_se",
    "elbo_recon_nats",
    "elbo_kl_nats",
    "iwae_nll_nats",
    "iwae_se",
    "iwae_ess",
    "kl_per_dim",
    "active_units",
)


def score_factors(result: Evaluation, codes: np.ndarray, known: dict, latent_dim: int, seed: int) -> None:
    """Fill the disentanglement scores (and factor names and notes) of `result` from codes (N, d) and the
    images' known factors (name -> (N,))."""
    usable, result.factor_notes = usable_factors(known, latent_dim)
    if not usable:
        return
    scores = disentanglement_scores(codes, usable, seed)
    result.factor_names = list(scores.factor_names)
    result.mig, result.sap = scores.mig, scores.sap
    result.dci_disentanglement = scores.dci_disentanglement
    result.dci_completeness = scores.dci_completeness
    result.dci_informativeness = scores.dci_informativeness


__all__ = ["Evaluation", "EvaluationCancelled", "evaluate", "held_out"]
