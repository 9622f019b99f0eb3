"""Starting training jobs (in a worker process, on the job runner), showing their progress, and adopting the model.

A training belongs to its workspace: the work saves the finished model into the workspace's
library itself, with the figures of its evaluation (measured in the same worker as it finishes), so a
training goes on when its tab closes, and a session that opens the workspace again finds it (`attach`)
with its progress and Cancel. One workspace trains one model at a time, so a reload never starts a
second copy. A cancelled training leaves its best model so far (`Stopped`), which the session that
cancelled it may keep or discard (`keep_or_discard`).
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

import latent_core
from latent_core.models import REGISTRY

from . import catalog, gan_views, jobs, state, workers, workspaces
from .jobs import CANCELLED, FAILED, FINISHED, Job
from .messages import LABEL_LIMIT, explain, plain
from .state import Workspace
from .workers import Curve

STARTING = "Starting…"
FIGURES_KEPT = 16  # loss figures remembered by content (loss_figure)
__all__ = ["Curve", "Run", "Stopped", "Trained", "attach", "collect", "start"]


@dataclass(frozen=True)
class Run:
    """What a training job trains: the dataset's name, the TrainConfig field values, the workspace's token, and the
    run's length once its empty settings are chosen for the dataset: epochs and the words of
    TrainConfig.describe_steps ('≈ 3,000 steps (115 epochs)'; empty when the settings are invalid)."""

    dataset: str
    settings: dict
    token: str = ""
    epochs: int | None = None
    length: str = ""


@dataclass(frozen=True)
class Trained:
    """A finished training's outcome: the library's record of the kept model, or why it could not be kept."""

    record: latent_core.ModelRecord | None
    problem: str | None = None


@dataclass(frozen=True)
class Stopped:
    """A cancelled training's model, the best so far (config 'best_epoch'), for the user to keep or discard."""

    model: latent_core.LatentModel
    name: str
    seconds: float | None = None

    @property
    def offer(self) -> str | None:
        """The Keep button's words, naming the epoch kept and its validation figure; None without a finished epoch."""
        history, best = self.model.history, self.model.config.get("best_epoch")
        if not history:
            return None
        if best is None:
            n = len(history)
            return f"Keep the model so far ({n} finished epoch{'s' if n != 1 else ''})"
        record = next((r for r in history if r.get("epoch") == best), history[-1])
        figure = validation_figure(self.model.kind, record)
        return f"Keep the best model so far (epoch {best}{', ' + figure if figure else ''})"


def validation_figure(kind: str, record: dict) -> str | None:
    """An epoch's validation figure named for what it is: a VAE's one-sample −ELBO, an AE's reconstruction nats."""
    if "val_recon" not in record:
        return None
    if kind == "vae" and "val_kl" in record and "kl_weight" in record:  # sampled z: recon + KL is the −ELBO
        return f"validation −ELBO {record['val_recon'] + record['val_kl']:.2f} nats"
    if kind == "ae":
        return f"validation reconstruction {record['val_recon']:.2f} nats"
    return f"validation objective {record['val_loss']:.2f}" if "val_loss" in record else None


def kind_label(kind: str) -> str:
    return REGISTRY[kind].label if kind in REGISTRY else str(kind).upper()


def applies(kind: str, name: str) -> bool:
    """Whether TrainConfig's setting `name` applies to model kind `kind` (β to a VAE, n_dis to a GAN, ...)."""
    return latent_core.TrainConfig(kind=kind).applies(name)


def settings_text(settings: dict) -> list[str]:
    """The settings that tell runs apart, in words, only those that apply to the run's kind: '8-D', 'β=4'."""
    kind = settings.get("kind", "vae")
    parts = [f"{settings.get('latent_dim', '?')}-D"]
    if applies(kind, "beta"):
        parts.append(f"β={settings.get('beta', 1.0):g}")
    if applies(kind, "n_dis"):
        n = settings.get("n_dis", 1)
        parts.append(f"{n} discriminator step{'s' if n != 1 else ''} per generator step")
    return parts


def model_name(model: latent_core.LatentModel, settings: dict) -> str:
    data = model.config["dataset"]["name"]  # what it was trained on (the active dataset may have changed since)
    return f"{kind_label(settings['kind'])} {', '.join([*settings_text(settings), data])}"


def keep(
    library: latent_core.Library, token: str, model: latent_core.LatentModel, name: str, seconds: float | None
) -> Trained:
    """Keep a trained model in the workspace's library, with its evaluation's figures when it has them."""
    try:
        record = library.save_model(token, model, name, seconds=seconds)
        if model.metrics:
            record = library.set_metrics(token, record.key, model.metrics)
    except latent_core.InvalidInputError as exc:
        return Trained(None, explain(exc))
    return Trained(record)


