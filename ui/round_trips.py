"""The round trip of the Map panel's decoded point: decode it, encode the image again, and say where it lands.

For the Map page's owner to call from the decoded panel: `trip(ws, projection)` gives latent_core's RoundTrip
(start_positions -> positions is the arrow to draw on the map), `show(ws, projection)` writes its distances as a
caption and returns it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from latent_core.round_trip import RoundTrip, round_trip

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


def show(ws: Workspace, projection) -> RoundTrip | None:
    """A caption with the decoded point's round trip (see `trip`, `text`); returns it for the map's arrow."""
    found = trip(ws, projection)
    if found is not None:
        st.caption(
            text(found, projection.codes),
            help="The decoded image is encoded again (its posterior mean). Where the model is consistent it lands "
            "where it started; far away means the encoder reads the decoded image as something else.",
        )
    return found
