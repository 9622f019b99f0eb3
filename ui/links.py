"""Shareable views: the workspace's token, and its dataset, model, projection method and dimensions, in the URL's
query parameters. Dataset and model keys only name what the session's own workspace holds."""

from __future__ import annotations

import streamlit as st

from latent_core.projection import DIMS, METHODS

from . import state, workspaces
from .state import METHOD_LABELS, Workspace

READ_FLAG = "links_read"


def view_params(ws: Workspace) -> dict[str, str]:
    params = {"dataset": ws.dataset_key, "method": ws.method, "dims": str(ws.dims)}
    if ws.model_key:
        params["model"] = ws.model_key
    return params


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


def read_once(ws: Workspace) -> None:
    """On a session's first run, take the view from the URL; not when the link named a workspace that was not found
    (its view belongs to that workspace)."""
    if not st.session_state.get(READ_FLAG):
        st.session_state[READ_FLAG] = True
        if st.query_params.get(workspaces.PARAM, ws.token) == ws.token:
            apply(ws, {k: st.query_params.get(k) for k in ("dataset", "model", "method", "dims")})


def write(ws: Workspace) -> None:
    """Put the workspace's token and the current view into the URL, so copying it shares this workspace and view."""
    params = {workspaces.PARAM: ws.token} | view_params(ws)
    if {k: st.query_params.get(k) for k in params} != params or (not ws.model_key and "model" in st.query_params):
        st.query_params.from_dict(params)
