"""The Map page's search box, neighbour rings, quality figures and thumbnails switch (overlays and captions)."""

from __future__ import annotations

import numpy as np

from tests.app.app_workspace import app, map_payload, texts
from ui import map_events, map_search, projections
from ui.map_events import PANEL, VIEW


def test_a_search_rings_its_matches_on_the_map_and_an_empty_one_clears_them():
    at = app()
    ws = at.session_state["workspace"]
    at.text_input(key=map_search.FIND_KEY).set_value("3, 10-12").run()
    assert not at.exception, texts(at.exception)
    assert ws.found == [3, 10, 11, 12]
    found = map_payload(at)["overlay"]["found"]
    embedding = projections.cached(ws.codes(), ws.method, ws.dims).embedding
    np.testing.assert_allclose(found["x"], embedding[[3, 10, 11, 12], 0], atol=1e-4)
    assert any("4 images found" in text for text in texts(at.info))
    assert "only" not in map_payload(at)["overlay"]
    at.toggle(key="map_only_found").set_value(True).run()
    assert map_payload(at)["overlay"]["only"] is True  # the other points are drawn faint: a filter
    at.text_input(key=map_search.FIND_KEY).set_value("").run()
    assert ws.found == [] and "found" not in map_payload(at)["overlay"]


def test_a_label_search_finds_every_image_of_the_class_and_a_bad_one_keeps_the_rings():
    at = app()
    ws = at.session_state["workspace"]
    at.text_input(key=map_search.FIND_KEY).set_value("label 7").run()
    assert ws.found == np.flatnonzero(ws.dataset.labels == 7).tolist()
    before = list(ws.found)
    at.text_input(key=map_search.FIND_KEY).set_value("99999").run()
    assert ws.found == before
    assert any("numbered 0 to 1796" in text for text in texts(at.warning))


def test_neighbour_rings_follow_the_clicked_point():
    at = app()
    ws = at.session_state["workspace"]
    projection = projections.project(ws.codes(), ws.method, ws.dims)
    assert map_events.handle(ws, {"kind": "point", "index": 5}, projection) == [PANEL]
    at.run()
    assert "neighbours" not in map_payload(at)["overlay"]
    at.toggle(key="map_neighbours").set_value(True).run()
    assert ws.show_neighbours
    codes = ws.codes()
    distances = np.linalg.norm(codes - codes[5], axis=1)
    expected = [int(i) for i in np.argsort(distances, kind="stable") if i != 5][: map_search.NEIGHBOURS]
    ringed = map_payload(at)["overlay"]["neighbours"]
    np.testing.assert_allclose(ringed["x"], projection.embedding[expected, 0], atol=1e-4)
    assert map_events.handle(ws, {"kind": "point", "index": 9}, projection) == [VIEW, PANEL]  # the rings move


def test_the_maps_quality_figures_are_measured_in_the_background_and_shown_under_it():
    from ui import jobs, map_quality

    at = app()
    ws = at.session_state["workspace"]
    projection = projections.cached(ws.codes(), ws.method, ws.dims)
    view_key = projections.projection_key(ws.codes(), ws.method, ws.dims)
    key = ("quality", view_key)
    if (earlier := jobs.runner.find(key)) is not None:  # measured by an earlier test
        earlier.forget()
    at.run()
    assert jobs.runner.find(key) is None  # measured when asked, not for every map drawn
    at.button(key=f"quality_{view_key}").click().run()
    job = jobs.runner.find(key)
    assert job is not None
    job.join(120)
    at.run()
    figures = job.result()
    expected = projection.quality(max_points=map_quality.SAMPLE)
    assert figures == expected  # the worker measured the map shown, with the same seed
    caption = " ".join(texts(at.caption))
    assert f"Trustworthiness@10 {expected['trustworthiness']:.3f}" in caption
    assert f"continuity@10 {expected['continuity']:.3f}" in caption and "held-out points" in caption


def test_the_thumbnails_switch_sets_the_mosaic_without_changing_the_maps_revision():
    at = app()
    before = map_payload(at)
    assert before["mosaic"] is False
    at.toggle(key="map_mosaic").set_value(True).run()
    after = map_payload(at)
    assert after["mosaic"] is True and after["revision"] == before["revision"]  # the points are not sent again
    at.segmented_control(key="map_dims").set_value(3).run()
    assert map_payload(at)["mosaic"] is False  # a 2D mode


def test_the_maps_nearest_neighbour_index_is_built_once_per_model_and_dataset(ws):
    assert ws.code_index() is ws.code_index()
    codes = ws.codes()
    rows, _ = ws.code_index().nearest(codes[7], k=3)
    assert rows[0] == 7
