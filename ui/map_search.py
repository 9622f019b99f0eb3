"""Finding images on the map: a search box (image numbers, ranges, labels) whose matches are ringed on the map (or,
as a filter, shown alone with every other point faint), and
the clicked point's nearest neighbours ringed too when asked. The rings are overlays of the map component
(`found` and `neighbours` in ui.map_view.path_overlay; drawn by assets/map/render.js)."""

from __future__ import annotations

import numpy as np
import streamlit as st

import latent_core
from latent_core.search import find_points

from . import state
from .messages import explain
from .state import Workspace

FIND_KEY = "map_find"
NEIGHBOURS = 8  # ringed around a clicked point: about what one can compare by eye


def positions(ws: Workspace, images: np.ndarray) -> list[int]:
    """Map positions of the dataset images `images` that are on the map (a large dataset maps a sample)."""
    mapped = ws.mapped()
    at = np.searchsorted(mapped, images)
    on_map = (at < len(mapped)) & (mapped[np.minimum(at, len(mapped) - 1)] == images)
    return [int(p) for p in at[on_map]]


def search(ws: Workspace, query: str) -> None:
    """Ring the images a query names (see latent_core.search), or clear the rings for an empty query."""
    if not query.strip():
        ws.found = []
        return
    try:
        images = find_points(ws.dataset, query)
    except latent_core.InvalidInputError as exc:
        state.say(ws, "warning", explain(exc))
        return
    ws.found = positions(ws, images)
    missing = len(images) - len(ws.found)
    off_map = f"; {missing:,} of them are not in the map's sample" if missing else ""
    state.say(ws, "info", f"{len(images):,} image{'s' if len(images) != 1 else ''} found{off_map}, ringed on the map.")


def neighbours(ws: Workspace) -> list[int]:
    """Map positions of the clicked point's nearest neighbours in the latent space (Euclidean), closest first."""
    decoded = ws.decoded
    if not ws.show_neighbours or decoded is None or decoded.point is None:
        return []
    codes = ws.codes()
    rows, _ = ws.code_index().nearest(codes[decoded.point], k=min(NEIGHBOURS + 1, len(codes)))
    return [int(r) for r in rows if r != decoded.point][:NEIGHBOURS]


def search_box(ws: Workspace) -> None:
    """The search field and the neighbours switch, above the map."""
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    left.text_input(
        "Find images",
        key=FIND_KEY,
        placeholder="12, 10-20 or a label name",
        on_change=lambda: search(ws, st.session_state[FIND_KEY]),
        help="Image numbers (12), ranges (10-20) and label names, separated by commas; matches are ringed on the "
        "map. Empty the field to clear the rings. To hide a class, click it in the legend; double-click to show it "
        "alone.",
    )
    st.session_state["map_only_found"] = ws.only_found
    left.toggle(
        "Show only the matches",
        key="map_only_found",
        on_change=lambda: setattr(ws, "only_found", st.session_state["map_only_found"]),
        help="A filter: every other point is drawn faint, so the matches stand out (clicks still reach every point).",
    )
    st.session_state["map_neighbours"] = ws.show_neighbours
    right.toggle(
        "Ring the clicked point's neighbours",
        key="map_neighbours",
        on_change=lambda: setattr(ws, "show_neighbours", st.session_state["map_neighbours"]),
        help=f"The {NEIGHBOURS} images whose codes are nearest to a clicked dot's, in the latent space (not on the "
        "map: a projection keeps only some neighbourhoods).",
    )
