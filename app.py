"""Latent Explorer: the Streamlit entry point. Run with `streamlit run app.py` (or `make run`)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import links, sessions, state, training, views
from ui.sidebar import sidebar

st.set_page_config(page_title="Latent Explorer", page_icon="🧭", layout="wide", initial_sidebar_state="expanded")

sessions.start()  # once per server: ends the jobs and folders of sessions that end, and of the server
st.logo(str(Path(__file__).parent / "assets" / "logo.svg"), size="large")
ws = state.workspace()  # the workspace the URL's ?w= names, or a new one
links.read_once(ws)
state.sync_library(ws)  # its datasets and models as the library has them now
training.attach(ws)  # a training of this workspace that runs already (a reload, another tab)
training.collect(ws)

page = st.navigation(
    [
        st.Page("pages/data.py", title="Data", icon=":material/photo_library:", url_path="data"),
        st.Page("pages/model.py", title="Model", icon=":material/model_training:", url_path="model"),
        st.Page("pages/map.py", title="Map", icon=":material/scatter_plot:", url_path="map", default=True),
        st.Page("pages/traverse.py", title="Traverse", icon=":material/tune:", url_path="traverse"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare:", url_path="compare"),
    ]
)
links.write(ws)
sidebar(ws)
try:
    page.run()
finally:  # also when the page stops or reruns early
    views.save(ws)  # the view, when it changed: a reload or a restart shows the same
