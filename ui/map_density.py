"""The Map page's density layer (issue #13): above MAX_MAP_POINTS rows, the map draws an even sample as dots and,
under them, the density of every row; zooming or panning asks for the density of the visible range.

Every row's map position is found once per projection and dataset in a background job (ui.jobs, like the hover
atlas): the rows the map leaves out are encoded with the model (or are the uploaded vectors themselves) and placed
with Projection.transform (exact for PCA; kNN placement for t-SNE and UMAP), in a worker process
(ui.density_grid.place_rows). The map is drawn at once; the layer comes with the first run after the job ends, as
an element of its own (ui.map_component.density_layer), so the points are not redrawn and the zoom stays. The
browser reports a zoom or pan with the state value "view" (assets/map/density.js); the server then counts every
position over that range (ui.density_grid.counts: about 20 ms for a million points) and sends the new layer.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import streamlit as st

import latent_core

from . import density_grid, jobs
from .kept import Kept, kept_or_made
from .map_events import VIEW
from .resources import MAX_MAP_POINTS
from .state import Workspace

ZOOM_KEY = "map_density_zoom"  # session state: {"view": the map's view key, "bounds": (x0, x1, y0, y1)} in view
POSITIONS_KEPT = 3  # (N, 2) float32 position sets kept in the server's memory (8 MB a million rows)
LAYERS_KEPT = 8  # finished layer pictures kept, by positions and bounds

_positions = Kept(POSITIONS_KEPT)  # every row's map position, by (view key, dataset fingerprint)
_layers = Kept(LAYERS_KEPT)


def wanted(ws: Workspace) -> bool:
    """Whether this map gets a density layer: a 2D map of more than MAX_MAP_POINTS uploaded vectors, or of
    dataset images with a model."""
    if ws.dims != 2 or len(ws.dataset) <= MAX_MAP_POINTS:
        return False
    return ws.is_embeddings or (ws.model is not None and type(ws.dataset) is latent_core.ImageDataset)


def all_positions(projection, data, sample: np.ndarray, model, job) -> np.ndarray | None:
    """A density job's work: the map positions float32 (N, 2) of all N rows of `data` (an EmbeddingSet when `model`
    is None, else an ImageDataset), the drawn `sample` rows (sorted) at their fitted place, the others placed through
    the projection: their vectors, or their images encoded with `model`. In a worker process (the model from a
    checkpoint written for it), except a PCA of vectors and TorchScript models. None once cancelled."""
    rest = np.setdiff1d(np.arange(len(data)), sample, assume_unique=True)
    source = data.vectors[rest] if model is None else data.images[rest]
    light = projection.without_estimator()
    if (model is None and projection.method == "pca") or (model is not None and model.kind == "torchscript"):
        placed = density_grid.place_rows(model, light, source, job)
    elif model is None:
        placed = jobs.runner.pool().call(density_grid.place_rows, (None, light, source), job, what="density layer")
    else:
        placed = jobs.call_with_checkpoint(density_grid.place_rows, model, (light, source), job, "density layer")
    if placed is None:
        return None
    positions = np.empty((len(sample) + len(rest), 2), dtype=np.float32)
    positions[sample] = np.asarray(projection.embedding, dtype=np.float32)[:, :2]
    positions[rest] = placed
    positions.setflags(write=False)
    return positions


def request(ws: Workspace, projection, view_key: str) -> tuple[np.ndarray | None, jobs.Job | None]:
    """(every row's positions, None) once placed, else (None, the job while it runs); a failure is said once."""
    key = ("density", view_key, ws.dataset_fp)
    work = partial(all_positions, projection, ws.dataset, ws.mapped(), None if ws.is_embeddings else ws.model)
    return kept_or_made(_positions, key, work, "Mapping every row for the density layer failed", "No density layer")


def layer(ws: Workspace, projection, view_key: str, embedding: np.ndarray) -> tuple[dict | None, jobs.Job | None]:
    """The density layer (density_grid.layer, with the map's `view` key) for this map, over the range the browser
    last zoomed to (else the whole map), or None; and the job placing every row while it runs."""
    if not wanted(ws):
        return None, None
    positions, job = request(ws, projection, view_key)
    if positions is None:
        return None, job
    zoom = st.session_state.get(ZOOM_KEY)
    zoomed = isinstance(zoom, dict) and zoom.get("view") == view_key
    bounds = tuple(zoom["bounds"]) if zoomed else density_grid.whole_bounds(embedding)
    key = (view_key, ws.dataset_fp, bounds)
    entry = _layers(key)
    if entry is None:
        entry = _layers(key, density_grid.layer(positions, bounds, zoomed))
    return dict(entry, view=view_key), None  # the browser puts a layer only under the map of its view


def view_asked(asked: object) -> list[str]:
    """The browser zoomed or panned the map ({"view", "x0", "x1", "y0", "y1"}) or reset it ({"view", "reset"}):
    the map's next run sends the layer of that range (or of the whole map). Returns the fragments to rerun."""
    if not isinstance(asked, dict) or asked.get("reset"):
        st.session_state.pop(ZOOM_KEY, None)
        return [VIEW]
    try:
        bounds = tuple(float(asked[name]) for name in ("x0", "x1", "y0", "y1"))
    except (KeyError, TypeError, ValueError):
        return []
    if not all(math.isfinite(v) for v in bounds) or bounds[0] >= bounds[1] or bounds[2] >= bounds[3]:
        return []
    st.session_state[ZOOM_KEY] = {"view": str(asked.get("view", ""))[:200], "bounds": bounds}
    return [VIEW]


def mapping_note(ws: Workspace, job: jobs.Job) -> None:
    things = "vectors" if ws.is_embeddings else "images"
    st.caption(f"Mapping all {len(ws.dataset):,} {things} for the density layer: {job.progress.message}…")


def caption(ws: Workspace, entry: dict | None, job: jobs.Job | None) -> None:
    """Under the map: how many rows are dots and what the grey layer counts, or the mapping job's progress."""
    if job is not None:
        jobs.poll(mapping_note, job, ws, job)
    if entry is None:
        return
    things = "vectors" if ws.is_embeddings else "images"
    total, drawn = entry["total"], len(ws.mapped())
    text = (
        f"{drawn:,} of {total:,} {things} drawn as dots (an even sample); "
        f"the grey layer is the density of all {total:,}."
    )
    if entry["zoomed"]:
        text += f" Zoomed in: it counts the {entry['inside']:,} in view, at full resolution."
    st.caption(text)
