"""The large map: a map Parquet from `latent-core project --codes`, named by $LATENT_EXPLORER_MAP, with its model.

It is drawn as a density layer of every point plus an even sample of SAMPLE_POINTS points. The file
is read with pyarrow in row groups (latent_core.distributed.MapFile); what is drawn is cached per file
in st.cache_resource, shared by the sessions and never copied into a session's state, which holds
only whether the map is open and the point last clicked. A click decodes the clicked map position
through the inverse fitted on the map's sample; a sampled point's own image is read from its source
path only when it is clicked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import latent_core
from latent_core.distributed import MapFile
from latent_core.settings import settings

from . import images, resources
from .map_component import CHART_CONFIG
from .messages import explain, plain
from .state import METHOD_LABELS

OPEN_KEY = "large_map_open"  # a plain session key (widget keys are dropped on other pages)
CLICK_KEY = "large_map_click"
CHART_KEY = "large_map_chart"
DENSITY_BINS = 200
# st.plotly_chart sends its figure as JSON with every rerun (each click): 20,000 dots are about 1 MB of it. The
# dataset maps (resources.MAX_MAP_POINTS, 100,000) travel as base64 float32 in the map component instead.
SAMPLE_POINTS = 20_000


def map_path() -> Path | None:
    return settings().large_map


def stamp(path: Path) -> tuple:
    stat = path.stat()
    return (stat.st_size, stat.st_mtime_ns)


@st.cache_resource(show_spinner=False, max_entries=2)
def opened(path: str, _stamp: tuple) -> MapFile:
    return MapFile(path)


@st.cache_resource(show_spinner="Reading the map…", max_entries=2)
def layers(path: str, _stamp: tuple) -> dict:
    """The density of every point: log(1 + count) over a DENSITY_BINS grid, with the cells' x and y centres."""
    counts, x_edges, y_edges = opened(path, _stamp).density(DENSITY_BINS)
    return {"density": np.log1p(counts), "x": (x_edges[:-1] + x_edges[1:]) / 2, "y": (y_edges[:-1] + y_edges[1:]) / 2}


@st.cache_resource(show_spinner="Reading the map…", max_entries=2)
def sampled(path: str, _stamp: tuple) -> dict[str, np.ndarray]:
    """An even sample of SAMPLE_POINTS points (see MapFile.sample), read-only: the dots drawn and clicked."""
    points = opened(path, _stamp).sample(SAMPLE_POINTS)
    for values in points.values():
        values.setflags(write=False)
    return points


@st.cache_resource(show_spinner="Fitting the inverse on the map's sample…", max_entries=2)
def inverse(path: str, _stamp: tuple):
    return opened(path, _stamp).inverse()


def model_of(mapped: MapFile) -> latent_core.LatentModel:
    """The map's model: the checkpoint it was encoded with, else $LATENT_EXPLORER_MODEL."""
    directory = mapped.model_path if mapped.model_path.exists() else settings().start_model
    if directory is None or not Path(directory).exists():
        raise latent_core.InvalidInputError(
            f"The model this map was encoded with ('{mapped.model_path}') is not on this server; "
            "set LATENT_EXPLORER_MODEL to its checkpoint."
        )
    model = resources.checkpoint(str(directory), resources.checkpoint_fingerprint(Path(directory)))
    if model.latent_dim != int(mapped.meta["latent_dim"]):
        raise latent_core.InvalidInputError(
            f"Model '{model.name}' has {model.latent_dim} latent values, but this map's codes have "
            f"{mapped.meta['latent_dim']}."
        )
    return model


def is_open() -> bool:
    """Whether the Map page shows the large map: LATENT_EXPLORER_MAP is set and the Data page's choice is on."""
    return map_path() is not None and st.session_state.get(OPEN_KEY, True)


def set_open() -> None:
    st.session_state[OPEN_KEY] = st.session_state["large_map_toggle"]


