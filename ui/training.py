"""Starting training jobs (on the job runner), showing their progress, and adopting the model a job produced."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from functools import partial

import plotly.graph_objects as go
import streamlit as st

import latent_core

from . import jobs, state
from .jobs import CANCELLED, FAILED, FINISHED, Job
from .messages import explain
from .state import Workspace

STARTING = "Starting…"


@dataclass(frozen=True)
class Run:
    """What a training job trains: the dataset's name and the TrainConfig field values (the job's `about`)."""

    dataset: str
    settings: dict


@dataclass(frozen=True)
class Curve:
    """What a training job reports besides fraction and text: the latest TrainingProgress and the loss so far."""

    progress: latent_core.TrainingProgress | None = None
    points: tuple[tuple[float, float], ...] = ()  # (epochs done, running training loss)


def train(dataset: latent_core.ImageDataset, settings: dict, job: Job) -> latent_core.LatentModel:
    """The training job's work: train_model, reporting progress text and the loss curve to `job`."""
    points: list[tuple[float, float]] = []

    def report(progress: latent_core.TrainingProgress) -> None:
        points.append((progress.fraction * progress.epochs, float(progress.losses.get("loss", float("nan")))))
        job.report(progress.fraction, progress_text(progress), Curve(progress, tuple(points)))

    return latent_core.train_model(dataset, **settings, on_progress=report, should_stop=job.should_stop)


def start(ws: Workspace, settings: dict) -> None:
    """Train on the active dataset in the background; at most one job per session.

    settings: TrainConfig field values, e.g. {"kind": "vae", "latent_dim": 8, "epochs": 5}.
    """
    if ws.job is not None and ws.job.running:
        state.say(ws, "warning", "A model is already training; cancel it or wait for it to finish.")
        return
    settings = dict(settings)
    ws.job = jobs.runner.submit(
        "training",
        ("training", uuid.uuid4().hex),
        partial(train, ws.dataset, settings),
        keep=False,
        about=Run(ws.dataset.name, settings),
        failure="Training stopped with an unexpected error",
        message=STARTING,
    )


def curve(job: Job) -> Curve:
    """The latest progress and loss curve a training job reported (empty before its first report)."""
    return job.progress.payload or Curve()


def collect(ws: Workspace) -> None:
    """Once a job has ended: keep its model in the workspace's library and make it active, or report why there is
    none."""
    job = ws.job
    if job is None or not job.collect():
        return
    status, run = job.status, job.about
    if status == FINISHED:
        progress = curve(job).progress
        try:
            option = state.save_trained(ws, job.result(), run.settings, progress.elapsed_s if progress else None)
        except latent_core.InvalidInputError as exc:
            state.say(ws, "error", f"Training finished, but the model could not be kept: {explain(exc)}")
            return
        if state.select_model(ws, option.key, quiet=True):
            state.say(ws, "success", f"Training finished: '{option.label}' is now the active model.")
        else:
            state.say(
                ws,
                "warning",
                f"Training finished and '{option.label}' was saved, but it takes other images than the active dataset.",
            )
    elif status == CANCELLED:
        progress = curve(job).progress
        epochs = len(progress.history) if progress else 0
        state.say(ws, "info", f"Training cancelled after {epochs} finished epoch(s); the partial model was discarded.")
    elif status == FAILED:
        state.say(ws, "error", job.error or "Training failed.")


def clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "estimating…"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def progress_text(p: latent_core.TrainingProgress | None) -> str:
    if p is None:
        return STARTING
    return (
        f"Epoch {p.epoch}/{p.epochs} · {p.fraction:.0%} · ETA {clock(p.eta_s)} · "
        f"{p.images_per_s:,.0f} images/s · loss {p.losses.get('loss', float('nan')):.2f}"
    )


def loss_figure(reported: Curve) -> go.Figure:
    """Running training loss as it goes, with the per-epoch validation loss."""
    fig = go.Figure()
    if reported.points:
        xs, ys = zip(*reported.points, strict=True)
        fig.add_scatter(x=xs, y=ys, mode="lines", name="training (running mean)", line={"color": "#4f46e5"})
    history = reported.progress.history if reported.progress else []
    if history and "val_loss" in history[0]:
        fig.add_scatter(
            x=[h["epoch"] for h in history],
            y=[h["val_loss"] for h in history],
            mode="lines+markers",
            name="validation",
            line={"color": "#f28e2b"},
        )
    fig.update_layout(
        height=260,
        margin={"l": 40, "r": 10, "t": 10, "b": 36},
        xaxis_title="epochs",
        yaxis_title="loss (nats / image)",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return fig


def panel(job: Job) -> None:
    """The training progress panel: settings, progress bar (with Cancel while it runs) and the loss curve."""
    run, progress = job.about, job.progress
    s = run.settings
    with st.container(key="training", border=True):
        st.markdown(
            f"**Training {s['kind'].upper()}** on *{run.dataset}* "
            f"({s['latent_dim']}-D, β={s['beta']:g}, {s['epochs']} epochs)"
        )
        if job.running:
            st.progress(min(1.0, progress.fraction), text=progress.message)
            st.button("Cancel training", key="cancel_training", on_click=job.cancel, icon=":material/stop_circle:")
        else:
            st.progress(min(1.0, progress.fraction), text=f"{job.status.capitalize()} · {progress.message}")
        st.plotly_chart(loss_figure(curve(job)), key="training_curve", config={"displayModeBar": False})


def live_panel(ws: Workspace) -> None:
    """`panel` for this session's job, redrawn while it runs; the page reruns when it ends, to adopt the model."""
    if ws.job is not None:
        jobs.poll(panel, ws.job, ws.job)
