"""Starting training jobs, showing their progress, and adopting the model a job produced."""
from __future__ import annotations

import math

import plotly.graph_objects as go
import streamlit as st

from . import state
from .jobs import CANCELLED, FAILED, FINISHED, JobSnapshot, TrainingJob
from .state import Workspace

POLL_S = 0.5


def start(ws: Workspace, settings: dict) -> None:
    """Train on the active dataset in the background; at most one job per session."""
    if ws.job is not None and ws.job.running:
        state.say(ws, "warning", "A model is already training; cancel it or wait for it to finish.")
        return
    ws.job = TrainingJob(ws.dataset, settings).start()


def collect(ws: Workspace) -> None:
    """Once a job has ended: save its model and make it active, or report why there is none."""
    job = ws.job
    if job is None or job.collected or job.running:
        return
    job.collected = True
    snap = job.snapshot()
    if snap.status == FINISHED and job.model is not None:
        option = state.save_trained(ws, job.model, snap.settings)
        if state.select_model(ws, option.key, quiet=True):
            state.say(ws, "success", f"Training finished: '{option.label}' is now the active model.")
        else:
            state.say(ws, "warning", f"Training finished and '{option.label}' was saved, but it takes other images than the active dataset.")
    elif snap.status == CANCELLED:
        epochs = len(snap.progress.history) if snap.progress else 0
        state.say(ws, "info", f"Training cancelled after {epochs} finished epoch(s); the partial model was discarded.")
    elif snap.status == FAILED:
        state.say(ws, "error", snap.error or "Training failed.")


def clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "estimating…"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def progress_text(snap: JobSnapshot) -> str:
    p = snap.progress
    if p is None:
        return "Starting…"
    return (f"Epoch {p.epoch}/{p.epochs} · {p.fraction:.0%} · ETA {clock(p.eta_s)} · "
            f"{p.images_per_s:,.0f} images/s · loss {p.losses.get('loss', float('nan')):.2f}")


def loss_figure(snap: JobSnapshot) -> go.Figure:
    """Running training loss as it goes, with the per-epoch validation loss."""
    fig = go.Figure()
    if snap.curve:
        xs, ys = zip(*snap.curve)
        fig.add_scatter(x=xs, y=ys, mode="lines", name="training (running mean)", line={"color": "#4f46e5"})
    history = snap.progress.history if snap.progress else []
    if history and "val_loss" in history[0]:
        fig.add_scatter(x=[h["epoch"] for h in history], y=[h["val_loss"] for h in history], mode="lines+markers",
                        name="validation", line={"color": "#f28e2b"})
    fig.update_layout(height=260, margin={"l": 40, "r": 10, "t": 10, "b": 36}, xaxis_title="epochs", yaxis_title="loss (nats / image)",
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig


def panel(ws: Workspace) -> None:
    """The training progress panel; polls while the job runs, then reruns the page to adopt the result."""
    job = ws.job
    if job is None:
        return
    snap = job.snapshot()
    with st.container(key="training", border=True):
        st.markdown(f"**Training {snap.settings['kind'].upper()}** on *{job.dataset.name}* "
                    f"({snap.settings['latent_dim']}-D, β={snap.settings['beta']:g}, {snap.settings['epochs']} epochs)")
        fraction = snap.progress.fraction if snap.progress else 0.0
        if snap.status == "running":
            st.progress(min(1.0, fraction), text=progress_text(snap))
            st.button("Cancel training", key="cancel_training", on_click=job.cancel, icon=":material/stop_circle:")
        else:
            st.progress(min(1.0, fraction), text=f"{snap.status.capitalize()} · {progress_text(snap)}")
        st.plotly_chart(loss_figure(snap), key="training_curve", config={"displayModeBar": False})
    if not job.collected and not job.running:
        st.rerun()


def live_panel(ws: Workspace) -> None:
    """`panel` inside a fragment that reruns every POLL_S seconds while the job runs."""
    running = ws.job is not None and ws.job.running
    st.fragment(panel, run_every=POLL_S if running else None)(ws)
