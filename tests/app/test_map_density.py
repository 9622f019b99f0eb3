"""The density layer of maps of more than MAX_MAP_POINTS rows (ui.density_grid, ui.map_density): the grid's counts,
the layer's picture, the layer as an element of its own, and the Map page placing every row of an upload in the
background."""

from __future__ import annotations

import base64
import io
import json
import threading
from functools import partial

import numpy as np
from PIL import Image

import latent_core
from tests.app.app_workspace import app, density_layer, map_payload, texts
from tests.waiting import until
from ui import density_grid, jobs, map_data, map_density, map_view, state, workspaces
from ui.map_events import VIEW
from ui.resources import MAX_MAP_POINTS

OCTETS = "application/octet-stream"
# 6-D: a PCA of 100,000 x 6 values fits in the server's process (ui.projections.IN_PROCESS), so this test leaves the
# worker processes cold (a warm worker made test_map_atlas's atlas finish before it could see the job).
ROWS, DIM = 150_000, 6


def picture_of(entry: dict) -> np.ndarray:
    assert entry["src"].startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(entry["src"].split(",", 1)[1]))))


def test_grid_counts_sum_to_the_points_inside_the_range():
    positions = np.random.default_rng(0).normal(size=(20_000, 2)).astype(np.float32)
    bounds = (-1.0, 0.5, -0.25, 2.0)
    grid = density_grid.counts(positions, bounds, bins=32)
    x, y = positions[:, 0], positions[:, 1]
    inside = (x >= -1.0) & (x < 0.5) & (y >= -0.25) & (y < 2.0)
    assert grid.shape == (32, 32) and grid.sum() == inside.sum()
    # cell [row, col] counts y in row's band and x in col's band (row 0 at y0)
    row, col = 3, 20
    x_lo, y_lo = -1.0 + col * 1.5 / 32, -0.25 + row * 2.25 / 32
    band = (x >= x_lo) & (x < x_lo + 1.5 / 32) & (y >= y_lo) & (y < y_lo + 2.25 / 32)
    assert abs(int(grid[row, col]) - int(band.sum())) <= 1  # float32 edges may move a point on a boundary


def test_layer_picture_is_transparent_where_empty_and_darkest_where_densest():
    positions = np.array([[0.1, 0.1]] * 50 + [[0.9, 0.9]], dtype=np.float32)
    entry = density_grid.layer(positions, (0.0, 1.0, 0.0, 1.0), zoomed=True)
    rgba = picture_of(entry)
    assert rgba.shape == (density_grid.BINS, density_grid.BINS, 4)
    assert (entry["total"], entry["inside"], entry["zoomed"]) == (51, 51, True)
    alpha = rgba[..., 3]
    bins = density_grid.BINS
    dense, single = (
        alpha[bins - 1 - int(0.1 * bins), int(0.1 * bins)],
        alpha[bins - 1 - int(0.9 * bins), int(0.9 * bins)],
    )
    assert dense == density_grid.MAX_ALPHA and 0 < single < dense  # row 0 of the picture is the top of the map
    assert (alpha > 0).sum() == 2


def test_the_density_layer_is_not_in_the_maps_payload():
    """It comes as an element of its own, so a zoom's new layer does not send the map's points again."""
    embedding = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    payload = map_data.payload(embedding, np.arange(20), {"kind": "none"}, None, None, ["a", "b"], "view")
    assert "density" not in payload and "density" not in json.dumps(payload)


def workspace(rows: int, dims: int = 2) -> state.Workspace:
    vectors = np.zeros((rows, 3), dtype=np.float32)
    ws = state.Workspace(
        dataset_key="data-1",
        dataset=latent_core.EmbeddingSet(vectors, name="v"),
        token=workspaces.library().create_workspace(),
    )
    ws.dims = dims
    return ws


def test_only_2d_maps_of_more_than_max_map_points_rows_get_a_layer():
    assert not map_density.wanted(workspace(MAX_MAP_POINTS))
    assert not map_density.wanted(workspace(MAX_MAP_POINTS + 1, dims=3))
    assert map_density.wanted(workspace(MAX_MAP_POINTS + 1))


