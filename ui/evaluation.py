"""How good the active model is on the active dataset: the figures of `latent_core.evaluate`, measured in the
background and kept, and the Model page's 'How good is this model' section that shows them.

Figures are measured in a worker process (ui.evaluation_work), by one job per (model fingerprint, dataset
fingerprint) shared by every session, with a progress bar and Cancel. They are kept where the model lives:
a workspace's run or upload in the library (`Library.set_metrics`; a training measures its model itself and
saves the figures with its checkpoint as metrics.json), other models (shipped, or a checkpoint set by the
environment, whose folders the app does not write) in the server's memory, by content. A model's own
metrics.json counts too. Only figures measured on the active dataset (by fingerprint) are shown.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from functools import partial

import streamlit as st

import latent_core
from latent_core import Evaluation

from . import catalog, evaluation_figures, evaluation_work, jobs, workspaces
from .catalog import LIBRARY
from .exports import slug
from .jobs import Job
from .messages import LABEL_LIMIT, plain
from .state import Workspace

KEPT_MAX = 32  # figures of non-library models kept in the server's memory
DECLINED_KEY = "evaluation_declined"  # session_state: (model fp, dataset fp) whose evaluation this session cancelled
POLL_S = 0.5


@st.cache_resource(show_spinner=False)
def kept() -> tuple[OrderedDict, threading.Lock]:
    """The server's figures of models outside the library, keyed by (model fp, dataset fp), newest last."""
    return OrderedDict(), threading.Lock()


def remember(model_fp: str, dataset_fp: str, metrics: dict) -> None:
    figures, lock = kept()
    with lock:
        figures[(model_fp, dataset_fp)] = metrics
        figures.move_to_end((model_fp, dataset_fp))
        while len(figures) > KEPT_MAX:
            figures.popitem(last=False)


def run_record(ws: Workspace) -> latent_core.ModelRecord | None:
    """The library's record of the active model when it is a run or upload of this workspace, else None."""
    option = catalog.find(catalog.model_options(ws.saved_models), ws.model_key)
    if option is None or option.loader != LIBRARY:
        return None
    try:
        return workspaces.library().model(ws.token, option.key)
    except latent_core.InvalidInputError:  # deleted meanwhile (another tab)
        return None


def parse(metrics, dataset_fp: str) -> Evaluation | None:
    """The Evaluation in a metrics dict when it was measured on the dataset `dataset_fp`, else None."""
    if not isinstance(metrics, dict) or metrics.get("dataset_fingerprint") != dataset_fp:
        return None
    try:
        return Evaluation.from_dict(metrics)
    except (latent_core.InvalidInputError, TypeError):
        return None


def stored(ws: Workspace) -> Evaluation | None:
    """The figures kept for the active model on the active dataset: its run's in the library, its checkpoint's
    metrics.json, or the server's; None when there are none (or only for other data)."""
    if ws.model is None or ws.is_embeddings:
        return None
    record = run_record(ws)
    figures, lock = kept()
    with lock:
        in_memory = figures.get((ws.model_fp, ws.dataset_fp))
    for metrics in (record.metrics if record else None, ws.model.metrics, in_memory):
        found = parse(metrics, ws.dataset_fp)
        if found is not None:
            return found
    return None


def store(ws: Workspace, metrics: dict) -> None:
    """Keep figures just measured for the active model on the active dataset: in the server's memory, and on the
    workspace's run when it has none yet or they are on the data it was trained on (the run's own figures)."""
    remember(ws.model_fp, ws.dataset_fp, metrics)
    record = run_record(ws)
    if record is None:
        return
    own = (ws.model.config.get("dataset") or {}).get("fingerprint") == ws.dataset_fp
    if not record.metrics or own:
        try:
            workspaces.library().set_metrics(ws.token, record.key, metrics)
        except latent_core.InvalidInputError:  # deleted meanwhile
            pass