def data_choice() -> None:
    """The Data page's choice between the large map and the datasets below (shown only with LATENT_EXPLORER_MAP)."""
    path = map_path()
    if path is None:
        return
    with st.container(key="large_map_choice", border=True):
        st.session_state["large_map_toggle"] = is_open()
        st.toggle(
            f"Large map: {plain(path.name)}",
            key="large_map_toggle",
            on_change=set_open,
            help="A map made by `latent-core project --codes` (LATENT_EXPLORER_MAP). When on, the Map page shows it "
            "instead of a map of the dataset below.",
        )
        if not path.is_file():
            st.error(f"LATENT_EXPLORER_MAP names '{plain(str(path))}', which is not a file.")
            return
        try:
            mapped = opened(str(path), stamp(path))
        except latent_core.InvalidInputError as exc:
            st.error(explain(exc))
            return
        st.caption(
            f"{mapped.rows:,} images · {METHOD_LABELS.get(mapped.method, mapped.method)} "
            f"fitted on {mapped.meta['sample']:,} of them · model {plain(mapped.meta.get('model_name', ''))}."
        )


def figure(drawn: dict, points: dict) -> go.Figure:
    labels = points["label"]
    fig = go.Figure(
        [
            go.Heatmap(
                z=drawn["density"], x=drawn["x"], y=drawn["y"], colorscale="Greys", showscale=False, hoverinfo="skip"
            ),
            go.Scattergl(
                x=points["x"],
                y=points["y"],
                mode="markers",
                marker={"size": 4, "color": labels, "colorscale": "Turbo", "opacity": 0.8},
                hovertemplate="#%{customdata}<extra></extra>",
                customdata=points["index"],
            ),
        ]
    )
    fig.update_layout(
        height=620, margin={"l": 10, "r": 10, "t": 10, "b": 10}, dragmode="pan", showlegend=False, clickmode="event"
    )
    return fig


def clicked(points: dict) -> dict | None:
    """The point the last click chose, from the chart's selection: its map position and sample position."""
    event = st.session_state.get(CHART_KEY)
    chosen = [p for p in (event.selection.points if event else []) if p.get("curve_number") == 1]
    if chosen:
        st.session_state[CLICK_KEY] = {"x": chosen[0]["x"], "y": chosen[0]["y"], "at": chosen[0]["point_index"]}
    return st.session_state.get(CLICK_KEY)


def decoded_panel(path: Path, mapped: MapFile, points: dict) -> None:
    with st.container(key="large_decoded", border=True):
        click = clicked(points)
        if click is None:
            st.markdown("**Decoded image**")
            st.caption("Click a point to decode its place on the map and see the image it came from.")
            return
        model = model_of(mapped)
        code, confidence = inverse(str(path), stamp(path))([[click["x"], click["y"]]])
        at = click["at"]
        index, source = int(points["index"][at]), str(points["source"][at])
        st.markdown(f"**Point #{index:,}**")
        shown, captions = [model.decode(code)[0]], ["decoded here"]
        try:
            shown.append(mapped.source_image(index, source))
            captions.append(source or f"row {index}")
        except latent_core.InvalidInputError as exc:
            st.caption(explain(exc))
        images.show_row(shown, captions)
        st.progress(float(confidence[0]), text=f"Confidence of the inverse mapping: {float(confidence[0]):.0%}")


def page() -> None:
    """The Map page's body while the large map is open."""
    path = map_path()
    st.title("Large map")
    if not path.is_file():
        st.error(f"LATENT_EXPLORER_MAP names '{plain(str(path))}', which is not a file.")
        return
    key = (str(path), stamp(path))
    try:
        mapped = opened(*key)
        drawn, points = layers(*key), sampled(*key)
    except latent_core.InvalidInputError as exc:
        st.error(explain(exc))
        return
    st.caption(
        f"{mapped.rows:,} images encoded by '{plain(mapped.meta.get('model_name', ''))}': "
        f"the grey layer is the density of all of them, the dots an even sample of {len(points['row']):,}. "
        "Click a dot to decode its place. "
        "Switch back to the dataset's own map on the Data page."
    )
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.plotly_chart(
            figure(drawn, points),
            key=CHART_KEY,
            on_select="rerun",
            selection_mode="points",
            width="stretch",
            config=CHART_CONFIG,
        )
        quality = mapped.meta.get("quality", {})
        st.caption(
            f"{METHOD_LABELS.get(mapped.method, mapped.method)} fitted on {mapped.meta['sample']:,} codes; on that "
            f"sample trustworthiness@10 {quality.get('trustworthiness', float('nan')):.3f}, "
            f"inverse relative error {quality.get('inverse_error', float('nan')):.3f}."
        )
    with right:
        try:
            decoded_panel(path, mapped, points)
        except latent_core.InvalidInputError as exc:
            st.error(explain(exc))
