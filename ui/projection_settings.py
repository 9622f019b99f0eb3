"""The Map page's projection settings: t-SNE's perplexity, UMAP's n_neighbors and min_dist, and their metric.

The values live in Workspace.map_settings (ProjectionConfig field names); ui.projections uses those the method
uses, so a changed setting fits a new map (kept by content like any other) and going back finds the old one.
"""

from __future__ import annotations

import streamlit as st

from latent_core.projection import ProjectionConfig
from latent_core.projection.config import METRICS

from . import map_events
from .projections import TUNABLE
from .state import METHOD_LABELS, Workspace

DEFAULTS = ProjectionConfig()
KEY = "proj_{}"  # widget keys, by field
# (label, low, high, step, help) of each slider; ranges inside ProjectionConfig's own.
SLIDERS = {
    "perplexity": (
        "Perplexity",
        5.0,
        50.0,
        1.0,
        "About how many neighbours each point keeps close: low values show local clusters, high values more of the "
        "global layout.",
    ),
    "neighbors": (
        "Neighbours",
        2,
        100,
        1,
        "UMAP's n_neighbors: how many neighbours shape each point's place. Low: fine local detail; high: the "
        "overall shape.",
    ),
    "min_dist": ("Minimum distance", 0.0, 0.99, 0.01, "UMAP's min_dist: how tightly points may pack together."),
}


def value(ws: Workspace, name: str):
    return ws.map_settings.get(name, getattr(DEFAULTS, name))


def changed(ws: Workspace, name: str) -> None:
    ws.map_settings[name] = st.session_state[KEY.format(name)]
    map_events.forget_positions(ws)  # positions on the old map mean nothing on the new one


def reset(ws: Workspace) -> None:
    for name in TUNABLE[ws.method]:
        ws.map_settings.pop(name, None)
    map_events.forget_positions(ws)


def popover(ws: Workspace) -> None:
    """A 'Settings' popover for the current method's settings, with a reset to the defaults."""
    with st.popover("Settings", icon=":material/tune:", width="stretch"):
        names = TUNABLE[ws.method]
        if not names:
            st.caption("PCA has no settings: it is the same for the same codes.")
            return
        st.caption(f"{METHOD_LABELS[ws.method]} settings. Each setting's map is fitted once and kept.")
        for name in names:
            st.session_state[KEY.format(name)] = value(ws, name)
            if name == "metric":
                st.radio(
                    "Metric",
                    METRICS,
                    key=KEY.format(name),
                    horizontal=True,
                    on_change=changed,
                    args=(ws, name),
                    help="Euclidean distance between codes, or cosine: the angle between them (their lengths ignored).",
                )
            else:
                label, low, high, step, help_text = SLIDERS[name]
                key = KEY.format(name)
                st.slider(label, low, high, step=step, key=key, on_change=changed, args=(ws, name), help=help_text)
        st.button("Defaults", key="proj_defaults", on_click=reset, args=(ws,), icon=":material/restart_alt:")
