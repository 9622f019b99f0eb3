"""The Map page's two fragments: the map (`view`) and the panel beside it (`panel`).

With uploaded embeddings there is no model: the map projects the vectors themselves, a click
shows the point's label, image and neighbours, and what needs a decoder says so.

A click on the map reruns only the panel (the callback names it with st.rerun), so the map
is not sent again; picking waypoints reruns both, because the map draws the path.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

import latent_core
from latent_core.analysis import manifold_grid
from latent_core.atlas import DEFAULT_CELLS
from latent_core.imaging import image_grid, png_bytes, upscale_for_display
from latent_core.io.fingerprint import fingerprint

from . import (
    analogies,
    density_grid,
    images,
    interpolation,
    jobs,
    links,
    map_data,
    map_density,
    map_events,
    map_quality,
    map_search,
    projections,
    resources,
    round_trips,
    state,
    views,
)
from .jobs import FAILED
from .kept import Kept, kept_or_made
from .map_component import density_layer, latent_map, new_events
from .map_events import PANEL, VIEW
from .messages import LABEL_LIMIT, MESSAGE_LIMIT, plain
from .state import METHOD_LABELS, Workspace

MAP_KEY = "latent_map"
DENSITY_KEY = "latent_map_density"  # the map's density layer, an element of its own (assets/map/map.css hides it)
GRID_CELLS = 12
GRID_MIN_ALPHA = 40
ATLAS_CELLS = DEFAULT_CELLS  # the hover preview's atlas: 64 x 64 decodings (seconds of a worker's CPU, once per map)
ATLASES_KEPT = 4  # finished atlases kept in the server's memory, least recently used out


@st.cache_resource(show_spinner=False, max_entries=4)
def sprite(dataset_fp: str, count: int, _dataset: latent_core.ImageDataset, _indices: np.ndarray) -> dict:
    """Hover thumbnails of the mapped images, made once per dataset."""
    return map_data.sprite(_dataset.images[_indices], key=f"{dataset_fp}-{count}")


def projection_progress(ws: Workspace, job: jobs.Job) -> None:
    """Progress of a fit running in the background, with a Cancel button (see jobs.poll for the rerun once it ends)."""
    if job.cancelled:
        st.rerun()  # the view goes back to the last map at once, while the fit finishes its step
    progress = job.progress
    st.progress(min(1.0, progress.fraction), text=f"Projecting {len(ws.mapped()):,} codes: {progress.message}…")
    st.caption("Fitted maps are cached, so this happens once per model, dataset and method.")
    st.button(
        "Cancel",
        key="cancel_projection",
        icon=":material/cancel:",
        on_click=cancel_projection,
        args=(ws, job),
        help="Stop this projection and go back to the last map shown (or PCA, which is instant).",
    )


def cancel_projection(ws: Workspace, job: jobs.Job) -> None:
    """Stop the fit and show the last map drawn instead, or PCA when that was this same view."""
    job.cancel()
    cancelled = f"{METHOD_LABELS[ws.method]} {ws.dims}D"
    method, dims = ws.drawn_view if ws.drawn_view not in (None, (ws.method, ws.dims)) else ("pca", ws.dims)
    ws.method, ws.dims = method, dims
    state.say(ws, "info", f"Cancelled the {cancelled} projection; showing {METHOD_LABELS[method]} {dims}D.")


def path_overlay(ws: Workspace, projection, embedding: np.ndarray) -> dict:
    """Waypoint rings (numbered) and, with two or more, the interpolation path through them; `cleared` counts the
    cleared selections, so that the map drops its own lasso or box selection (outline and faded points) when it grows.
    """
    overlay = {"cleared": ws.selections_cleared}
    for name, rows in (("found", ws.found), ("neighbours", map_search.neighbours(ws))):
        if rows:
            overlay[name] = map_data.points(embedding, rows)
    if ws.found and ws.only_found:
        overlay["only"] = True
    marks = analogies.marks(ws, projection)
    if marks is not None:
        overlay["analogy"] = map_data.points(marks, range(len(marks))) | {"text": list(analogies.MARK_LABELS)}
    found = round_trips.kept(ws, projection) if ws.dims == 2 else None
    if found is not None:
        start, end = found.start_positions[0], found.positions[0]
        overlay["trip"] = {"x": [float(start[0]), float(end[0])], "y": [float(start[1]), float(end[1])]}
    if not ws.selection:
        return overlay
    overlay["selected"] = map_data.points(embedding, ws.selection) | {
        "text": [str(k + 1) for k in range(len(ws.selection))]
    }
    if len(ws.selection) >= 2:
        path = interpolation.path_codes(ws.codes()[ws.selection], ws.path_steps, ws.path_mode)
        overlay["path"] = map_data.points(np.asarray(projection.transform(path)), range(len(path)))
    return overlay


@st.cache_resource(show_spinner=False, max_entries=8)
def grid_overlay(model_fp: str, view: str, _model, _projection, bounds: tuple) -> dict:
    """The decoded manifold grid over `bounds` (x0, x1, y0, y1), as one image placed in map coordinates.

    Cells fade with the inverse mapping's confidence, so extrapolated images stay faint.
    """
    tiles, confidence = manifold_grid(_model, _projection, bounds, GRID_CELLS, GRID_CELLS, return_confidence=True)
    rows, cols, h, w, _ = tiles.shape
    picture = image_grid(tiles.reshape(rows * cols, h, w, -1), cols=cols, pad=0)
    alpha = np.kron(confidence, np.ones((h, w))) * (255 - GRID_MIN_ALPHA) + GRID_MIN_ALPHA
    picture = np.dstack([picture, alpha.astype(np.uint8)])
    x0, x1, y0, y1 = bounds
    dx, dy = (x1 - x0) / (cols - 1) / 2, (y1 - y0) / (rows - 1) / 2  # grid points are cell centres
    return {
        "src": map_data.data_uri(png_bytes(picture, upscale_for_display(h))),
        "x0": x0 - dx,
        "x1": x1 + dx,
        "y0": y0 - dy,
        "y1": y1 + dy,
    }


kept_atlas = Kept(ATLASES_KEPT)  # finished atlas sheets by (model, view, bounds): kept_atlas(key[, sheet])


def make_atlas(model: latent_core.LatentModel, projection, bounds: tuple, name: str, job: jobs.Job) -> dict:
    """An atlas job's work: in a worker process from a checkpoint written for it (TorchScript models stay here).

    The worker gets the projection without its live UMAP estimator (the inverse needs only codes and embedding)."""
    light = projection.without_estimator()
    if model.kind == "torchscript":
        return map_data.decoded_atlas(model, light, bounds, ATLAS_CELLS, name, job)
    args = (light, bounds, ATLAS_CELLS, name)
    return jobs.call_with_checkpoint(map_data.decoded_atlas, model, args, job, "decoding the hover preview")


def hover_atlas(ws: Workspace, projection, view_key: str, bounds: tuple) -> tuple[dict | None, jobs.Job | None]:
    """The hover preview's atlas for this 2D map (decoded once per model, codes, projection and bounds, in a
    background job): (its entry for the payload, None) once made, else (None, the job while it runs)."""
    key = ("atlas", ws.model_fp, view_key, bounds, ATLAS_CELLS)
    work = partial(make_atlas, ws.model, projection, bounds, "atlas-" + fingerprint(repr(key)))
    sheet, job = kept_or_made(kept_atlas, key, work, "Decoding the hover preview failed", "No hover preview")
    if sheet is None:  # running, failed or cancelled: the map is drawn without it
        return None, job
    return map_data.sprite_entry(sheet, ws.sprites_wanted), None


def atlas_note(job: jobs.Job) -> None:
    st.caption(f"Decoding the hover preview over the map: {job.progress.message}…")


def scoring_note(ws: Workspace) -> None:
    st.caption(f"Scoring {len(ws.dataset):,} images for the anomaly colours; the map is in one colour until then…")


def anomaly_colours(ws: Workspace) -> tuple[np.ndarray | None, jobs.Job | None]:
    """(scores, None) once the dataset is scored, else (None, the scoring job still running); a failure is shown."""
    job = resources.anomaly_scoring(ws.model_fp, ws.dataset_fp, ws.model, ws.dataset)
    if job.running:
        return None, job
    if job.status == FAILED:
        st.error(job.error)
        job.forget()
    return job.result(), None


def on_map_event(ws: Workspace) -> None:
    events = new_events(MAP_KEY, st.session_state[MAP_KEY]["event"])
    if not events:
        map_events.rerun([])  # what an earlier call asked for
        return
    projection = projections.cached(ws.codes(), ws.method, ws.dims, ws.map_settings)
    fragments = set()
    for event in events:
        fragments.update(map_events.handle(ws, event, projection))
    map_events.rerun(sorted(fragments))


@st.fragment(key=VIEW)
def view(ws: Workspace) -> None:
    draw_view(ws)
    map_events.drawn(VIEW)


def draw_view(ws: Workspace) -> None:
    projection, job = projections.request(ws.codes(), ws.method, ws.dims, settings=ws.map_settings)
    if projection is None:
        if job.error:
            st.error(job.error)
            job.forget()
        else:
            jobs.poll(projection_progress, job, ws, job)
        return
    ws.drawn_view = (ws.method, ws.dims)
    embedding = np.asarray(projection.embedding, dtype=np.float32)
    indices = ws.mapped()
    view_key = projections.projection_key(ws.codes(), ws.method, ws.dims, ws.map_settings)
    views.record_map(ws, projection, view_key)
    scores, scoring, grid = None, None, None
    if ws.model is not None and ws.colour == "anomaly":
        scores, scoring = anomaly_colours(ws)
    if ws.model is not None and ws.show_grid and ws.dims == 2:
        grid = grid_overlay(ws.model_fp, view_key, ws.model, projection, density_grid.whole_bounds(embedding))
    atlas, atlas_job = None, None
    if ws.model is not None and ws.dims == 2:
        atlas, atlas_job = hover_atlas(ws, projection, view_key, density_grid.whole_bounds(embedding))
    density, density_job = map_density.layer(ws, projection, view_key, embedding)
    thumbs = None
    if ws.dataset.images is not None:
        thumbs = map_data.sprite_entry(sprite(ws.dataset_fp, len(indices), ws.dataset, indices), ws.sprites_wanted)
    payload = map_data.payload(
        embedding,
        indices,
        map_data.colouring(ws.dataset, indices, ws.colour, scores),
        map_data.label_entry(ws.dataset, indices),
        thumbs,
        projections.axis_titles(ws.method, ws.dims),
        view_key,
        overlay=path_overlay(ws, projection, embedding),
        grid=grid,
        atlas=atlas,
    )
    # Not part of the payload's revision: switching thumbnails on or off redraws the mosaic only, not the points.
    payload["mosaic"] = ws.mosaic and ws.dims == 2 and ws.dataset.images is not None
    payload["map_key"] = MAP_KEY  # the name its density layer comes under (density_layer below)
    with st.container(key="map_frame"):
        latent_map(
            payload,
            key=MAP_KEY,
            on_event=lambda: on_map_event(ws),
            on_sheet=lambda key: map_events.rerun(map_events.sheet_asked(ws, key)),
            on_view=lambda asked: map_events.rerun(map_density.view_asked(asked)),
        )
        if density is not None or density_job is not None:
            density_layer(density, key=DENSITY_KEY, map_key=MAP_KEY)
    sampled = f" (an even sample of {len(ws.dataset):,})" if len(indices) < len(ws.dataset) else ""
    if ws.is_embeddings:
        st.caption(
            f"{len(indices):,} vectors{sampled} · {METHOD_LABELS[ws.method]} of "
            f"the {ws.dataset.dim}-D vectors of '{plain(ws.dataset_label, LABEL_LIMIT)}' (no model)."
        )
    else:
        st.caption(
            f"{len(indices):,} images{sampled} · {METHOD_LABELS[ws.method]} "
            f"of the {ws.model.latent_dim}-D codes of '{plain(ws.model_label, LABEL_LIMIT)}'."
        )
    if scoring is not None:
        jobs.poll(scoring_note, scoring, ws)
    if atlas_job is not None:
        jobs.poll(atlas_note, atlas_job, atlas_job)
    map_density.caption(ws, density, density_job)
    map_quality.section(projection, view_key)


def decoded_section(ws: Workspace) -> None:
    with st.container(key="decoded", border=True):
        decoded = ws.decoded
        if decoded is None and ws.model is None:
            st.markdown("**Point**")
            st.caption(
                "Click a dot to see its label, its image (if the vectors came with images) and its nearest neighbours."
            )
            return
        if decoded is None:
            st.markdown("**Decoded image**")
            st.caption("Click a dot or an empty spot on the map to see the image decoded there.")
            return
        st.markdown(f"**{plain(decoded.title, LABEL_LIMIT)}**")  # the title holds a class name
        if decoded.images:
            images.show_row([image for image, _ in decoded.images], [caption for _, caption in decoded.images])
        if decoded.confidence is None and decoded.note:
            st.caption(decoded.note)
        if decoded.confidence is not None:
            st.progress(decoded.confidence, text=f"Confidence of the inverse mapping: {decoded.confidence:.0%}")
            (st.warning if decoded.extrapolated else st.caption)(decoded.note)
        round_trips.section(ws)
        if ws.model is not None and st.button(
            "Traverse from this code",
            key="to_traverse",
            icon=":material/tune:",
            on_click=lambda: st.session_state.update(trav_source="map"),
        ):
            st.switch_page("pages/traverse.py")


def set_path_options(ws: Workspace) -> None:
    ws.path_mode = st.session_state["path_mode"]
    ws.path_steps = st.session_state["path_steps"]
    map_events.rerun([VIEW, PANEL])


def clear_selection(ws: Workspace) -> None:
    ws.selection = []
    ws.selections_cleared += 1
    map_events.rerun([VIEW, PANEL])


def interpolation_section(ws: Workspace) -> None:
    with st.container(key="interpolation", border=True):
        st.markdown("**Interpolation**")
        if ws.model is None:
            st.caption(plain(state.needs_model(ws, "Interpolating between points"), MESSAGE_LIMIT))
            return
        if len(ws.selection) < 2:
            picked = f" ({len(ws.selection)} picked)" if ws.selection else ""
            st.caption(
                "Shift-click two or more dots, or select them with the lasso or box tool, "
                f"to decode the path between them{picked}."
            )
        else:
            st.session_state.update(path_mode=ws.path_mode, path_steps=ws.path_steps)
            cols = st.columns(2)
            cols[0].radio(
                "Path",
                list(interpolation.MODES),
                key="path_mode",
                format_func=interpolation.MODES.get,
                horizontal=True,
                on_change=lambda: set_path_options(ws),
                help="Slerp follows a great circle, keeping codes at a typical length for a Gaussian prior.",
            )
            cols[1].slider("Steps per segment", 3, 16, key="path_steps", on_change=lambda: set_path_options(ws))
            path = interpolation.path_codes(ws.codes()[ws.selection], ws.path_steps, ws.path_mode)
            frames = ws.model.decode(path)
            images.show_strip(frames, height=64, caption=f"{len(frames)} images through {len(ws.selection)} waypoints")
            png, gif = interpolation.exports(frames)
            cols = st.columns(2)
            cols[0].download_button(
                "PNG strip", png, "interpolation.png", "image/png", on_click="ignore", icon=":material/download:"
            )
            cols[1].download_button(
                "Animated GIF", gif, "interpolation.gif", "image/gif", on_click="ignore", icon=":material/animation:"
            )
        if ws.selection:
            st.button(
                "Clear selection", key="clear_selection", on_click=lambda: clear_selection(ws), icon=":material/clear:"
            )


@st.fragment(key=PANEL)
def panel(ws: Workspace) -> None:
    state.show_messages(ws)  # what a click or selection had to say: the panel reruns after each
    decoded_section(ws)
    interpolation_section(ws)
    views.save(ws)  # the picks and the path: a fragment's run does not reach the end of app.py
    links.write(ws)  # nor app.py's links.write: a reload read the URL's older point and path and dropped new picks
    map_events.drawn(PANEL)
