"""Latent Explorer: the Streamlit entry point. Run with `streamlit run app.py` (or `make run`).

The page list comes first, before the heavy imports (torch, the engine) and before the workspace opens, so that a
fresh server or a new session shows the sidebar's pages at once and, while the rest loads, a spinner that says what
is loading (st.spinner appears only when its block lasts over half a second, so an ordinary rerun shows nothing).
Streamlit's own page list of pages/ ('app, data, map, …'), which a fresh server sends its first session before any
script runs, is off in .streamlit/config.toml (client.showSidebarNavigation) and turned on here for st.navigation.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

st.set_page_config(page_title="Latent Explorer", page_icon="🧭", layout="wide", initial_sidebar_state="expanded")
st.set_option("client.showSidebarNavigation", True)  # see .streamlit/config.toml
page = st.navigation(
    [
        st.Page("pages/data.py", title="Data", icon=":material/photo_library:", url_path="data"),
        st.Page("pages/model.py", title="Model", icon=":material/model_training:", url_path="model"),
        st.Page("pages/map.py", title="Map", icon=":material/scatter_plot:", url_path="map", default=True),
        st.Page("pages/traverse.py", title="Traverse", icon=":material/tune:", url_path="traverse"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare:", url_path="compare"),
    ]
)
st.logo(str(Path(__file__).parent / "assets" / "logo.svg"), size="large")

with st.spinner("Loading Latent Explorer: PyTorch and the engine…"):  # the first run of a server process only
    from ui import links, sessions, state, training, views
    from ui.sidebar import sidebar

sessions.start()  # once per server: ends the jobs and folders of sessions that end, and of the server
with st.spinner("Opening the workspace: its dataset and model…"):
    ws = state.workspace()  # the workspace the URL's ?w= names, or a new one
    links.read_once(ws)
    state.sync_library(ws)  # its datasets and models as the library has them now
    training.attach(ws)  # a training of this workspace that runs already (a reload, another tab)
    training.collect(ws)
links.write(ws)
sidebar(ws)
try:
    page.run()
finally:  # also when the page stops or reruns early
    views.save(ws)  # the view, when it changed: a reload or a restart shows the same
