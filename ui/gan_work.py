"""The GAN views' work in a worker process: a sampled cloud of codes for the Map, and the Compare page's figures.

Worker processes import this module, so it never imports streamlit, and imports latent_core's heavy parts only
inside the work, after the worker has set its thread counts. Each piece of work takes a checkpoint folder
(the server saves the model there for it) and the job's proxy last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latent_core.dataset import ImageDataset

CLOUD_SAMPLES = 2000  # codes drawn for a sampled cloud
CLOUD_SEED = 0
QUALITY_SAMPLES = 2000  # samples the Compare page's quality figures are measured on


@dataclass(eq=False)
class SampledCloud(ImageDataset):
    """Images decoded from codes drawn from N(0, I), labelled by the dataset's classifier when it has labels.

    codes: float32 (N, latent_dim), the codes the images were decoded from (what the Map projects), read-only;
    images: uint8 (N, H, W, C); labels: the classifier's predicted class (N,), or None for unlabelled data."""

    codes: np.ndarray | None = None


def draw_codes(latent_dim: int, n: int, seed: int) -> np.ndarray:
    """float32 (n, latent_dim) from N(0, I), the same for the same seed and sizes."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def has_classes(dataset: ImageDataset) -> bool:
    return dataset.labels is not None and len(np.unique(dataset.labels)) >= 2


def sampled_cloud(checkpoint: str, dataset: ImageDataset, n: int, seed: int, job) -> SampledCloud:
    """n codes from N(0, I) (seeded), the model's images of them and, for a labelled dataset, the class its
    classifier (evaluation.sample_quality's, trained on `dataset`) predicts for each image."""
    import latent_core
    from latent_core.evaluation.sample_quality import fit_classifier

    model = latent_core.load_model(checkpoint)
    codes = draw_codes(model.latent_dim, n, seed)
    job.report(0.1, f"Decoding {n:,} sampled codes")
    images = model.decode(codes)
    codes.setflags(write=False)  # the map's codes, shared by every rerun
    labels = names = None
    if has_classes(dataset):
        job.report(0.3, f"Training a classifier on '{dataset.name}' to label the samples")
        probs, _ = fit_classifier(dataset).predict(images)
        labels = probs.argmax(axis=1)
        names = [f"{name} (classified)" for name in dataset.label_names or map(str, range(probs.shape[1]))]
    job.report(1.0, "Done")
    return SampledCloud(images, labels, names, name=f"{n:,} samples of {model.name}", codes=codes)


def compare_figures(checkpoint: str, dataset: ImageDataset, evaluate: bool, job) -> dict:
    """The Compare page's figures of one model on `dataset`: 'quality', sample_quality on QUALITY_SAMPLES samples
    (None for unlabelled data), and with `evaluate` 'evaluation', latent_core.evaluate's figures as a dict."""
    import latent_core

    from .evaluation_work import evaluate_model

    model = latent_core.load_model(checkpoint)
    figures = {"quality": None, "evaluation": None}
    if has_classes(dataset):
        job.report(0.05, f"Measuring {QUALITY_SAMPLES:,} samples")
        figures["quality"] = latent_core.sample_quality(model, dataset, n=QUALITY_SAMPLES)
    if evaluate:
        figures["evaluation"] = evaluate_model(
            model, dataset, lambda fraction, text: job.report(0.3 + 0.7 * fraction, text), job.should_stop
        )
    return figures