def drawn(at) -> bool:
    """Whether this run drew the map (not the projection's progress)."""
    return any(e.proto.component_name == "latent_explorer.latent_map" for e in at.get("bidi_component"))


def vectors_npz() -> tuple[bytes, np.ndarray]:
    """ROWS vectors of DIM values in 10 labelled clusters."""
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 10, ROWS)
    vectors = (rng.normal(0, 3, (10, DIM))[labels] + rng.normal(0, 1, (ROWS, DIM))).astype(np.float32)
    buffer = io.BytesIO()
    np.savez(buffer, vectors=vectors, labels=labels)
    return buffer.getvalue(), vectors


def test_a_150000_vector_upload_gets_the_density_of_every_row_then_a_zoomed_layer(monkeypatch, tmp_path):
    monkeypatch.setenv("LATENT_EXPLORER_UPLOADS", str(tmp_path / "uploads"))
    data, vectors = vectors_npz()
    at = app(timeout=120)
    at.switch_page("pages/data.py").run()
    at.radio(key="upload_kind").set_value("embeddings").run()
    at.file_uploader(key="upload_data").set_value(("vectors.npz", data, OCTETS)).run()
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    assert isinstance(ws.dataset, latent_core.EmbeddingSet) and len(ws.dataset) == ROWS
    release, place_rows = threading.Event(), density_grid.place_rows
    monkeypatch.setattr(density_grid, "place_rows", lambda *args: release.wait(120) and place_rows(*args))
    at.switch_page("pages/map.py").run()
    assert until(lambda: drawn(at.run()), timeout=180, every=0.5)  # the PCA of 100,000 vectors
    first = map_payload(at)
    assert first["n"] == MAX_MAP_POINTS and density_layer(at) is None  # drawn at once, without the layer
    assert "Mapping all 150,000 vectors for the density layer" in " ".join(texts(at.caption)), texts(at.caption)
    release.set()
    assert until(lambda: not any(job.key[0] == "density" and job.running for job in jobs.runner.jobs()), timeout=180)
    at.run()
    data_now = map_payload(at)
    layer = density_layer(at)
    assert layer is not None and (layer["total"], layer["zoomed"]) == (ROWS, False), layer
    assert data_now == first  # the map's element is unchanged: the browser keeps its points
    assert layer["view"] == data_now["view"] and data_now["map_key"] == map_view.MAP_KEY
    assert layer["inside"] > 0.99 * ROWS
    assert picture_of(layer)[..., 3].max() == density_grid.MAX_ALPHA
    caption = "100,000 of 150,000 vectors drawn as dots (an even sample); the grey layer is the density of all 150,000."
    assert caption in texts(at.caption), texts(at.caption)

    x0, x1, y0, y1 = layer["x0"], layer["x1"], layer["y0"], layer["y1"]
    zoom = (x0, (x0 + x1) / 2, y0, (y0 + y1) / 2)  # the lower left quarter
    at.session_state[map_density.ZOOM_KEY] = {"view": data_now["view"], "bounds": zoom}
    at.run()
    zoomed = density_layer(at)
    assert map_payload(at) == first and zoomed["zoomed"]  # only the layer element changed
    assert (zoomed["x0"], zoomed["x1"]) == (zoom[0], zoom[1])
    projection = latent_core.fit_projection(ws.codes(), method="pca", dims=2, cache=False)
    placed = np.asarray(projection.transform(vectors))  # PCA is exact: every row's place is known here
    x, y = placed[:, 0], placed[:, 1]
    inside = ((x >= zoom[0]) & (x < zoom[1]) & (y >= zoom[2]) & (y < zoom[3])).sum()
    assert abs(zoomed["inside"] - inside) <= 0.001 * ROWS  # fitted afresh: float noise on the edges
    assert any("Zoomed in: it counts the" in c for c in texts(at.caption))
    ws.dims = 3
    at.run()
    assert density_layer(at) is None  # 3D maps have no layer


