"""The Traverse page's parts: where the base code comes from, which directions, the sliders and the grid.

Latent axes come most informative first: by the KL of each dimension from the model's evaluation (ui.evaluation)
when it is known, else by the variance of the dataset's posterior means along it. A VAE's dimension with a KL
of at most 0.01 nats (or, without an evaluation, posterior means varying by at most 0.01: the activity
statistic of Burda et al. 2015) carries no information: the decoder ignores it, so its slider changes nothing
and is marked so, folded away with the other inactive ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from latent_core.evaluation.likelihood import ACTIVE_KL_NATS
from latent_core.imaging import png_bytes, upscale_for_display
from latent_core.traversal import DIRECTION_KINDS, directions, traverse

from . import evaluation, exports, images, views
from .messages import MESSAGE_LIMIT, plain
from .state import Workspace
from .traverse_component import live_preview

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
STEP = 0.1  # a slider's step; the live preview has a frame at each value
GRID_VALUES = 9
ACTIVE_VARIANCE = 0.01  # Burda et al. 2015: a dimension is active when its posterior mean varies by more over the data
INACTIVE = "(inactive: changes nothing)"


@dataclass(frozen=True)
class Directions:
    """What the sliders move along: one slider per direction, each with its label, widget key and unit vector
    (vectors (k, d)), and whether moving along it changes nothing (an inactive latent dimension)."""

    kind: str
    names: list[str]
    vectors: np.ndarray
    keys: list[str]
    inactive: list[bool]

    @property
    def active(self) -> list[int]:
        return [i for i, off in enumerate(self.inactive) if not off]


@dataclass(frozen=True)
class Activity:
    """How much each latent dimension carries, (d,): `measure` (KL in nats, or variance of the posterior means),
    `inactive` (bool (d,), None when the model has no prior to tell it by) and where the measure comes from."""

    measure: np.ndarray
    inactive: np.ndarray | None
    source: str


def activity(ws: Workspace) -> Activity:
    """The KL per dimension of the model's evaluation on this dataset when known, else the variance of the mapped
    images' posterior means; only a VAE's dimensions are marked inactive (an AE's or GAN's code has no prior that
    the decoder learns to ignore)."""
    figures = evaluation.current(ws)
    if figures is not None and figures.kl_per_dim is not None:
        kl = np.asarray(figures.kl_per_dim, dtype=np.float64)
        return Activity(kl, ~(kl > ACTIVE_KL_NATS), "the KL of each dimension (from the model's evaluation)")
    variance = np.asarray(ws.codes(), dtype=np.float64).var(axis=0)
    inactive = ~(variance > ACTIVE_VARIANCE) if ws.model.kind == "vae" else None
    return Activity(variance, inactive, "how much the dataset's codes vary along each dimension")


def axes(ws: Workspace) -> Directions:
    """One slider per latent dimension, most informative first (see `activity`), inactive ones marked; keyed by the
    dimension, so a slider keeps its value when the order changes."""
    found = activity(ws)
    order = np.argsort(-found.measure, kind="stable")[:MAX_SLIDERS]
    inactive = [bool(found.inactive[i]) if found.inactive is not None else False for i in order]
    names = [
        SLIDER_NAMES["axes"].format(i + 1) + (f" {INACTIVE}" if off else "")
        for i, off in zip(order, inactive, strict=True)
    ]
    shown = f" The {len(order)} of {ws.model.latent_dim} that carry most." if len(order) < ws.model.latent_dim else ""
    st.caption(f"Dimensions ordered by {found.source}, most first.{shown}")
    vectors = np.eye(ws.model.latent_dim, dtype=np.float32)[order]
    return Directions("axes", names, vectors, [f"trav_axes_{i}" for i in order], inactive)


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


def direction_picker(ws: Workspace) -> Directions:
    """The directions chosen by the user: their kind, slider names, unit vectors (k, d) and which are inactive."""
    kinds = {k: DIRECTION_LABELS[k] for k in DIRECTION_KINDS if k != "attribute" or ws.dataset.labels is not None}
    kind = st.radio(
        "Directions",
        list(kinds),
        key="trav_kind",
        format_func=kinds.get,
        help="Latent axes: one slider per code dimension, most informative first. Principal directions: the "
        "directions in which the dataset's codes vary most. Between two classes: from the mean code of one class to "
        "another's.",
    )
    if kind == "axes":
        return axes(ws)
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
            return along(kind, [], np.zeros((0, ws.model.latent_dim), dtype=np.float32))
        labels = ws.dataset.labels[ws.mapped()]
        vectors = directions(codes, kind="attribute", labels=labels, positive=target, negative=source)
        return along(kind, [f"{names[source]} → {names[target]}"], np.atleast_2d(np.asarray(vectors, dtype=np.float32)))
    vectors = np.atleast_2d(np.asarray(directions(codes, kind=kind, model=ws.model), dtype=np.float32))[:MAX_SLIDERS]
    label = SLIDER_NAMES[kind]
    if len(vectors) < ws.model.latent_dim:
        st.caption(f"The first {len(vectors)} of {ws.model.latent_dim} directions.")
    return along(kind, [label.format(k + 1) for k in range(len(vectors))], vectors)


def along(kind: str, names: list[str], vectors: np.ndarray) -> Directions:
    """Directions that are not latent axes: keyed by position, none marked inactive."""
    return Directions(kind, names, vectors, [f"trav_{kind}_{k}" for k in range(len(names))], [False] * len(names))


def reset(keys: list[str]) -> None:
    for key in keys:
        st.session_state[key] = 0.0


@st.fragment
def sliders(ws: Workspace, base: np.ndarray, chosen: Directions) -> None:
    """The sliders and the decoded image; moving a slider reruns only this fragment, and while one is dragged the
    image follows it in the browser (ui.traverse_component). Inactive dimensions' sliders are folded into an
    expander after the active ones."""
    keys = chosen.keys
    with st.container(key="traversal", border=True):
        picture, controls = st.columns([2, 3], gap="medium")
        with controls:
            st.caption(f"Move along each direction, from −{REACH:g} to +{REACH:g} standard deviations of the prior.")
            active = chosen.active
            halves = st.columns(2) if len(active) > 4 else [st.container()]
            for n, k in enumerate(active):
                halves[n % len(halves)].slider(chosen.names[k], -REACH, REACH, 0.0, STEP, key=keys[k])
            inactive = [k for k in range(len(keys)) if chosen.inactive[k]]
            if inactive:
                one = len(inactive) == 1
                label = (
                    f"{len(inactive)} inactive dimension{'' if one else 's'}: moving along {'it' if one else 'them'}"
                )
                with st.expander(f"{label} changes nothing"):
                    st.caption(
                        "These dimensions carry no information about the images: the model ignores them, so moving "
                        "along them leaves the image as it is."
                    )
                    for k in inactive:
                        st.slider(chosen.names[k], -REACH, REACH, 0.0, STEP, key=keys[k])
            if keys:
                st.button("Reset sliders", on_click=reset, args=(keys,), icon=":material/restart_alt:")
        offsets = np.array([st.session_state.get(key, 0.0) for key in keys], dtype=np.float32)
        code = base + (offsets @ chosen.vectors if len(keys) else 0.0)
        with picture, st.container(key="decoded"):
            start, moved = ws.model.decode(np.stack([base, code]))
            images.show_row([moved], ["decoded at the slider position"], side=192)
            images.show_row([start], ["start"], side=72)
        with controls:
            exports.code_download(code)
        with picture:
            live_preview(
                ws.model, ws.model_fp, base, keys, chosen.inactive, chosen.vectors, offsets, REACH, STEP, "decoded"
            )
    views.save(ws)  # the slider values: a fragment's run does not reach the end of app.py


def grid_section(ws: Workspace, base: np.ndarray, chosen: Directions) -> None:
    """Directions × values, decoded: the traversal grid of the β-VAE papers, with a PNG download. Inactive
    dimensions are left out (their rows would repeat the start image)."""
    rows_shown = chosen.active
    if not rows_shown:
        return
    st.subheader("Traversal grid")
    values = np.linspace(-REACH, REACH, GRID_VALUES, dtype=np.float32)
    vectors = chosen.vectors[rows_shown]
    rows = [ws.model.decode(np.asarray(traverse(base, vector, values), dtype=np.float32)) for vector in vectors]
    rows_text = plain(", ".join(chosen.names[k] for k in rows_shown), MESSAGE_LIMIT)  # class names come from files
    left_out = len(chosen.names) - len(rows_shown)
    note = f" {left_out} inactive dimension{'s are' if left_out != 1 else ' is'} left out." if left_out else ""
    st.caption(f"Rows: {rows_text}. Columns: {values[0]:g} to {values[-1]:+g} along each direction.{note}")
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
