"""The Model page's runs: the workspace's trained and uploaded models in a table, what can be done with one
(make it active, rename, delete, download as a checkpoint .zip), and two to four compared side by side.

The runs live in the process's Library (ui.workspaces.library()), under the workspace's token; the tables
and the loss figure are built by plain functions of ModelRecords, so they are tested without a page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import latent_core
from latent_core import ModelRecord
from latent_core.models import REGISTRY

from . import state, workspaces
from .exports import slug
from .messages import explain, plain
from .state import Workspace

COMPARE_MAX = 4
COLOURS = ("#4f46e5", "#f28e2b", "#059669", "#dc2626")  # one per compared run; one per curve for a single model
CURVES = (("train_loss", "training objective", "solid"), ("val_loss", "validation objective", "dash"))
# Histories recorded before validation drew z from q(z|x) lack the KL weight: their validation is at the posterior mean
SAMPLED_VALIDATION_KEY = "kl_weight"
CONFIRM_KEY = "runs_confirm_delete"
ERROR_KEY = "runs_rename_error"


def kind_label(kind: str) -> str:
    return REGISTRY[kind].label if kind in REGISTRY else kind.upper()


def figures(metrics: dict, prefix: str = "") -> dict[str, float]:
    """The quality figures of a run: every number in `metrics`, nested names joined with ' · '."""
    found: dict[str, float] = {}
    for name, value in metrics.items():
        if isinstance(value, dict):
            found |= figures(value, f"{prefix}{name} · ")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found[f"{prefix}{name}"] = float(value)
    return found


def quality(metrics: dict) -> dict[str, float]:
    """A run's quality figures for the table: the headline figures of an evaluation (Evaluation.to_dict()), each
    named for what it is, or every number of other metrics (see `figures`)."""
    if "recon_mse" not in metrics or "dataset_fingerprint" not in metrics:
        return figures(metrics)
    elbo, kl = metrics.get("elbo_nats"), metrics.get("kl_per_dim")
    mse, baseline = metrics.get("recon_mse"), metrics.get("mean_image_mse")
    found = {
        "−ELBO (nats)": None if elbo is None else -elbo,
        f"NLL, IWAE k={metrics.get('k')} (nats)": metrics.get("iwae_nll_nats"),
        "Active dimensions": metrics.get("active_units"),
        "Reconstruction MSE": mse,
        "MSE ÷ mean image's": mse / baseline if mse is not None and baseline else None,
        "MIG": metrics.get("mig"),
        "DCI disentanglement": metrics.get("dci_disentanglement"),
    }
    if kl is None:
        found.pop("Active dimensions")
    return {name: float(value) for name, value in found.items() if value is not None}


def facts(record: ModelRecord) -> dict:
    """One run's row: what it is, what it was trained on, how good and how long, in the table's words."""
    return {
        "Name": record.name,
        "Kind": kind_label(record.kind),
        "Latent size": record.latent_dim,
        "β": record.beta,
        "Epochs": record.epochs,
        "Data": record.dataset_name or "",
        "Validation objective": record.val_loss,
        **quality(record.metrics),
        "When": pd.Timestamp(record.created),
        "Took (s)": record.seconds,
    }


def runs_table(records: Sequence[ModelRecord], active: str | None = None) -> pd.DataFrame:
    """One row per run, indexed by key; a quality figure a run lacks is empty; 'Active' marks the active run."""
    table = pd.DataFrame([facts(r) for r in records], index=pd.Index([r.key for r in records], name="Run"))
    table.insert(0, "Active", table.index == active)
    return table


def text(value) -> str:
    """A figure as the comparison table shows it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def compare_table(records: Sequence[ModelRecord]) -> pd.DataFrame:
    """The runs' figures side by side: one row per figure, one column per run (as text, for mixed kinds)."""
    columns = {f"{r.name} ({r.key})": facts(r) for r in records}
    rows = list(dict.fromkeys(name for row in columns.values() for name in row if name != "Name"))
    return pd.DataFrame({run: [text(row.get(name)) for name in rows] for run, row in columns.items()}, index=rows)


