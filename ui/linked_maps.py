"""Two runs' maps side by side on the Compare page, with linked selection.

Any two models that take the active dataset's images (a VAE against a β-VAE, a VAE against a GAN's inversion, two
seeds) each map the same images; a click or a lasso/box selection on either map rings the same images on both
(overlay `found`), and hovering a dot in one rings that image in the other, in the browser (assets/map/hover.js:
maps with the same `link` group tell each other what is hovered). Each map has its quality figures under it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import latent_core

from . import catalog, jobs, map_data, map_quality, projections, resources
from .map_component import latent_map, new_events
from .map_view import sprite
from .messages import LABEL_LIMIT, plain
from .state import METHOD_LABELS, Workspace

LINK_GROUP = "compare"
HEIGHT = 440
SELECTION_KEY = "linked_selection"  # session_state: the dataset images ringed on both maps


def runs(ws: Workspace) -> dict[str, tuple[catalog.Option, latent_core.LatentModel, str]]:
    """The models that can encode the active dataset's images, by key: (option, model, fingerprint)."""
    found = {}
    for option in catalog.model_options(ws.saved_models):
        try:
            model, fp = resources.model_for(option)
        except latent_core.InvalidInputError:
            continue
        if model.can_encode and model.image_shape == ws.image_shape:
            found[option.key] = (option, model, fp)
    return found


def linked(ws: Workspace) -> list[int]:
    return st.session_state.get(SELECTION_KEY, [])


def selection_of(event, n: int) -> list[int] | None:
    """The images (map rows) a click or selection on a linked map rings, or None for any other event."""
    if not isinstance(event, dict):
        return None
    if event.get("kind") == "point" and 0 <= int(event.get("index", -1)) < n:
        return [int(event["index"])]
    if event.get("kind") == "select":
        return sorted({int(i) for i in event.get("indices", []) if 0 <= int(i) < n})
    return None


def on_event(key: str, indices: np.ndarray) -> None:
    """A click or selection on either map rings those images on both (map rows are the same images on both)."""
    for event in new_events(key, st.session_state[key]["event"]):
        chosen = selection_of(event, len(indices))
        if chosen is not None:
            st.session_state[SELECTION_KEY] = chosen


def one_map(ws: Workspace, slot: int, run: tuple, method: str) -> None:
    """The map of one run, its selection ring, and its quality figures."""
    option, model, fp = run
    codes = resources.codes(fp, ws.dataset_fp, model, ws.dataset)
    projection, job = projections.request(codes, method, 2)
    st.markdown(f"**{plain(option.label, LABEL_LIMIT)}**")
    if projection is None:
        if job.error:
            st.error(job.error)
            job.forget()
        else:
            jobs.poll(lambda: st.progress(job.progress.fraction, text=f"Projecting: {job.progress.message}…"), job)
        return
    indices = ws.mapped()
    embedding = np.asarray(projection.embedding, dtype=np.float32)
    view_key = projections.projection_key(codes, method, 2)
    selection = linked(ws)
    overlay = {"found": map_data.points(embedding, selection)} if selection else {}
    thumbs = None
    if ws.dataset.images is not None:
        sheet = sprite(ws.dataset_fp, len(indices), ws.dataset, indices)
        thumbs = map_data.sprite_entry(sheet, st.session_state.setdefault("linked_sprites", set()))
    payload = map_data.payload(
        embedding,
        indices,
        map_data.colouring(ws.dataset, indices, "label"),
        map_data.label_entry(ws.dataset, indices),
        thumbs,
        projections.axis_titles(method, 2),
        view_key,
        overlay=overlay,
        height=HEIGHT,
    )
    payload["link"] = LINK_GROUP
    key = f"linked_map_{slot}"
    with st.container(key=f"linked_{slot}"):
        latent_map(
            payload,
            key=key,
            on_event=lambda: on_event(key, indices),
            on_sheet=lambda sheet: st.session_state.setdefault("linked_sprites", set()).add(sheet),
        )
    map_quality.section(projection, view_key)


def section(ws: Workspace) -> None:
    """Pick two runs and a method; their maps side by side, linked."""
    st.subheader("Maps side by side")
    found = runs(ws)
    if len(found) < 2:
        st.info("Two models that take these images are needed: train another on the Model page.")
        return
    keys = list(found)
    first = keys.index(ws.model_key) if ws.model_key in keys else 0
    choose = st.columns([2, 2, 1], vertical_alignment="bottom")
    picked = [
        choose[0].selectbox("Left", keys, index=first, key="linked_left", format_func=lambda k: found[k][0].label),
        choose[1].selectbox(
            "Right", keys, index=(first + 1) % len(keys), key="linked_right", format_func=lambda k: found[k][0].label
        ),
    ]
    method = choose[2].selectbox("Projection", list(METHOD_LABELS), key="linked_method", format_func=METHOD_LABELS.get)
    st.caption(
        "The same images mapped by each model. Click a dot or select some with the lasso or box: the same images "
        "are ringed on both maps. Hovering a dot rings that image on the other map."
    )
    columns = st.columns(2, gap="large")
    for slot, (column, key) in enumerate(zip(columns, picked, strict=True)):
        with column:
            one_map(ws, slot, found[key], method)
    if linked(ws):
        st.button("Clear the rings", key="linked_clear", on_click=lambda: st.session_state.pop(SELECTION_KEY, None))
