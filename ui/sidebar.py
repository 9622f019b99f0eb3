"""The sidebar under the page list: what is active, a live badge while a model trains, and the workspace's link."""

from __future__ import annotations

import streamlit as st

from . import jobs, state, views, workspaces
from .map_component import preload_plotly
from .messages import LABEL_LIMIT, plain
from .state import Workspace, shape_text

BADGE_POLL_S = 1.0


def training_badge(job: jobs.Job) -> None:
    if job.running:
        progress = job.progress
        st.progress(min(1.0, progress.fraction), text=f"Training… {progress.message.split(' · ETA')[0]}")


def new_workspace(ws: Workspace) -> None:
    """Start a new, empty workspace in this session (the URL follows on the rerun); the old one stays in the library,
    reachable by its link."""
    fresh = state.new_workspace(workspaces.library().create_workspace())
    fresh.files.last = dict(ws.files.last)  # what the uploaders still hold was handled: it is not a new choice
    st.session_state[state.SESSION_KEY] = fresh
    for key in [k for k in st.session_state if k.startswith(views.TRAVERSE_PREFIX)]:
        del st.session_state[key]


def workspace_block(ws: Workspace) -> None:
    """The link to this workspace with a copy button, a 'New workspace' button, and who can see it."""
    st.caption("WORKSPACE")
    st.markdown("**Copy link**", help="The copy icon beside the link copies it. " + workspaces.SHARED)
    st.code(workspaces.link(ws.token), language=None, wrap_lines=True)
    busy = ws.job is not None and ws.job.running
    st.button(
        "New workspace",
        key="new_workspace",
        icon=":material/add:",
        on_click=new_workspace,
        args=(ws,),
        disabled=busy,
        help="A model is training in this workspace: wait for it or cancel it first."
        if busy
        else "Start afresh; this workspace stays at its link.",
    )
    st.caption(workspaces.SHARED)


def sidebar(ws: Workspace) -> None:
    with st.sidebar:
        st.caption("ACTIVE")
        dataset_label = plain(ws.dataset_label, LABEL_LIMIT)
        if ws.is_embeddings:
            st.markdown(
                f":material/photo_library: **{dataset_label}**  \n"
                f"{len(ws.dataset):,} vectors · {ws.dataset.dim}-D embeddings"
            )
        else:
            st.markdown(
                f":material/photo_library: **{dataset_label}**  \n"
                f"{len(ws.dataset):,} images · {shape_text(ws.image_shape)}"
            )
        if ws.model is not None:
            st.markdown(
                f":material/model_training: **{plain(ws.model_label, LABEL_LIMIT)}**  \n"
                f"{ws.model.kind.upper()} · {ws.model.latent_dim}-D latent space"
            )
        elif ws.is_embeddings:
            st.markdown(":material/model_training: **No model**: embeddings are mapped as they are.")
        else:
            st.markdown(":material/model_training: **No model** for these images yet: train one on the Model page.")
        if ws.job is not None and not ws.job.collected:
            jobs.poll(training_badge, ws.job, ws.job, every=BADGE_POLL_S)
        workspace_block(ws)
        preload_plotly()