def loss_figure(
    curves: Sequence[tuple[str, list[dict]]], height: int = 240, objective: str = "reconstruction + β·KL"
) -> go.Figure:
    """The training objective per epoch: for each (run name, history), its mean over the training images and its
    value on the validation images, when the history has them.

    history: one dict per epoch with 'epoch' and 'train_loss' (and 'val_loss'). With one unnamed run the traces
    are named 'training objective' and 'validation objective'; otherwise '<run> · training objective', in the
    run's colour, validation dashed. A history from before validation drew z from q(z|x) names its validation
    trace '… at the posterior mean'. `objective`: what the objective sums, for the axis.
    """
    fig = go.Figure()
    single = len(curves) == 1 and not curves[0][0]
    for k, (name, history) in enumerate(curves):
        epochs = [h["epoch"] for h in history]
        for c, (key, words, dash) in enumerate(CURVES):
            if key == "val_loss" and history and SAMPLED_VALIDATION_KEY not in history[0]:
                words += " at the posterior mean"
            if history and key in history[0]:
                fig.add_scatter(
                    x=epochs,
                    y=[h[key] for h in history],
                    mode="lines",
                    name=words if single else f"{name} · {words}",
                    line={"color": COLOURS[(c if single else k) % len(COLOURS)], "dash": "solid" if single else dash},
                )
    fig.update_layout(
        height=height,
        margin={"l": 40, "r": 10, "t": 10, "b": 36},
        xaxis_title="epoch",
        yaxis_title=f"{objective} (nats / image)",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return fig


def activate(ws: Workspace, record: ModelRecord) -> None:
    if state.select_model(ws, record.key):
        state.say(ws, "success", f"'{record.name}' is the active model.")


def rename(ws: Workspace, record: ModelRecord, widget: str) -> None:
    """Rename from the text input `widget`; a refused name is shown under it and the run keeps its name."""
    try:
        workspaces.library().rename_model(ws.token, record.key, st.session_state[widget])
    except latent_core.InvalidInputError as exc:
        st.session_state[ERROR_KEY] = (record.key, explain(exc))


def delete(ws: Workspace, record: ModelRecord) -> None:
    st.session_state.pop(CONFIRM_KEY, None)
    try:
        workspaces.library().delete_model(ws.token, record.key)
    except latent_core.InvalidInputError as exc:
        state.say(ws, "error", explain(exc))
        return
    state.say(ws, "info", f"Deleted '{record.name}'.")


def delete_controls(ws: Workspace, record: ModelRecord) -> None:
    """Delete with a confirm step; the active run is kept until another model is active."""
    if record.key == ws.model_key:
        st.caption(f"'{plain(record.name)}' is the active model: make another model active to delete it.")
        return
    if st.session_state.get(CONFIRM_KEY) != record.key:
        st.button(
            "Delete…",
            key="run_delete",
            icon=":material/delete:",
            on_click=lambda: st.session_state.update({CONFIRM_KEY: record.key}),
        )
        return
    st.warning(
        f"Delete '{plain(record.name)}' from this workspace? Its checkpoint is removed and cannot be brought back."
    )
    cols = st.columns(2)
    cols[0].button("Delete for good", key="run_delete_confirm", type="primary", on_click=delete, args=(ws, record))
    cols[1].button("Keep it", key="run_delete_cancel", on_click=lambda: st.session_state.pop(CONFIRM_KEY, None))


def actions(ws: Workspace, record: ModelRecord) -> None:
    """What can be done with the chosen run: make it active, rename, download, delete."""
    cols = st.columns(2, vertical_alignment="bottom")
    cols[0].button(
        "Make active",
        key="run_activate",
        icon=":material/check_circle:",
        disabled=record.key == ws.model_key,
        on_click=activate,
        args=(ws, record),
    )
    cols[1].download_button(
        "Download checkpoint (.zip)",
        partial(workspaces.library().export_model, ws.token, record.key, None),
        f"{slug(record.name)}.zip",
        "application/zip",
        key="run_download",
        on_click="ignore",
        icon=":material/download:",
        help="config.json, model.safetensors and a model card: lc.load_model and this page's uploader take it.",
    )
    widget = f"run_name_{record.key}"
    st.session_state.setdefault(widget, record.name)
    cols = st.columns([3, 1], vertical_alignment="bottom")
    cols[0].text_input("Name", key=widget, max_chars=80)
    cols[1].button("Rename", key="run_rename", on_click=rename, args=(ws, record, widget))
    failed = st.session_state.get(ERROR_KEY)
    if failed and failed[0] == record.key:
        st.error(failed[1])
        del st.session_state[ERROR_KEY]
    delete_controls(ws, record)


def comparison(records: list[ModelRecord]) -> None:
    """Two to four runs: their loss curves on one plot and their figures side by side."""
    names = {r.key: f"{r.name} ({r.key})" for r in records}
    chosen = st.multiselect(
        "Compare runs",
        list(names),
        key="runs_compare",
        format_func=names.get,
        max_selections=COMPARE_MAX,
        placeholder=f"Choose 2 to {COMPARE_MAX} runs",
    )
    picked = [r for r in records if r.key in chosen]
    if len(picked) < 2:
        st.caption(f"Choose two to {COMPARE_MAX} runs to see their loss curves on one plot and their figures.")
        return
    curves = [(names[r.key], r.history) for r in picked]
    st.plotly_chart(loss_figure(curves, height=320), key="runs_compare_chart", config={"displayModeBar": False})
    st.dataframe(compare_table(picked))


def section(ws: Workspace) -> None:
    """The Model page's 'Runs' part: the table, the chosen run's actions and the comparison."""
    records = workspaces.library().models(ws.token)
    st.subheader("Runs in this workspace")
    if not records:
        st.caption("Models trained or uploaded here are kept in this workspace and listed here.")
        return
    st.dataframe(
        runs_table(records, ws.model_key),
        key="runs_table",
        column_config={
            "Active": st.column_config.CheckboxColumn(width="small"),
            "β": st.column_config.NumberColumn(format="%g"),
            "Validation objective": st.column_config.NumberColumn(
                format="%.2f",
                help="The last epoch's training objective on the held-out images (reconstruction + β·KL, nats).",
            ),
            "When": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Took (s)": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    keys = [r.key for r in records]
    if st.session_state.get("runs_chosen") not in keys:
        st.session_state["runs_chosen"] = ws.model_key if ws.model_key in keys else keys[-1]
    by_key = {r.key: r for r in records}
    chosen = st.selectbox("Run", keys, key="runs_chosen", format_func=lambda k: f"{by_key[k].name} ({k})")
    actions(ws, by_key[chosen])
    if len(records) >= 2:
        comparison(records)
