"""Map page: the component's data, what clicks and selections do, and the page around the map (AppTest)."""

from __future__ import annotations

import base64
import threading
import time

import numpy as np
import pytest

import latent_core
from tests.app.app_workspace import app, map_payload, texts
from ui import jobs, map_data, map_events, projections, resources
from ui.map_events import PANEL, VIEW


def floats(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


def ints(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype="<i4")


@pytest.fixture
def projection(ws):
    return projections.project(ws.codes(), "pca", 2)


def test_payload_round_trips_coordinates_ids_and_colours(ws, projection):
    indices = ws.mapped()
    colour = map_data.colouring(ws.dataset, indices, "label")
    data = map_data.payload(
        projection.embedding,
        indices,
        colour,
        map_data.label_entry(ws.dataset, indices),
        {"key": "k", "cols": 1, "w": 8, "h": 8},
        ["PC 1", "PC 2"],
        "view",
    )
    assert data["n"] == len(ws.dataset) and data["dims"] == 2 and "z" not in data
    assert np.allclose(floats(data["x"]), projection.embedding[:, 0]) and np.allclose(
        floats(data["y"]), projection.embedding[:, 1]
    )
    assert np.array_equal(ints(data["ids"]), indices)
    assert colour["names"] == [str(d) for d in range(10)]
    assert np.array_equal(ints(colour["codes"]), ws.dataset.labels)
    again = map_data.payload(
        projection.embedding,
        indices,
        colour,
        None,
        {"key": "k", "cols": 1, "w": 8, "h": 8},
        ["a", "b"],
        "view",
        overlay={"selected": map_data.points(projection.embedding, [3])},
    )
    assert again["revision"] != data["revision"]


def test_colour_modes_cover_labels_factors_and_anomaly(digits):
    assert list(map_data.colour_modes(digits)) == ["label", "anomaly", "none"]
    factors = digits.subset(np.arange(50))
    factors.factors = {"stroke": np.linspace(0, 1, 50, dtype=np.float32), "style": np.arange(50) % 3}
    modes = map_data.colour_modes(factors)
    assert {"factor:stroke", "factor:style"} <= set(modes)
    index = np.arange(50)
    assert map_data.colouring(factors, index, "factor:stroke")["kind"] == "continuous"
    assert map_data.colouring(factors, index, "factor:style")["kind"] == "categorical"
    scored = map_data.colouring(factors, index, "anomaly", scores=np.arange(50, dtype=np.float32))
    assert scored["kind"] == "continuous" and np.allclose(floats(scored["values"]), np.arange(50))
    assert map_data.colouring(factors, index, "none") == {"kind": "none"}


def test_sprite_holds_every_thumbnail_in_a_grid(digits):
    sprite = map_data.sprite(digits.images[:10], key="digits-10")
    assert sprite["src"].startswith("data:image/png;base64,")
    assert (sprite["key"], sprite["cols"], sprite["w"], sprite["h"]) == ("digits-10", 4, 8, 8)


def test_clicking_a_point_decodes_it_beside_the_original_and_sets_the_traversal_base(ws, projection):
    scopes = map_events.handle(ws, {"kind": "point", "index": 7, "x": 0.0, "y": 0.0}, projection)
    assert scopes == [PANEL]  # the map itself is not redrawn
    assert ws.decoded.title.startswith("Image #7") and len(ws.decoded.images) == 2
    original, decoded = (image for image, _ in ws.decoded.images)
    assert np.array_equal(original, ws.dataset.images[7]) and decoded.shape == (8, 8, 1)
    assert np.allclose(ws.base.code, ws.codes()[7]) and ws.selection == []


def test_clicking_empty_space_decodes_the_inverse_mapped_code_with_a_confidence(ws, projection):
    inside = projection.embedding[:50].mean(axis=0)
    map_events.handle(ws, {"kind": "space", "x": float(inside[0]), "y": float(inside[1])}, projection)
    near = ws.decoded
    far_point = projection.embedding.max(axis=0) * 10
    map_events.handle(ws, {"kind": "space", "x": float(far_point[0]), "y": float(far_point[1])}, projection)
    far = ws.decoded
    assert 0 <= far.confidence < near.confidence <= 1
    assert far.extrapolated and "extrapolated" in far.note
    assert far.images[0][0].shape == (8, 8, 1) and far.code.shape == (ws.model.latent_dim,)


def test_shift_clicks_and_selections_pick_waypoints_and_redraw_the_map(ws, projection):
    for index in (3, 9):
        assert map_events.handle(ws, {"kind": "point", "index": index, "add": True}, projection) == [VIEW, PANEL]
    assert ws.selection == [3, 9]
    map_events.handle(ws, {"kind": "point", "index": 3, "add": True}, projection)
    assert ws.selection == [9]
    map_events.handle(ws, {"kind": "select", "indices": list(range(100))}, projection)
    assert len(ws.selection) == map_events.MAX_WAYPOINTS and set(ws.selection) <= set(range(100))
    assert any("100 points selected" in text for _, text in ws.messages)


def test_a_large_selection_becomes_waypoints_in_order_along_its_main_direction(ws, projection):
    """Not "the first 8 of 100": waypoints spread from one end of the selection to the other, in order."""
    chosen = list(range(100, 200))
    map_events.handle(ws, {"kind": "select", "indices": chosen}, projection)
    codes = ws.codes()[chosen].astype(np.float64)
    centred = codes - codes.mean(axis=0)
    direction = np.linalg.svd(centred, full_matrices=False)[2][0]
    along = (ws.codes()[ws.selection] - codes.mean(axis=0)) @ direction
    steps = np.diff(along)
    assert (steps > 0).all() or (steps < 0).all()  # monotone along the direction: a readable path
    span = np.ptp(centred @ direction)
    assert np.ptp(along) > 0.9 * span  # from one end of the selection to the other


def test_malformed_events_change_nothing(ws, projection):
    for event in (
        None,
        "click",
        {"kind": "point", "index": 10**9},
        {"kind": "space", "x": float("nan"), "y": 0},
        {"kind": "unknown"},
    ):
        map_events.handle(ws, event, projection)
    assert ws.decoded is None and ws.selection == [] and ws.base is None


def test_map_page_renders_controls_and_panels_and_shares_the_view_in_the_url():
    at = app()
    assert not at.exception, texts(at.exception)
    assert texts(at.title) == ["Latent map"]
    assert {b.label for b in at.segmented_control} == {"Projection", "Dimensions"}
    assert at.selectbox(key="map_colour").value == "label"
    assert "Click a dot" in " ".join(texts(at.caption))
    token = at.session_state["workspace"].token
    assert dict(at.query_params) == {"w": token, "dataset": "digits", "method": "pca", "dims": "2", "model": "digits"}


def test_map_panel_shows_a_decoded_click_and_the_interpolation_strip():
    at = app()
    ws = at.session_state["workspace"]
    projection = projections.project(ws.codes(), ws.method, ws.dims)
    map_events.handle(ws, {"kind": "point", "index": 0, "add": True}, projection)
    map_events.handle(ws, {"kind": "point", "index": 5, "add": True}, projection)
    at.run()
    assert not at.exception, texts(at.exception)
    assert any(m.value.startswith("**Image #5") for m in at.markdown)
    assert {b.label for b in at.get("download_button")} == {"PNG strip", "Animated GIF", "CSV", "Parquet"}
    assert "through 2 waypoints" in " ".join(i.proto.imgs[0].caption for i in at.image if i.proto.imgs)


def test_clear_selection_also_tells_the_map_to_drop_its_own_selection():
    at = app()
    ws = at.session_state["workspace"]
    projection = projections.project(ws.codes(), ws.method, ws.dims)
    map_events.handle(ws, {"kind": "select", "indices": [0, 5, 9]}, projection)
    at.run()
    before = map_payload(at)["overlay"]
    assert len(before["selected"]["text"]) == 3
    at.button(key="clear_selection").click().run()
    assert not at.exception, texts(at.exception)
    after = map_payload(at)["overlay"]
    assert "selected" not in after and after["cleared"] == before["cleared"] + 1  # map.js: a new selectionrevision


def test_the_round_trip_switch_draws_an_arrow_from_the_click_to_where_its_image_lands():
    at = app()
    ws = at.session_state["workspace"]
    projection = projections.project(ws.codes(), ws.method, ws.dims)
    map_events.handle(ws, {"kind": "space", "x": 0.5, "y": -0.5}, projection)
    at.run()
    assert "trip" not in map_payload(at)["overlay"]  # off by default: a click costs one decode
    at.toggle(key="round_trip").set_value(True).run()
    assert not at.exception, texts(at.exception)
    trip = map_payload(at)["overlay"]["trip"]
    assert (trip["x"][0], trip["y"][0]) == pytest.approx((0.5, -0.5))  # from the click
    code = ws.model.encode(ws.model.decode(ws.decoded.code[None]))
    landed = projection.transform(code)[0]
    assert (trip["x"][1], trip["y"][1]) == pytest.approx((float(landed[0]), float(landed[1])), abs=1e-4)
    caption = " ".join(texts(at.caption))
    assert "Round trip: encoded again, the decoded image lands" in caption
    # With the switch on, a click redraws the map too, for the new arrow.
    assert map_events.handle(ws, {"kind": "point", "index": 5}, projection) == [VIEW, PANEL]
    at.run()
    trip = map_payload(at)["overlay"]["trip"]
    assert (trip["x"][0], trip["y"][0]) == pytest.approx(tuple(map(float, projection.embedding[5])), abs=1e-4)


def test_switching_the_projection_forgets_an_empty_space_decode_but_keeps_a_clicked_image():
    at = app()
    ws = at.session_state["workspace"]
    projection = projections.project(ws.codes(), ws.method, ws.dims)
    map_events.handle(ws, {"kind": "space", "x": 1.8, "y": -1.8}, projection)
    at.run()
    assert any(m.value.startswith("**Empty space at (1.80, -1.80)") for m in at.markdown)
    at.segmented_control(key="map_method").set_value("tsne").run()
    assert ws.decoded is None and ws.base is None
    assert not any("Empty space at" in m.value for m in at.markdown)
    map_events.handle(ws, {"kind": "point", "index": 5}, projection)
    at.segmented_control(key="map_dims").set_value(3).run()
    assert ws.decoded.title.startswith("Image #5") and ws.base is not None  # an image is the same on every map


def test_query_parameters_choose_the_view_and_bad_ones_are_reported():
    from streamlit.testing.v1 import AppTest

    from tests.paths import APP

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update({"method": "bogus", "dims": "3", "model": "nope"})
    at.run()
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    assert (ws.method, ws.dims, ws.model_key) == ("pca", 3, "digits")
    assert any("'nope' is not available" in e for e in texts(at.error))
    assert any("'bogus'" in w for w in texts(at.warning))


def test_projections_fit_in_the_background_are_kept_and_failures_are_reported():
    codes = np.random.default_rng(1).normal(size=(300, 4)).astype(np.float32)
    ready, job = projections.request(codes, "pca", 2, wait=0)
    assert (ready is None) != (job is None)
    fitted = projections.project(codes, "pca", 2)
    assert fitted.embedding.shape == (300, 2)
    assert projections.request(codes, "pca", 2) == (fitted, None)  # kept by content
    broken = codes.copy()
    broken[0, 0] = np.nan
    with pytest.raises(latent_core.InvalidInputError):
        projections.project(broken, "pca", 2)
    _, again = projections.request(broken, "pca", 2, wait=5)
    assert again is not None and again.error  # asking again tries again and fails again, in words


def test_map_page_sends_colours_grid_and_3d_to_the_component():
    at = app()
    data = map_payload(at)
    assert (data["n"], data["dims"], data["colour"]["kind"], data["grid"]) == (1797, 2, "categorical", None)
    assert data["plotly_url"].endswith("/plotly.min.js")
    ws = at.session_state["workspace"]
    assert "src" not in data["sprite"]  # thumbnails are sent when the browser asks, not with every map
    assert map_events.sheet_asked(ws, data["sprite"]["key"]) == [VIEW]
    at.run()
    answered = map_payload(at)
    assert (
        answered["sprite"]["src"].startswith("data:image/png") and answered["revision"] == data["revision"]
    )  # no redraw
    at.run()
    assert "src" not in map_payload(at)["sprite"]  # sent once
    ws.colour, ws.show_grid = "anomaly", True
    resources.anomaly_scoring(
        ws.model_fp, ws.dataset_fp, ws.model, ws.dataset, wait=None
    )  # background: see the next test
    at.run()
    data = map_payload(at)
    assert data["colour"]["kind"] == "continuous" and data["colour"]["title"] == "anomaly"
    grid = data["grid"]
    assert grid["src"].startswith("data:image/png") and grid["x0"] < grid["x1"] and grid["y0"] < grid["y1"]
    ws.dims = 3
    at.run()
    data = map_payload(at)
    assert data["dims"] == 3 and "z" in data and data["grid"] is None


def test_a_long_projection_can_be_cancelled_and_the_last_map_comes_back(monkeypatch):
    calls = []

    def slow_fit(codes, *, on_progress, should_stop, **settings):
        calls.append(settings["method"])
        on_progress(0.1, "optimising")
        deadline = time.monotonic() + 30
        while not should_stop():
            assert time.monotonic() < deadline, "the fit was never asked to stop"
            time.sleep(0.02)
        raise latent_core.ProjectionCancelled("stopped")

    at = app()
    ws = at.session_state["workspace"]
    assert ws.drawn_view == ("pca", 2)
    monkeypatch.setattr(latent_core.projection, "fit_projection", slow_fit)  # what workers.fit_map calls
    monkeypatch.setitem(projections.IN_PROCESS, "umap", 10**9)  # the fake fit runs in this process, not a worker
    ws.method, ws.dims = "umap", 3
    at.run()
    assert calls == ["umap"] and any("optimising" in p.proto.text for p in at.get("progress"))
    cancel = [b for b in at.button if b.key == "cancel_projection"]
    assert len(cancel) == 1
    cancel[0].click().run()
    assert (ws.method, ws.dims) == ("pca", 2)
    assert "Cancelled the UMAP 3D projection; showing PCA 2D." in texts(at.info)
    assert map_payload(at)["axes"] == ["PC 1", "PC 2"]
    ws.method = "umap"  # asking again starts a new fit instead of finding the cancelled one
    at.run()
    assert calls == ["umap", "umap"]
    at.button(key="cancel_projection").click().run()
    assert ws.method == "pca"


def test_anomaly_colours_are_scored_in_the_background_and_shared_with_the_model_page(monkeypatch):
    release, calls = threading.Event(), []

    def slow_scores(model, dataset):
        calls.append(len(dataset))
        assert release.wait(30), "the test never released the scoring"
        return np.arange(len(dataset), dtype=np.float32)

    for job in jobs.runner.jobs():  # no scores running (in a worker) from an earlier test
        job.cancel()
    jobs.runner.clear()  # no scores kept from an earlier test
    monkeypatch.setattr(resources, "score_images", slow_scores)
    monkeypatch.setattr(resources, "IN_PROCESS_PIXELS", 10**9)  # the fake scoring runs in this process, not a worker
    at = app()
    ws = at.session_state["workspace"]
    ws.colour = "anomaly"
    at.run()
    assert not at.exception, texts(at.exception)
    assert map_payload(at)["colour"] == {"kind": "none"}  # drawn at once, in one colour
    assert any(c.startswith("Scoring 1,797 images for the anomaly colours") for c in texts(at.caption))
    release.set()
    resources.anomaly_scoring(ws.model_fp, ws.dataset_fp, ws.model, ws.dataset, wait=None)
    at.run()
    colour = map_payload(at)["colour"]
    assert colour["kind"] == "continuous" and np.allclose(floats(colour["values"]), np.arange(1797))
    assert not any(c.startswith("Scoring") for c in texts(at.caption))
    at.switch_page("pages/model.py").run()
    assert not at.exception, texts(at.exception)
    captions = [image.caption for element in at.image for image in element.proto.imgs]
    assert captions[-10].startswith("#1796 ") and calls == [1797]  # the Model page's unusual images: the same job
    jobs.runner.clear()
