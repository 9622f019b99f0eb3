"""The Compare page's linked maps: two runs map the same images, and a selection rings them on both."""

from __future__ import annotations

import json

import numpy as np

from tests.app.app_workspace import app, texts
from ui import linked_maps, projections, resources


def linked_payloads(at) -> list[dict]:
    return [
        json.loads(e.proto.json)
        for e in at.get("bidi_component")
        if e.proto.component_name == "latent_explorer.latent_map" and '"link"' in e.proto.json
    ]


def test_two_runs_map_the_same_images_side_by_side_and_a_selection_rings_them_on_both():
    at = app()
    at.switch_page("pages/compare.py").run()
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    left, right = at.selectbox(key="linked_left").value, at.selectbox(key="linked_right").value
    assert left == "digits" and right != left  # the active model first, then another that takes the digits
    maps = linked_payloads(at)
    assert len(maps) == 2 and all(m["link"] == linked_maps.LINK_GROUP for m in maps)
    assert maps[0]["ids"] == maps[1]["ids"] and maps[0]["view"] != maps[1]["view"]  # same images, other codes
    at.session_state[linked_maps.SELECTION_KEY] = [3, 7]
    at.run()
    runs = linked_maps.runs(ws)
    for payload, key in zip(linked_payloads(at), (left, right), strict=True):
        _, model, fp = runs[key]
        embedding = projections.cached(resources.codes(fp, ws.dataset_fp, model, ws.dataset), "pca", 2).embedding
        np.testing.assert_allclose(payload["overlay"]["found"]["x"], embedding[[3, 7], 0], atol=1e-4)


def test_clicks_and_selections_become_the_rings_and_other_events_change_nothing():
    assert linked_maps.selection_of({"kind": "point", "index": 4}, 10) == [4]
    assert linked_maps.selection_of({"kind": "select", "indices": [9, 2, 2, 40]}, 10) == [2, 9]
    assert linked_maps.selection_of({"kind": "space", "x": 0, "y": 0}, 10) is None
    assert linked_maps.selection_of({"kind": "point", "index": 10}, 10) is None
    assert linked_maps.selection_of("click", 10) is None
