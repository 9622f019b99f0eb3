"""The round trip of the Map panel's decoded point: decode it, encode the image again, and say where it lands.

The decoded panel's "Round trip" switch (`section`): when it is on, `kept(ws, projection)` is the decoded spot's
latent_core RoundTrip, made once per click and map (start_positions -> positions is the arrow ui.map_view draws),
and its distances are written in words under the images.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import latent_core
from latent_core.round_trip import RoundTrip, round_trip

from . import map_events, projections, state
from .map_events import PANEL, VIEW
from .messages import explain
from .state import Workspace


def trip(ws: Workspace, projection) -> RoundTrip | None:
    """The round trip of ws.decoded (from its clicked map position for an empty-space click, else from its code) on
    `projection`, the map it was clicked on; None without a decoded point, for a model that cannot encode, or for a
    map of other codes."""
    decoded, model = ws.decoded, ws.model
    if decoded is None or model is None or ws.is_embeddings or not model.can_encode:
        return None
    if projection is None or projection.codes.shape[1] != model.latent_dim:
        return None
    if decoded.position is not None and len(decoded.position) == projection.dims:
        return round_trip(model, projection, np.asarray(decoded.position, dtype=np.float32)[None])
    return round_trip(model, projection, codes=np.asarray(decoded.code, dtype=np.float32)[None])


def spread(codes: np.ndarray) -> float:
    """The codes' RMS distance from their mean: the scale a round trip's latent distance is read against."""
    codes = np.asarray(codes, dtype=np.float64)
    return float(np.sqrt(((codes - codes.mean(axis=0)) ** 2).sum(axis=1).mean()))


def text(found: RoundTrip, codes: np.ndarray) -> str:
    """The round trip in words: the distances in the latent space (also as a share of the codes' spread) and on
    the map."""
    latent, moved, scale = float(found.latent_distance[0]), float(found.map_distance[0]), spread(codes)
    share = f" ({latent / scale:.0%} of the codes' spread)" if scale > 0 else ""
    return (
        f"Round trip: encoded again, the decoded image lands {latent:.3g} away in the latent space{share} "
        f"and {moved:.3g} away on the map."
    )


def kept(ws: Workspace, projection) -> RoundTrip | None:
    """The decoded spot's round trip on `projection` (`trip`), made once per click and map: the panel
    and the map's arrow both use it. None when it is off, or the model cannot encode."""
    if not ws.show_round_trip or ws.decoded is None or projection is None:
        return None
    kept = ws.__dict__.get("_round_trip")
    if kept is not None and kept[0] is ws.decoded and kept[1] is projection:
        return kept[2]
    try:
        found = trip(ws, projection)
    except latent_core.InvalidInputError as exc:
        state.say(ws, "error", explain(exc))
        found = None
    ws.__dict__["_round_trip"] = (ws.decoded, projection, found)
    return found


def toggle(ws: Workspace) -> None:
    ws.show_round_trip = st.session_state["round_trip"]
    map_events.rerun([VIEW, PANEL])


def section(ws: Workspace) -> None:
    """A switch for the round trip, and its distances in words (the arrow is on the map)."""
    if ws.model is None or not ws.model.can_encode:
        return
    st.session_state["round_trip"] = ws.show_round_trip
    st.toggle(
        "Round trip",
        key="round_trip",
        on_change=lambda: toggle(ws),
        help="Encode the decoded image again and draw an arrow on the map to where it lands: short where the model "
        "is consistent, long where the encoder reads the decoded image as something else.",
    )
    projection = projections.cached(ws.codes(), ws.method, ws.dims, ws.map_settings)
    found = kept(ws, projection)
    if found is not None:
        st.caption(text(found, projection.codes))
