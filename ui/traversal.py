"""The Traverse page's parts: where the base code comes from, which directions, the sliders and the grid."""

from __future__ import annotations

import numpy as np
import streamlit as st

from latent_core.imaging import png_bytes, upscale_for_display
from latent_core.traversal import DIRECTION_KINDS, directions, traverse

from . import exports, images, views
from .messages import MESSAGE_LIMIT, plain
from .state import Workspace

SOURCES = {"map": "Last map click", "index": "A dataset image", "prior": "A random draw from the prior"}
DIRECTION_LABELS = {
    "axes": "Latent axes",
    "pca": "Principal directions",
    "attribute": "Between two classes",
    "sefa": "SeFa (decoder's first layer)",
    "ganspace": "GANSpace (decoder's activations)",
}  # keyed by DIRECTION_KINDS
SLIDER_NAMES = {"axes": "z{}", "pca": "PC {}", "sefa": "SeFa {}", "ganspace": "GANSpace {}"}
MAX_SLIDERS = 10
REACH = 3.0
GRID_VALUES = 9


def base_picker(ws: Workspace) -> np.ndarray:
    """The code every slider moves away from."""
    if "trav_source" not in st.session_state:
        st.session_state["trav_source"] = "map" if ws.base is not None else "index"
    source = st.radio(
        "Start from",
        list(SOURCES),
        key="trav_source",
        format_func=SOURCES.get,
        help="A map click sets the code of the clicked point (or of the clicked empty spot).",
    )
    if source == "map" and ws.base is not None:
        st.caption(f"Code of the {ws.base.source}.")
        return np.asarray(ws.base.code, dtype=np.float32)
    if source == "map":
        st.info("No map click yet: click the map first. Meanwhile the traversal starts from dataset image 0.")
    if source == "prior":
        seed = st.session_state.setdefault("trav_seed", 0)
        st.button("Draw again", icon=":material/casino:", on_click=lambda: st.session_state.update(trav_seed=seed + 1))
        st.caption(f"A code drawn from the standard normal prior (draw {seed + 1}).")
        return np.random.default_rng(seed).standard_normal(ws.model.latent_dim).astype(np.float32)
    index = 0
    if source == "index":
        index = int(
            st.number_input(
                "Image number",
                0,
                len(ws.dataset) - 1,
                0,
                key="trav_index",
                help=f"0 to {len(ws.dataset) - 1:,}; the Map shows each image's number on hover.",
            )
        )
    return ws.model.encode(ws.dataset.images[index : index + 1])[0]


def direction_picker(ws: Workspace) -> tuple[str, list[str], np.ndarray]:
    """(kind, slider names, unit vectors (k, d)) chosen by the user."""
    kinds = {k: DIRECTION_LABELS[k] for k in DIRECTION_KINDS if k != "attribute" or ws.dataset.labels is not None}
    kind = st.radio(
        "Directions",
        list(kinds),
        key="trav_kind",
        format_func=kinds.get,
        help="Latent axes: one slider per code dimension. Principal directions: the directions in which the "
        "dataset's codes vary most. Between two classes: from the mean code of one class to another's.",
    )
    codes = ws.codes()
    if kind == "attribute":
        names = {
            int(v): ws.dataset.label_text(int(np.flatnonzero(ws.dataset.labels == v)[0]))
            for v in np.unique(ws.dataset.labels)
        }
        cols = st.columns(2)
        source = cols[0].selectbox("From class", list(names), format_func=names.get, key="trav_from")
        target = cols[1].selectbox(
            "To class", list(names), index=min(1, len(names) - 1), format_func=names.get, key="trav_to"
        )
        if source == target:
            st.warning("Choose two different classes.")
            return kind, [], np.zeros((0, ws.model.latent_dim), dtype=np.float32)
        labels = ws.dataset.labels[ws.mapped()]
        vectors = directions(codes, kind="attribute", labels=labels, positive=target, negative=source)
        return kind, [f"{names[source]} → {names[target]}"], np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    vectors = np.atleast_2d(np.asarray(directions(codes, kind=kind, model=ws.model), dtype=np.float32))[:MAX_SLIDERS]
    label = SLIDER_NAMES[kind]
    if len(vectors) < ws.model.latent_dim:
        st.caption(f"The first {len(vectors)} of {ws.model.latent_dim} directions.")
    return kind, [label.format(k + 1) for k in range(len(vectors))], vectors


def reset(keys: list[str]) -> None:
    for key in keys:
        st.session_state[key] = 0.0


@st.fragment
def sliders(ws: Workspace, base: np.ndarray, kind: str, names: list[str], vectors: np.ndarray) -> None:
    """The sliders and the decoded image; moving a slider reruns only this fragment."""
    keys = [f"trav_{kind}_{k}" for k in range(len(names))]
    with st.container(key="traversal", border=True):
        picture, controls = st.columns([2, 3], gap="medium")
        with controls:
            st.caption(f"Move along each direction, from −{REACH:g} to +{REACH:g} standard deviations of the prior.")
            halves = st.columns(2) if len(keys) > 4 else [st.container()]
            for k, (key, name) in enumerate(zip(keys, names, strict=True)):
                halves[k % len(halves)].slider(name, -REACH, REACH, 0.0, 0.1, key=key)
            if keys:
                st.button("Reset sliders", on_click=reset, args=(keys,), icon=":material/restart_alt:")
        offsets = np.array([st.session_state.get(key, 0.0) for key in keys], dtype=np.float32)
        code = base + (offsets @ vectors if len(keys) else 0.0)
        with picture, st.container(key="decoded"):
            start, moved = ws.model.decode(np.stack([base, code]))
            images.show_row([moved], ["decoded at the slider position"], side=192)
            images.show_row([start], ["start"], side=72)
        with controls:
            exports.code_download(code)
    views.save(ws)  # the slider values: a fragment's run does not reach the end of app.py


def grid_section(ws: Workspace, base: np.ndarray, names: list[str], vectors: np.ndarray) -> None:
    """Directions × values, decoded: the traversal grid of the β-VAE papers, with a PNG download."""
    if not len(names):
        return
    st.subheader("Traversal grid")
    values = np.linspace(-REACH, REACH, GRID_VALUES, dtype=np.float32)
    rows = [ws.model.decode(np.asarray(traverse(base, vector, values), dtype=np.float32)) for vector in vectors]
    rows_text = plain(", ".join(names), MESSAGE_LIMIT)  # class names come from files
    st.caption(f"Rows: {rows_text}. Columns: {values[0]:g} to {values[-1]:+g} along each direction.")
    grid = np.concatenate(rows)
    images.show_strip(grid, rows=len(rows), height=56)
    picture = images.strip(grid, rows=len(rows))
    st.download_button(
        "Download grid (PNG)",
        png_bytes(picture, upscale_for_display(grid.shape[1])),
        "traversal-grid.png",
        "image/png",
        on_click="ignore",
        icon=":material/download:",
    )
