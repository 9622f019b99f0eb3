"""What the app shows of a GAN: its training (both losses, the evolving sample grid, warnings, the inversion phase),
its summary on the Model page, the Map's cloud of sampled codes, and the background jobs of the Compare page.

The heavy work (decoding a cloud and training the dataset's classifier, sample quality, evaluation) runs in a
worker process (ui.gan_work), as one job per model and dataset shared by every session.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import latent_core
from latent_core.checkpoint.card import kept_record

from . import gan_work, images, jobs
from .gan_work import CLOUD_SAMPLES, CLOUD_SEED, SampledCloud
from .jobs import Job
from .messages import MESSAGE_LIMIT, plain
from .state import Workspace
from .workers import Curve

GRID_COLUMNS = 8
PRIOR_SAMPLES = 16
PRIOR_SEED = 0
POLL_S = 0.5
POINTS_KEY = "map_points"  # session_state: which points the Map shows for a GAN ('dataset' or 'samples')
CLOUD_KEY = "gan_cloud"  # session_state: {"key": (model fp, dataset fp), "ws": the cloud's Workspace}
POINTS = {"dataset": "Dataset images (by inversion)", "samples": f"{CLOUD_SAMPLES:,} sampled codes"}
LOSS_COLOURS = {"discriminator": "#4f46e5", "generator": "#f28e2b"}


def is_gan(model) -> bool:
    return model is not None and getattr(model, "kind", None) == "gan"


def is_cloud(ws: Workspace) -> bool:
    """Whether the workspace maps a GAN's sampled codes rather than a dataset."""
    return isinstance(ws.dataset, SampledCloud)


# ---- training ------------------------------------------------------------------------------------------------