def train(
    library: latent_core.Library, token: str, dataset: latent_core.ImageDataset, settings: dict, job: Job
) -> Trained | Stopped:
    """The training job's work: train and evaluate in a worker (which reports progress text and the loss curve),
    then keep the model's safetensors checkpoint (with its figures as metrics.json) in the workspace's library.
    Once cancelled, the best model so far is returned unsaved (Stopped), for the user to keep or discard."""
    folder = Path(tempfile.mkdtemp(prefix="train-", dir=jobs.jobs_folder()))
    try:
        saved = jobs.runner.pool().call(
            workers.train_checkpoint, (dataset, settings, str(folder / "model")), job, what="training"
        )
        model = latent_core.load_model(saved)
        progress = curve(job).progress
        seconds = progress.elapsed_s if progress else None
        if job.should_stop():
            return Stopped(model, model_name(model, settings), seconds)
        return keep(library, token, model, model_name(model, settings), seconds)
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
    try:
        config = latent_core.TrainConfig(**settings).validate().resolved(ws.dataset.image_shape, len(ws.dataset))
        epochs, length = config.epochs, config.describe_steps(len(ws.dataset))
    except (latent_core.InvalidInputError, TypeError):  # the job fails and says why
        epochs, length = settings.get("epochs"), ""
    ws.job = jobs.runner.submit(
        "training",
        ("training", ws.token, uuid.uuid4().hex),
        partial(train, workspaces.library(), ws.token, ws.dataset, settings),
        keep=False,
        lasting=True,
        about=Run(ws.dataset.name, settings, ws.token, epochs, length),
        failure="Training stopped with an unexpected error",
        message=STARTING,
    )


def curve(job: Job) -> Curve:
    """The latest progress and loss curve a training job reported (empty before its first report)."""
    return job.progress.payload or Curve()


def stopped(job: Job) -> Stopped | None:
    """The model a cancelled training left to keep or discard, or None (none, or the job has not ended)."""
    future = job.future
    if job.running or future.cancelled() or future.exception() is not None:
        return None
    result = future.result()
    return result if isinstance(result, Stopped) else None


def adopt(ws: Workspace, trained: Trained, what: str) -> None:
    """Make a model kept in the library the active one, saying so (`what`: 'Training finished', ...)."""
    if trained.record is None:
        state.say(ws, "error", f"{what}, but the model could not be kept: {trained.problem}")
        return
    option = ws.saved_models[trained.record.key] = catalog.model_option(ws.token, trained.record)
    if state.select_model(ws, option.key, quiet=True):
        state.say(ws, "success", f"{what}: '{option.label}' is now the active model.")
    else:
        state.say(
            ws, "warning", f"{what} and '{option.label}' was saved, but it takes other images than the active dataset."
        )


def collect(ws: Workspace) -> None:
    """Once a job has ended: keep its model in the workspace's library and make it active, offer the best model so
    far of a cancelled one (see `keep_or_discard`), or report why there is none."""
    job = ws.job
    if job is None or not job.collect():
        return
    status = job.status
    if status == FINISHED and isinstance(job.result(), Trained):
        adopt(ws, job.result(), "Training finished")
    elif status == CANCELLED or status == FINISHED:
        progress = curve(job).progress
        epochs = len(progress.history) if progress else 0
        left = stopped(job)
        if left is not None and left.offer:
            state.say(ws, "info", f"Training cancelled after {epochs} finished epoch(s): keep its model or discard it.")
        else:
            state.say(
                ws, "info", f"Training cancelled after {epochs} finished epoch(s); the partial model was discarded."
            )
    elif job.died:
        state.say(ws, "error", f"{job.error.rstrip('.')}; the previous model stays active.")
    elif status == FAILED:
        state.say(ws, "error", job.error or "Training failed.")


def keep_stopped(ws: Workspace, left: Stopped) -> None:
    """The user keeps a cancelled training's model: into the library, and active."""
    ws.job = None
    trained = keep(workspaces.library(), ws.token, left.model, left.name, left.seconds)
    adopt(ws, trained, "Kept the cancelled training's model")


def discard_stopped(ws: Workspace) -> None:
    ws.job = None
    state.say(ws, "info", "Discarded the model of the cancelled training; the previous model stays active.")


def keep_or_discard(ws: Workspace, left: Stopped) -> None:
    """After a cancel: keep the best model so far, or discard it."""
    with st.container(key="keep_stopped", border=True):
        st.markdown("**The training was cancelled.** Its model so far can be kept as a run of this workspace.")
        cols = st.columns([3, 1])
        cols[0].button(
            left.offer,
            key="keep_stopped_model",
            type="primary",
            on_click=keep_stopped,
            args=(ws, left),
            icon=":material/save:",
        )
        cols[1].button(
            "Discard", key="discard_stopped_model", on_click=discard_stopped, args=(ws,), icon=":material/delete:"
        )


