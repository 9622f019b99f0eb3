"""The map's hover preview atlas: what the component gets (map_data.atlas_sheet) and how the Map page makes it in
a background job and sends its pixels only when the browser asks (AppTest)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

import latent_core
from tests.app.app_workspace import app, map_payload
from tests.waiting import until
from ui import jobs, map_data, map_events, map_view
from ui.map_events import VIEW


def png_pixels(src: str) -> np.ndarray:
    assert src.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))


def test_atlas_sheet_carries_the_sprite_bounds_and_confidences(digits, tiny_model):
    projection = latent_core.fit_projection(tiny_model.encode(digits.images), method="pca", dims=2, cache=False)
    atlas = latent_core.decode_atlas(tiny_model, projection, cells=5)
    sheet = map_data.atlas_sheet(atlas, "atlas-k")
    assert (sheet["key"], sheet["cells"], sheet["w"], sheet["h"], sheet["channels"]) == ("atlas-k", 5, 8, 8, 1)
    assert (sheet["x0"], sheet["x1"], sheet["y0"], sheet["y1"]) == atlas.bounds
    assert np.array_equal(png_pixels(sheet["src"]), atlas.sprite()[..., 0])
    confidence = np.frombuffer(base64.b64decode(sheet["confidence"]), dtype="<f4")
    assert np.array_equal(confidence, atlas.confidence.ravel())


def test_the_atlas_does_not_change_the_maps_revision(digits):
    embedding = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    args = (embedding, np.arange(20), {"kind": "none"}, None, None, ["a", "b"], "view")
    without = map_data.payload(*args)
    with_atlas = map_data.payload(*args, atlas={"key": "atlas-k", "cells": 64})
    assert with_atlas["atlas"]["key"] == "atlas-k" and without["atlas"] is None
    assert with_atlas["revision"] == without["revision"]  # the atlas arriving never redraws the points


@pytest.mark.slow
def test_map_page_makes_the_atlas_in_the_background_and_sends_it_when_asked():
    map_view.kept_atlas.clear()  # an earlier test's map may have made this atlas already: then no job would run
    at = app()
    assert map_payload(at)["dims"] == 2
    assert until(lambda: any(job.key[0] == "atlas" and not job.running for job in jobs.runner.jobs()), timeout=120)
    at.run()
    data = map_payload(at)
    atlas = data["atlas"]
    assert atlas is not None and "src" not in atlas, atlas  # its pixels only when the browser asks
    assert not any(job.key[0] == "atlas" for job in jobs.runner.jobs())  # kept by the map, not in the jobs' store
    assert (atlas["cells"], atlas["w"], atlas["h"], atlas["channels"]) == (map_view.ATLAS_CELLS, 8, 8, 1)
    assert atlas["x0"] < atlas["x1"] and atlas["y0"] < atlas["y1"]
    ws = at.session_state["workspace"]
    assert map_events.sheet_asked(ws, atlas["key"]) == [VIEW]
    at.run()
    answered = map_payload(at)
    assert answered["revision"] == data["revision"]  # no redraw of the points
    sprite = png_pixels(answered["atlas"]["src"])
    assert sprite.shape == (map_view.ATLAS_CELLS * 8, map_view.ATLAS_CELLS * 8)
    at.run()
    assert "src" not in map_payload(at)["atlas"]  # sent once
    ws.dims = 3
    at.run()
    assert map_payload(at)["atlas"] is None  # 3D maps have no preview
