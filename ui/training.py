"""Starting training jobs (in a worker process, on the job runner), showing their progress, and adopting the model.

A training belongs to its workspace: the work saves the finished model into the workspace's
library itself, so a training goes on when its tab closes, and a session that opens the
workspace again finds it (`attach`) with its progress and Cancel. One workspace trains one model
at a time, so a reload never starts a second copy.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

import latent_core

from . import catalog, jobs, state, workers, workspaces
from .jobs import CANCELLED, FAILED, FINISHED, Job
from .messages import LABEL_LIMIT, explain, plain
from .state import Workspace
from .workers import Curve

STARTING = "Starting…"
__all__ = ["Curve", "Run", "Trained", "attach", "collect", "start"]


@dataclass(frozen=True)
class Run:
    """What a training job trains: the dataset's name, the TrainConfig field values and the workspace's token."""

    dataset: str
    settings: dict
    token: str = ""


@dataclass(frozen=True)
class Trained:
    """A finished training's outcome: the library's record of the kept model, or why it could not be kept."""

    record: latent_core.ModelRecord | None
    problem: str | None = None


def model_name(model: latent_core.LatentModel, settings: dict) -> str:
    data = model.config["dataset"]["name"]  # what it was trained on (the active dataset may have changed since)
    return f"{settings['kind'].upper()} β={settings['beta']:g}, {settings['latent_dim']}-D, {data}"


def train(
    library: latent_core.Library, token: str, dataset: latent_core.ImageDataset, settings: dict, job: Job
) -> Trained | None:
    """The training job's work: train in a worker (which reports progress text and the loss curve), then keep the
    model's safetensors checkpoint in the workspace's library. None once cancelled."""
    folder = Path(tempfile.mkdtemp(prefix="train-", dir=jobs.jobs_folder()))
    try:
        saved = jobs.runner.pool().call(
            workers.train_checkpoint, (dataset, settings, str(folder / "model")), job, what="training"
        )
        if saved is None or job.should_stop():
            return None
        model = latent_core.load_model(saved)
        progress = curve(job).progress
        try:
            record = library.save_model(
                token, model, model_name(model, settings), seconds=progress.elapsed_s if progress else None
            )
        except latent_core.InvalidInputError as exc:
            return Trained(None, explain(exc))
        return Trained(record)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def running_in(token: str) -> Job | None:
    """The training running for the workspace `token`, whichever session started it."""
    return jobs.runner.find_running(lambda job: job.kind == "training" and job.about.token == token)


def attach(ws: Workspace) -> None:
    """Show a training of this workspace that runs already (started before a reload, or in another tab)."""
    if ws.job is None:
        ws.job = running_in(ws.token)


def start(ws: Workspace, settings: dict) -> None:
    """Train on the active dataset in the background; at most one job per session and per workspace.

    settings: TrainConfig field values, e.g. {"kind": "vae", "latent_dim": 8, "epochs": 5}.
    """
    attach(ws)
    if ws.job is not None and ws.job.running:
        state.say(ws, "warning", "A model is already training; cancel it or wait for it to finish.")
        return
    settings = dict(settings)
    ws.job = jobs.runner.submit(
        "training",
        ("training", ws.token, uuid.uuid4().hex),
        partial(train, workspaces.library(), ws.token, ws.dataset, settings),
        keep=False,
        lasting=True,
        about=Run(ws.dataset.name, settings, ws.token),
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
    status = job.status
    if status == FINISHED and job.result() is not None:
        trained = job.result()
        if trained.record is None:
            state.say(ws, "error", f"Training finished, but the model could not be kept: {trained.problem}")
            return
        option = ws.saved_models[trained.record.key] = catalog.model_option(ws.token, trained.record)
        if state.select_model(ws, option.key, quiet=True):
            state.say(ws, "success", f"Training finished: '{option.label}' is now the active model.")
        else:
            state.say(
                ws,
                "warning",
                f"Training finished and '{option.label}' was saved, but it takes other images than the active dataset.",
            )
    elif status == CANCELLED or status == FINISHED:
        progress = curve(job).progress
        epochs = len(progress.history) if progress else 0
        state.say(ws, "info", f"Training cancelled after {epochs} finished epoch(s); the partial model was discarded.")
    elif job.died:
        state.say(ws, "error", f"{job.error.rstrip('.')}; the previous model stays active.")
    elif status == FAILED:
        state.say(ws, "error", job.error or "Training failed.")


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
            f"**Training {s['kind'].upper()}** on *{plain(run.dataset, LABEL_LIMIT)}* "
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