def objective_words(kind: str, tc_weight: float = 0.0) -> str:
    """What the loss curves measure, for the axis: a VAE's objective has a KL term (and a total-correlation term
    when its tc_weight is above 0), an AE's does not."""
    if not applies(kind, "beta"):
        return "reconstruction"
    return "reconstruction + β·KL" + (" + tc_weight·TC" if tc_weight > 0 else "")


def loss_figure(reported: Curve, kind: str = "vae", tc_weight: float = 0.0) -> go.Figure:
    """The training objective's running mean as it goes, and the same objective on the validation images after each
    epoch (z drawn from q(z|x), at the full KL weight).

    The panel redraws it every second while the training runs, so a figure is remembered by its content (a few,
    shared by every session: do not change one) and is built from plain dicts, which plotly checks faster than
    add_scatter and update_layout do."""
    history = reported.progress.history if reported.progress else []
    validation = tuple((h["epoch"], h["val_loss"]) for h in history) if history and "val_loss" in history[0] else ()
    points = tuple(map(tuple, reported.points))  # hashable, as the cache needs (a Curve's are; a test's may be lists)
    return curve_figure(points, validation, objective_words(kind, tc_weight))


@functools.lru_cache(maxsize=FIGURES_KEPT)
def curve_figure(
    points: tuple[tuple[float, float], ...], validation: tuple[tuple[int, float], ...], objective: str
) -> go.Figure:
    """loss_figure's figure of the (epochs, running training objective) points and the (epoch, validation objective)
    pairs; `objective` names the y axis."""
    data = []
    if points:
        xs, ys = zip(*points, strict=True)
        training_line = {"mode": "lines", "name": "training objective (running mean)", "line": {"color": "#4f46e5"}}
        data.append({"type": "scatter", "x": xs, "y": ys, **training_line})
    if validation:
        epochs, losses = zip(*validation, strict=True)
        validation_line = {"mode": "lines+markers", "name": "validation objective", "line": {"color": "#f28e2b"}}
        data.append({"type": "scatter", "x": list(epochs), "y": list(losses), **validation_line})
    layout = {
        "height": 260,
        "margin": {"l": 40, "r": 10, "t": 10, "b": 36},
        "xaxis": {"title": {"text": "epochs"}},
        "yaxis": {"title": {"text": f"{objective} (nats / image)"}},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    }
    return go.Figure(data=data, layout=layout)


def title(run: Run) -> str:
    """The panel's heading: kind, dataset and the settings that apply to the kind, with the run's length."""
    parts = [*settings_text(run.settings), run.length or f"{run.epochs or run.settings.get('epochs')} epochs"]
    kind = kind_label(run.settings.get("kind", "vae"))
    return f"**Training {kind}** on *{plain(run.dataset, LABEL_LIMIT)}* ({', '.join(parts)})"


def ended_text(job: Job) -> str:
    """The progress line of a job that has ended: how it ended and how far it got."""
    progress = curve(job).progress
    done = len(progress.history) if progress else 0
    total = job.about.epochs
    of = f" of {total}" if total else ""
    if job.status == FINISHED:
        return f"Finished after {done}{of} epoch{'s' if done != 1 else ''}"
    if job.status == CANCELLED:
        if progress is None:
            return "Cancelled before training began"
        return f"Cancelled after {done}{of} epoch{'s' if done != 1 else ''}"
    return "Failed: the worker stopped" if job.died else "Failed"


def panel(job: Job) -> None:
    """The training progress panel: settings, progress bar (with Cancel while it runs) and the loss curve."""
    run, progress = job.about, job.progress
    with st.container(key="training", border=True):
        st.markdown(title(run))
        if job.running:
            st.progress(min(1.0, progress.fraction), text=progress.message)
            st.button("Cancel training", key="cancel_training", on_click=job.cancel, icon=":material/stop_circle:")
        else:
            st.progress(min(1.0, progress.fraction), text=ended_text(job))
        kind = run.settings.get("kind", "vae")
        if kind == "gan":
            gan_views.training_view(curve(job))
        else:
            figure = loss_figure(curve(job), kind, float(run.settings.get("tc_weight", 0.0)))
            st.plotly_chart(figure, key="training_curve", config={"displayModeBar": False})


def live_panel(ws: Workspace) -> None:
    """`panel` for this session's job, redrawn while it runs; the page reruns when it ends, to adopt the model (or,
    after a cancel, to offer keeping it)."""
    if ws.job is None:
        return
    jobs.poll(panel, ws.job, ws.job)
    left = stopped(ws.job) if ws.job.collected else None
    if left is not None and left.offer:
        keep_or_discard(ws, left)
