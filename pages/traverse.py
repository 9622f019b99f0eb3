"""Traverse page: start from a code and move along latent directions with sliders."""

from __future__ import annotations

import streamlit as st

from ui import analogies, state, traversal
from ui.messages import LABEL_LIMIT, MESSAGE_LIMIT, plain

ws = state.workspace()
st.title("Traverse")
st.caption(
    "Start from a code, then move it along directions of the latent space and watch the decoded image change. "
    "Disentangled models (β > 1) tend to give directions that change one property at a time."
)
state.show_messages(ws)

if ws.is_embeddings:
    st.info(plain(state.needs_model(ws, "Traversing the latent space"), MESSAGE_LIMIT))
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/photo_library:")
    st.stop()
if ws.model is None:
    st.warning(
        f"No active model takes the images of '{plain(ws.dataset_label, LABEL_LIMIT)}'. "
        "Train or choose one on the Model page."
    )
    st.page_link("pages/model.py", label="Go to the Model page", icon=":material/model_training:")
    st.stop()

left, right = st.columns([2, 3], gap="large")
with left:
    base = traversal.base_picker(ws)
    chosen = traversal.direction_picker(ws)
with right:
    traversal.sliders(ws, base, chosen)
    analogies.section(ws)
traversal.grid_section(ws, base, chosen)