def test_a_models_rows_are_encoded_and_placed_in_a_worker(digits, tiny_model, monkeypatch):
    """The model path: the rows left out are encoded in a worker process from a checkpoint, in batches; the sampled
    rows keep their fitted place; every position is where the projection puts the row's code."""
    sample = np.arange(0, len(digits), 3)
    projection = latent_core.fit_projection(tiny_model.encode(digits.images[sample]), method="pca", dims=2, cache=False)
    pool, called = jobs.runner.pool(), []
    call = pool.call
    monkeypatch.setattr(pool, "call", lambda fn, *args, **kw: called.append(fn.__name__) or call(fn, *args, **kw))
    work = partial(map_density.all_positions, projection, digits, sample, tiny_model)
    job = jobs.runner.submit("projection", ("density-test", len(sample)), work)
    assert job.join(120) and job.error is None, job.error
    positions = job.result()
    assert called == ["place_rows"]  # in a worker process
    expected = projection.transform(tiny_model.encode(digits.images))
    assert positions.shape == (len(digits), 2) and np.allclose(positions, expected, atol=1e-4)
    assert np.array_equal(positions[sample], projection.embedding)
    job.forget()


def test_a_zoom_request_is_kept_only_when_it_names_a_finite_nonempty_range(monkeypatch):
    session = {}
    monkeypatch.setattr(map_density.st, "session_state", session)
    malformed = [
        {"view": "v", "x0": 0, "x1": 1, "y0": 0},
        {"view": "v", "x0": 1, "x1": 0, "y0": 0, "y1": 1},
        {"view": "v", "x0": 0, "x1": float("nan"), "y0": 0, "y1": 1},
        {"view": "v", "x0": "a", "x1": 1, "y0": 0, "y1": 1},
    ]
    for asked in malformed:
        assert map_density.view_asked(asked) == [] and map_density.ZOOM_KEY not in session, asked
    assert map_density.view_asked({"view": "v", "x0": -1, "x1": 2, "y0": 0.5, "y1": 3, "nonce": 0.1}) == [VIEW]
    assert session[map_density.ZOOM_KEY] == {"view": "v", "bounds": (-1.0, 2.0, 0.5, 3.0)}
    assert map_density.view_asked({"view": "v", "reset": True}) == [VIEW] and map_density.ZOOM_KEY not in session
    session[map_density.ZOOM_KEY] = {"view": "v", "bounds": (0.0, 1.0, 0.0, 1.0)}
    assert map_density.view_asked(None) == [VIEW] and map_density.ZOOM_KEY not in session  # no value: the whole map


def test_150000_uploaded_images_with_a_model_get_the_density_of_every_image(monkeypatch, tmp_path, digits):
    """The model path in the app: 150,000 8x8 images (the digits, tiled with noise) take the shipped digits model; the
    map draws 100,000 of them and a worker encodes and places the other 50,000 for the layer."""
    monkeypatch.setenv("LATENT_EXPLORER_UPLOADS", str(tmp_path / "uploads"))
    rng = np.random.default_rng(2)
    tiled = digits.images[np.arange(ROWS) % len(digits), ..., 0].astype(np.int16) + rng.integers(-8, 9, (ROWS, 8, 8))
    buffer = io.BytesIO()
    np.savez(
        buffer, images=np.clip(tiled, 0, 255).astype(np.uint8), labels=digits.labels[np.arange(ROWS) % len(digits)]
    )
    at = app(timeout=180)
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="upload_data").set_value(("tiled.npz", buffer.getvalue(), OCTETS)).run()
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    assert len(ws.dataset) == ROWS and ws.model_key == "digits"
    at.switch_page("pages/map.py").run()
    assert until(lambda: drawn(at.run()), timeout=300, every=0.5)
    assert until(lambda: not any(job.key[0] == "density" and job.running for job in jobs.runner.jobs()), timeout=300)
    at.run()
    layer = density_layer(at)
    assert layer is not None and layer["total"] == ROWS and layer["inside"] > 0.99 * ROWS, layer
    caption = "100,000 of 150,000 images drawn as dots (an even sample); the grey layer is the density of all 150,000."
    assert caption in texts(at.caption), texts(at.caption)
