"""The Map page's "Map over training": a slider over the frames a run recorded while it trained, and a GIF of them.

The frames are the posterior means of a fixed sample of the training images (latent_core.replay.TrainingMap,
saved with the run's checkpoint), each laid out by its own PCA and turned and scaled onto the last frame
(orthogonal Procrustes), so that a point moves only as much as the map around it changed.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from latent_core.replay import PALETTE, UNLABELLED, TrainingMap, replay_gif

from .map_component import CHART_CONFIG
from .messages import LABEL_LIMIT, plain
from .state import Workspace


@st.cache_resource(show_spinner=False, max_entries=4)
def aligned(model_fp: str, _training_map: TrainingMap) -> np.ndarray:
    """The run's frames aligned for replay, float32 (F, n, 2), read-only."""
    frames = _training_map.aligned()
    frames.setflags(write=False)
    return frames


@st.cache_resource(show_spinner=False, max_entries=4)
def gif(model_fp: str, dataset_fp: str | None, _frames: np.ndarray, _labels, _names: tuple[str, ...]) -> bytes:
    """The replay as an animated GIF (latent_core.replay_gif), made once per run and dataset."""
    return replay_gif(_frames, _labels, list(_names))


def labels_of(ws: Workspace, training_map: TrainingMap) -> np.ndarray | None:
    """The labels of the followed images when the active dataset is the one the run trained on, else None."""
    trained_on = ws.model.config.get("dataset", {}).get("fingerprint")
    if ws.is_embeddings or ws.dataset.labels is None or trained_on != ws.dataset_fp:
        return None
    if training_map.indices.max() >= len(ws.dataset):
        return None
    return ws.dataset.labels[training_map.indices]


def figure(frame: np.ndarray, labels: np.ndarray | None, names: dict[int, str], bounds: np.ndarray) -> go.Figure:
    """A 2-D scatter of one frame (n, 2), one trace per class in the map's palette, on fixed axes (bounds (2, 2))."""
    fig = go.Figure()
    groups = [(None, np.arange(len(frame)))] if labels is None else [(v, labels == v) for v in np.unique(labels)]
    for value, members in groups:
        colour = UNLABELLED if value is None else PALETTE[int(value) % len(PALETTE)]
        fig.add_trace(
            go.Scattergl(
                x=frame[members, 0].round(4).tolist(),  # plain numbers, not plotly's base64 arrays
                y=frame[members, 1].round(4).tolist(),
                mode="markers",
                name="images" if value is None else plain(names.get(int(value), str(value)), LABEL_LIMIT),
                marker={"size": 5, "color": colour, "opacity": 0.8},
                hoverinfo="name",
            )
        )
    pad = (bounds[1] - bounds[0]) * 0.05
    fig.update_layout(
        height=440,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"range": [bounds[0, 0] - pad[0], bounds[1, 0] + pad[0]], "showticklabels": False, "title": "PC 1"},
        yaxis={"range": [bounds[0, 1] - pad[1], bounds[1, 1] + pad[1]], "showticklabels": False, "title": "PC 2"},
        legend={"orientation": "h", "y": -0.05, "yanchor": "top"},
        showlegend=labels is not None,
        uirevision="replay",
    )
    return fig


def section(ws: Workspace) -> None:
    """An expander 'Map over training' with a slider over the run's recorded frames and a GIF download."""
    if ws.model is None or ws.is_embeddings or ws.model.kind == "gan":  # a GAN's training records no map
        return
    with st.expander("Map over training", icon=":material/slow_motion_video:"):
        training_map = getattr(ws.model, "training_map", None)
        if training_map is None:
            st.caption(
                "This model has no record of how its map formed: runs trained here keep the codes of up to 2,000 "
                "of their images at a few epochs, and replay them here."
            )
            return
        frames, labels = aligned(ws.model_fp, training_map), labels_of(ws, training_map)
        names = training_map.frame_names()
        st.caption(
            f"The codes of {len(training_map.indices):,} training images at {len(names)} moments of the run, each "
            "laid out by its own PCA and turned onto the last (Procrustes), so points move only as the map changed."
            + ("" if labels is not None else " Colours need the dataset the model was trained on.")
        )
        frame = st.select_slider(
            "Moment of training",
            options=list(range(len(names))),
            value=len(names) - 1,
            format_func=lambda k: names[k],
            key=f"replay_frame_{ws.model_fp}",
        )
        label_names = {}
        if labels is not None:
            values, first = np.unique(labels, return_index=True)
            label_names = {
                int(v): ws.dataset.label_text(int(training_map.indices[i])) for v, i in zip(values, first, strict=True)
            }
        bounds = np.stack([frames.reshape(-1, 2).min(axis=0), frames.reshape(-1, 2).max(axis=0)])
        st.plotly_chart(
            figure(frames[frame], labels, label_names, bounds),
            config=CHART_CONFIG,
            key="replay_chart",
            width="stretch",
        )
        data = gif(ws.model_fp, ws.dataset_fp if labels is not None else None, frames, labels, tuple(names))
        st.download_button(
            "Download the replay (GIF)",
            data,
            file_name="map-over-training.gif",
            mime="image/gif",
            icon=":material/download:",
            key="replay_gif",
        )