def loss_figure(xs, d_losses, g_losses, x_title: str, height: int = 240) -> go.Figure:
    """The discriminator's and the generator's hinge losses against `xs`, one line each."""
    fig = go.Figure()
    for name, values in (("discriminator", d_losses), ("generator", g_losses)):
        fig.add_scatter(
            x=list(xs), y=list(values), mode="lines", name=f"{name} loss", line={"color": LOSS_COLOURS[name]}
        )
    fig.update_layout(
        height=height,
        margin={"l": 40, "r": 10, "t": 10, "b": 36},
        xaxis_title=x_title,
        yaxis_title="hinge loss",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return fig


def training_view(reported: Curve) -> None:
    """Inside the training panel of a GAN: both losses as curves, the sample grid from a fixed z, the warnings in
    words, and a note while the inversion encoder trains."""
    progress = reported.progress
    if progress is not None and getattr(progress, "phase", None) == "inversion":
        st.info(
            "The generator is trained. Now its inversion encoder learns to map images to codes, so that the "
            "dataset can be placed on the map."
        )
    if reported.gan_points:
        xs, d_losses, g_losses = zip(*reported.gan_points, strict=True)
        st.plotly_chart(
            loss_figure(xs, d_losses, g_losses, "epochs"), key="training_curve", config={"displayModeBar": False}
        )
    samples = getattr(progress, "samples", None)
    if samples is not None:
        with st.container(key="gan_samples"):
            images.show_strip(
                samples,
                rows=max(1, len(samples) // GRID_COLUMNS),
                height=48,
                caption=f"Samples from a fixed z after {progress.samples_step:,} steps",
            )
    for text in getattr(progress, "warnings", None) or []:
        st.warning(plain(text, MESSAGE_LIMIT))


# ---- the Model page ------------------------------------------------------------------------------------------


def prior_samples(model: latent_core.LatentModel, n: int = PRIOR_SAMPLES, seed: int = PRIOR_SEED) -> np.ndarray:
    """uint8 (n, H, W, C) decoded from n seeded codes from N(0, I): the same codes for models of one latent size."""
    return model.decode(gan_work.draw_codes(model.latent_dim, n, seed))


def quality_text(record: dict) -> str | None:
    """An epoch's sample-quality figures in words, or None when that epoch has none."""
    if record.get("fd") is None:
        return None
    return (
        f"Epoch {record['epoch']}: Fréchet distance {record['fd']:.1f} (the dataset classifier's features), "
        f"{record['class_coverage']:.0%} of the classes, the largest at {record['largest_class_share']:.0%}, "
        f"median confidence {record['median_confidence']:.2f}."
    )


def model_summary(model: latent_core.LatentModel) -> None:
    """A GAN's training on the Model page: its losses per epoch, its last sample quality, its inversion error,
    samples from the prior and the warnings that held at the end."""
    history = model.history
    st.caption(
        f"Generator weights of epoch {kept_record(model.config).get('epoch', len(history))}. "
        "A GAN has no likelihood: its figures are its hinge losses and the quality of its samples."
    )
    if history and "train_d_loss" in history[0]:
        epochs = [h["epoch"] for h in history]
        st.plotly_chart(
            loss_figure(
                epochs, [h["train_d_loss"] for h in history], [h.get("train_g_loss") for h in history], "epoch"
            ),
            key="history_chart",
            config={"displayModeBar": False},
        )
    measured = next((quality_text(r) for r in reversed(history) if quality_text(r)), None)
    inversion = (model.config.get("inversion") or {}).get("val_mse_encoder")
    words = [measured] if measured else []
    if inversion is not None:
        words.append(f"Inversion error on held-out images: pixel MSE {inversion:.4f}.")
    if words:
        st.caption(" ".join(words))
    images.show_strip(prior_samples(model), rows=2, height=48, caption="Samples from the prior N(0, I), seed 0")
    for text in model.config.get("warnings") or []:
        st.warning(plain(text, MESSAGE_LIMIT))


# ---- work in a worker ----------------------------------------------------------------------------------------


def cloud_key(model_fp: str, dataset_fp: str) -> tuple:
    return ("gan-cloud", model_fp, dataset_fp, CLOUD_SAMPLES, CLOUD_SEED)


def cloud_job(model_fp: str, dataset_fp: str, model: latent_core.LatentModel, dataset) -> Job:
    """The job making the sampled cloud of `model` (CLOUD_SAMPLES codes, labelled by `dataset`'s classifier)."""
    return jobs.runner.submit(
        "evaluation",
        cloud_key(model_fp, dataset_fp),
        lambda job: jobs.call_with_checkpoint(
            gan_work.sampled_cloud, model, (dataset, CLOUD_SAMPLES, CLOUD_SEED), job, "sampling codes"
        ),
        failure="Sampling codes for the map failed",
        message="Starting…",
    )


def figures_job(model_fp: str, dataset_fp: str, model: latent_core.LatentModel, dataset, evaluate: bool) -> Job:
    """The job measuring one model for the Compare page (gan_work.compare_figures)."""
    return jobs.runner.submit(
        "evaluation",
        ("gan-compare", model_fp, dataset_fp, gan_work.QUALITY_SAMPLES, evaluate),
        lambda job: jobs.call_with_checkpoint(gan_work.compare_figures, model, (dataset, evaluate), job, "measuring"),
        failure="Measuring the model failed",
        message="Starting…",
    )


def job_progress(job: Job, what: str) -> None:
    """A running job's progress bar, with its words."""
    progress = job.progress
    st.progress(min(1.0, progress.fraction), text=f"{what}: {progress.message}")


# ---- the Map's sampled cloud ---------------------------------------------------------------------------------


@dataclass
class CloudWorkspace(Workspace):
    """A Workspace mapping a GAN's sampled codes with the workspace `parent`'s model: its picks are its own, but a
    traversal base picked on it (codes of the same model) becomes the parent's too, for the Traverse page."""

    parent: Workspace | None = None

    def __setattr__(self, name, value) -> None:
        super().__setattr__(name, value)
        if name == "base" and self.__dict__.get("parent") is not None:  # parent is set last, after __init__'s base
            self.parent.base = value


def cloud_workspace(ws: Workspace, cloud: SampledCloud) -> CloudWorkspace:
    """A Workspace that maps the cloud instead of the dataset, with the same model; its view is not kept in the
    library (keeps_view), and interpolation is slerp (the prior is Gaussian)."""
    values = {f.name: getattr(ws, f.name) for f in fields(Workspace)}
    return CloudWorkspace(
        **values
        | {
            "dataset": cloud,
            "selection": [],
            "decoded": None,
            "base": None,
            "colour": "label" if cloud.labels is not None else "none",
            "show_grid": False,
            "path_mode": "slerp",
            "sprites_wanted": set(),
            "maps_recorded": set(),
            "messages": [],
            "saved_view": None,
            "keeps_view": False,
        },
        parent=ws,
    )


def map_workspace(ws: Workspace) -> Workspace:
    """For a GAN, a choice of points above the map: the dataset's images placed by inversion (the workspace itself)
    or a cloud of sampled codes coloured by the dataset classifier's predicted class (its own Workspace). Returns
    the Workspace whose map to draw; stops the page while the cloud is being made."""
    if not is_gan(ws.model):
        return ws
    st.session_state.setdefault(POINTS_KEY, "dataset")
    st.segmented_control(
        "Points",
        list(POINTS),
        key=POINTS_KEY,
        format_func=POINTS.get,
        required=True,
        help="A GAN's map can show the dataset's images, placed by the inversion encoder, or codes drawn from its "
        "prior N(0, I), each drawn as the image it decodes to and coloured by the class a classifier trained on "
        "the dataset predicts for it.",
    )
    if st.session_state[POINTS_KEY] == "dataset":
        return ws
    key = (ws.model_fp, ws.dataset_fp)
    held = st.session_state.get(CLOUD_KEY)
    if held is not None and held["key"] == key:
        return held["ws"]
    job = cloud_job(ws.model_fp, ws.dataset_fp, ws.model, ws.dataset)
    job.join(0.2)
    if job.running:
        jobs.poll(job_progress, job, job, "Sampling codes")
        st.stop()
    cloud = job.result()
    if cloud is None:
        st.error(job.error or "Sampling codes failed.")
        job.forget()
        st.stop()
    cloud_ws = cloud_workspace(ws, cloud)
    st.session_state[CLOUD_KEY] = {"key": key, "ws": cloud_ws}
    return cloud_ws
