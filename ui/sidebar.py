"""The sidebar under the page list: what is active, and a live badge while a model trains."""

from __future__ import annotations

import streamlit as st

from . import jobs
from .map_component import preload_plotly
from .state import Workspace, shape_text

BADGE_POLL_S = 1.0


def training_badge(job: jobs.Job) -> None:
    if job.running:
        progress = job.progress
        st.progress(min(1.0, progress.fraction), text=f"Training… {progress.message.split(' · ETA')[0]}")


def sidebar(ws: Workspace) -> None:
    with st.sidebar:
        st.caption("ACTIVE")
        if ws.is_embeddings:
            st.markdown(
                f":material/photo_library: **{ws.dataset_label}**  \n"
                f"{len(ws.dataset):,} vectors · {ws.dataset.dim}-D embeddings"
            )
        else:
            st.markdown(
                f":material/photo_library: **{ws.dataset_label}**  \n"
                f"{len(ws.dataset):,} images · {shape_text(ws.image_shape)}"
            )
        if ws.model is not None:
            st.markdown(
                f":material/model_training: **{ws.model_label}**  \n"
                f"{ws.model.kind.upper()} · {ws.model.latent_dim}-D latent space"
            )
        elif ws.is_embeddings:
            st.markdown(":material/model_training: **No model**: embeddings are mapped as they are.")
        else:
            st.markdown(":material/model_training: **No model** for these images yet: train one on the Model page.")
        if ws.job is not None and not ws.job.collected:
            jobs.poll(training_badge, ws.job, ws.job, every=BADGE_POLL_S)
        preload_plotly()
