"""Shareable views: the workspace's token, and its dataset, model, projection method and dimensions, colour mode,
clicked point and interpolation path, in the URL's query parameters. Dataset and model keys only name what the
session's own workspace holds. Points are named by their image index in the dataset (`point=12`,
`path=3-40-7`), so a link means the same images however many of them the map shows."""

from __future__ import annotations

import numpy as np
import streamlit as st

import latent_core
from latent_core.projection import DIMS, METHODS

from . import map_data, map_events, state, workspaces
from .interpolation import MODES
from .messages import explain
from .state import METHOD_LABELS, Workspace
from .views import STEPS, View

READ_FLAG = "links_read"
KEYS = ("dataset", "model", "method", "dims", "colour", "point", "path", "mode", "steps")
PATH_SEPARATOR = "-"


def view_params(ws: Workspace) -> dict[str, str]:
    """The view's query parameters; those at their defaults are left out, to keep links short."""
    params = {"dataset": ws.dataset_key, "method": ws.method, "dims": str(ws.dims)}
    if ws.model_key:
        params["model"] = ws.model_key
    if ws.colour != View.colour:
        params["colour"] = ws.colour
    if ws.decoded is not None and ws.decoded.point is not None:
        params["point"] = str(int(ws.mapped()[ws.decoded.point]))
    if ws.selection:
        params["path"] = PATH_SEPARATOR.join(str(int(i)) for i in ws.mapped()[ws.selection])
        if ws.path_mode != View.path_mode:
            params["mode"] = ws.path_mode
        if ws.path_steps != View.path_steps:
            params["steps"] = str(ws.path_steps)
    return params


def map_position(ws: Workspace, image: str) -> int | None:
    """The map position of the image whose dataset index is `image` (text), or None when it is not on the map."""
    if not image.isdigit() or len(image) > 12:
        return None
    mapped = ws.mapped()
    position = int(np.searchsorted(mapped, int(image)))
    return position if position < len(mapped) and mapped[position] == int(image) else None


def apply_map_params(ws: Workspace, params: dict[str, str]) -> None:
    """Colour mode, interpolation path and clicked point from a link; anything unknown is reported and left out."""
    colour = params.get("colour")
    if colour:
        modes = map_data.colour_modes(ws.dataset, anomaly=ws.model is not None)
        if colour in modes:
            ws.colour = colour
        else:
            state.say(ws, "warning", f"{state.named('colour mode', colour, ' in the link')} is unknown; kept the last.")
    path = params.get("path")
    if path:
        images = path.split(PATH_SEPARATOR)
        positions = [map_position(ws, image) for image in images[: map_events.MAX_WAYPOINTS]]
        if len(images) > map_events.MAX_WAYPOINTS or None in positions:
            state.say(ws, "warning", f"{state.named('path', path, ' in the link')} names images not on this map.")
        ws.selection = list(dict.fromkeys(p for p in positions if p is not None))
    if params.get("mode") in MODES:
        ws.path_mode = params["mode"]
    steps = params.get("steps") or ""
    if steps.isdigit() and STEPS[0] <= int(steps) <= STEPS[1]:
        ws.path_steps = int(steps)
    point = params.get("point")
    if point:
        apply_point(ws, point)


def apply_point(ws: Workspace, point: str) -> None:
    """Show the linked point in the decoded panel, as a click on it would."""
    position = map_position(ws, point)
    if position is None:
        state.say(ws, "warning", f"{state.named('point', point, ' in the link')} is not on this map.")
    elif ws.model is not None:
        try:
            ws.decoded = map_events.decode_point(ws, position)
            ws.base = state.BaseCode(ws.decoded.code, f"map point, image #{point}")
        except latent_core.InvalidInputError as exc:
            state.say(ws, "error", explain(exc))
    elif ws.is_embeddings:
        ws.decoded = map_events.describe_vector(ws, position)


def apply(ws: Workspace, params: dict[str, str]) -> None:
    """Adopt a shared view; anything unknown is reported and the current choice kept."""
    if params.get("dataset") and params["dataset"] != ws.dataset_key:
        state.select_dataset(ws, params["dataset"])
    if params.get("model") and params["model"] != ws.model_key:
        state.select_model(ws, params["model"])
    method = params.get("method")
    if method:
        if method in METHODS:
            ws.method = method
        else:
            named = state.named("projection method", method, " in the link")
            state.say(ws, "warning", f"{named} is unknown; using {METHOD_LABELS[ws.method]}.")
    dims = params.get("dims")
    if dims:
        if dims in {str(d) for d in DIMS}:
            ws.dims = int(dims)
        else:
            state.say(
                ws, "warning", f"{state.named('map dimensions', dims, ' in the link')} must be 2 or 3; using {ws.dims}."
            )
    apply_map_params(ws, params)


def read_once(ws: Workspace) -> None:
    """On a session's first run, take the view from the URL; not when the link named a workspace that was not found
    (its view belongs to that workspace)."""
    if not st.session_state.get(READ_FLAG):
        st.session_state[READ_FLAG] = True
        if st.query_params.get(workspaces.PARAM, ws.token) == ws.token:
            apply(ws, {k: st.query_params.get(k) for k in KEYS})


def write(ws: Workspace) -> None:
    """Put the workspace's token and the current view into the URL, so copying it shares this workspace and view."""
    params = {workspaces.PARAM: ws.token} | view_params(ws)
    shown = {k: st.query_params.get(k) for k in (workspaces.PARAM, *KEYS) if k in st.query_params}
    if shown != params:
        st.query_params.from_dict(params)
