"""Map page: the latent codes in 2D/3D; click to decode, shift-click or select to interpolate."""

from __future__ import annotations

import streamlit as st

from latent_core.projection import DIMS, METHODS
from ui import (
    exports,
    gan_views,
    large_maps,
    map_data,
    map_events,
    map_search,
    map_view,
    projection_settings,
    replay,
    state,
)
from ui.messages import LABEL_LIMIT, MESSAGE_LIMIT, plain
from ui.state import METHOD_LABELS

ws = state.workspace()
if large_maps.is_open():  # LATENT_EXPLORER_MAP, chosen on the Data page
    large_maps.page()
    st.stop()
st.title("Latent map")
if ws.is_embeddings:
    st.caption(
        "Each dot is one of the uploaded vectors, placed by a projection of the vectors themselves "
        "(there is no model). Hover to see its label (and image, if given), click a dot to see its nearest neighbours."
    )
else:
    st.caption(
        "Each dot is one image, placed by its latent code. Hover to see it, click a dot to decode it, "
        "click empty space (2D) to decode a point between the images. Shift-click dots, or use the lasso or box "
        "tool, to pick waypoints for an interpolation."
    )
state.show_messages(ws)

if ws.model is None and not ws.is_embeddings and ws.job is not None and ws.job.running:
    st.info("A model is training on the Model page; its map appears here once it is done.")
    st.page_link("pages/model.py", label="See the training on the Model page", icon=":material/model_training:")
    st.stop()
if ws.model is None and not ws.is_embeddings:
    st.warning(
        f"No active model takes the images of '{plain(ws.dataset_label, LABEL_LIMIT)}' "
        f"({state.shape_text(ws.image_shape)}), "
        "so there are no codes to map. Train or choose a model on the Model page."
    )
    st.page_link("pages/model.py", label="Go to the Model page", icon=":material/model_training:")
    st.stop()

ws = gan_views.map_workspace(ws)  # for a GAN: its dataset placed by inversion, or a cloud of its sampled codes


def set_view() -> None:
    if (ws.method, ws.dims) != (st.session_state["map_method"], st.session_state["map_dims"]):
        map_events.forget_positions(ws)  # positions on the old map mean nothing on the new one
    ws.method = st.session_state["map_method"]
    ws.dims = st.session_state["map_dims"]
    ws.colour = st.session_state["map_colour"]
    ws.show_grid = st.session_state["map_grid"]
    ws.mosaic = st.session_state["map_mosaic"]


modes = map_data.colour_modes(ws.dataset, anomaly=ws.model is not None and not gan_views.is_cloud(ws))
if ws.colour not in modes:
    ws.colour = next(iter(modes))
st.session_state.update(
    map_method=ws.method, map_dims=ws.dims, map_colour=ws.colour, map_grid=ws.show_grid, map_mosaic=ws.mosaic
)
controls = st.columns([2, 1, 1, 2, 2], vertical_alignment="bottom")
controls[0].segmented_control(
    "Projection",
    METHODS,
    key="map_method",
    format_func=METHOD_LABELS.get,
    on_change=set_view,
    required=True,
    help="PCA is instant and linear. t-SNE and UMAP keep neighbourhoods "
    "(slower on large datasets; cached once computed).",
)
controls[1].segmented_control(
    "Dimensions",
    DIMS,
    key="map_dims",
    format_func=lambda d: f"{d}D",
    on_change=set_view,
    required=True,
    help="3D maps can be rotated; clicking empty space decodes only in 2D.",
)
with controls[2]:
    projection_settings.popover(ws)
controls[3].selectbox("Colour by", list(modes), key="map_colour", format_func=modes.get, on_change=set_view)
controls[4].toggle(
    "Decoded grid",
    key="map_grid",
    on_change=set_view,
    disabled=ws.dims == 3 or ws.model is None,
    help="Lay the images decoded at a regular grid of map positions over the 2D map."
    + (" " + plain(state.needs_model(ws, "The decoded grid"), MESSAGE_LIMIT) if ws.model is None else ""),
)
controls[4].toggle(
    "Thumbnails",
    key="map_mosaic",
    on_change=set_view,
    disabled=ws.dims == 3 or ws.dataset.images is None,
    help="Draw the images in place of the dots (2D): one per spot at the current zoom, more as you zoom in. With a "
    "model, the empty spots show what it decodes there, in dashed frames.",
)

left, right = st.columns([3, 2], gap="medium")
with left:
    map_search.search_box(ws)
    map_view.view(ws)
    exports.map_downloads(ws)
with right:
    map_view.panel(ws)
replay.section(ws)  # the map over training, from the frames the run recorded