def job_key(model_fp: str, dataset_fp: str) -> tuple:
    return ("evaluation", model_fp, dataset_fp, evaluation_work.K, evaluation_work.MAX_IMAGES)


def compute(model: latent_core.LatentModel, dataset: latent_core.ImageDataset, job: Job) -> dict:
    """An evaluation job's work: Evaluation.to_dict() of `model` on `dataset`, in a worker process, which loads the
    model from a safetensors checkpoint written for it (a TorchScript model is evaluated in this job's thread)."""
    if model.kind == "torchscript":
        return evaluation_work.evaluate_model(model, dataset, job.report, job.should_stop)
    return jobs.call_with_checkpoint(evaluation_work.evaluate_checkpoint, model, (dataset,), job, "evaluation")


def evaluation_job(ws: Workspace) -> Job:
    """The background job measuring the active model on the active dataset (the one running or kept, else new)."""
    return jobs.runner.submit(
        "evaluation",
        job_key(ws.model_fp, ws.dataset_fp),
        partial(compute, ws.model, ws.dataset),
        failure="Evaluating the model failed",
        message=evaluation_work.progress_text(0.0, "starting"),
    )


def current(ws: Workspace) -> Evaluation | None:
    """The figures of the active model on the active dataset if they are known (kept, or measured by a job that has
    finished, which are then kept); never starts a job."""
    found = stored(ws)
    if found is not None or ws.model is None or ws.is_embeddings:
        return found
    job = jobs.runner.find(job_key(ws.model_fp, ws.dataset_fp))
    metrics = job.result() if job is not None else None
    if metrics is None:
        return None
    store(ws, metrics)
    return parse(metrics, ws.dataset_fp)


def declined() -> set:
    return st.session_state.setdefault(DECLINED_KEY, set())


def cancel(job: Job, key: tuple) -> None:
    declined().add(key)
    job.cancel()


def progress(job: Job, key: tuple) -> None:
    """The running evaluation: its progress bar and Cancel (redrawn by jobs.poll)."""
    shown = job.progress
    text = "Cancelling…" if job.cancelled else shown.message
    st.progress(min(1.0, max(0.0, shown.fraction)), text=text)
    st.button(
        "Cancel evaluation",
        key="cancel_evaluation",
        on_click=cancel,
        args=(job, key),
        icon=":material/stop_circle:",
        disabled=job.cancelled,
    )


def measure(ws: Workspace) -> None:
    """Start (or follow) the evaluation of the active model, unless this session cancelled it; say why it failed."""
    key = (ws.model_fp, ws.dataset_fp)
    if key in declined():
        st.caption("Evaluation cancelled: the figures below appear once the model is evaluated.")
        st.button("Evaluate this model", key="start_evaluation", on_click=declined().discard, args=(key,))
        return
    job = evaluation_job(ws)
    if job.status == jobs.FAILED:
        st.error(plain(job.error or "Evaluating the model failed."))
        st.button("Try again", key="retry_evaluation", on_click=job.forget)
        return
    st.caption(
        f"Measuring the model on up to {evaluation_work.MAX_IMAGES:,} held-out images of "
        f"'{plain(ws.dataset_label, LABEL_LIMIT)}' in the background ({evaluation_work.K} importance samples each)."
    )
    jobs.poll(progress, job, job, key, every=POLL_S)


def section(ws: Workspace) -> None:
    """The Model page's 'How good is this model': the figures, measuring them first when they are not known."""
    st.subheader("How good is this model")
    figures = current(ws)
    if figures is None:
        measure(ws)
        return
    evaluation_figures.show(figures, ws.model)
    metrics = figures.to_dict()
    st.download_button(
        "Download figures (JSON)",
        json.dumps(metrics, indent=2, allow_nan=False),
        f"{slug(ws.model_label)}-metrics.json",
        "application/json",
        key="evaluation_download",
        on_click="ignore",
        icon=":material/download:",
        help="Every figure of latent_core.evaluate (Evaluation.to_dict()), as metrics.json beside a checkpoint.",
    )
