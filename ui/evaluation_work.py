"""The evaluation's work in a worker process: `latent_core.evaluate` of a model, with progress in words.

Worker processes import this module (ui.workers' training evaluates the model it trained; ui.evaluation
sends a checkpoint to evaluate), so it never imports streamlit, and imports latent_core only inside the
work, after the worker has set its thread counts.
"""

from __future__ import annotations

from collections.abc import Callable

K = 100  # importance samples per image for the IWAE bound (the engine's and the CLI's default)
MAX_IMAGES = 1000  # held-out images evaluated at most (a seeded sample beyond)


def progress_text(fraction: float, message: str = "") -> str:
    """An evaluation's progress in words: 'Evaluating · 40% · Measuring the likelihood of 180 images'."""
    return " · ".join(part for part in ("Evaluating", f"{fraction:.0%}", message) if part)


def evaluate_model(
    model, dataset, report: Callable[[float, str], None], should_stop: Callable[[], bool] | None = None
) -> dict:
    """Evaluation.to_dict() of a LatentModel on an ImageDataset's held-out images (K samples, MAX_IMAGES images).

    report(fraction, text) receives the progress in words; should_stop() ends it with EvaluationCancelled.
    Raises InvalidInputError when the model cannot be evaluated on these images."""
    import latent_core

    result = latent_core.evaluate(
        model,
        dataset,
        k=K,
        max_images=MAX_IMAGES,
        on_progress=lambda fraction, message: report(fraction, progress_text(fraction, message)),
        should_stop=should_stop,
    )
    return result.to_dict()


def evaluate_checkpoint(checkpoint: str, dataset, job) -> dict:
    """`evaluate_model` of the model saved in the checkpoint folder `checkpoint`, reporting to the job's proxy."""
    import latent_core

    return evaluate_model(latent_core.load_model(checkpoint), dataset, job.report, job.should_stop)
