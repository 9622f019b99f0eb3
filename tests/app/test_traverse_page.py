"""Traverse page (AppTest): base codes, direction kinds, sliders that change the decoded image, the grid."""

from __future__ import annotations

import numpy as np

from tests.app.app_workspace import app, texts
from ui.state import BaseCode


def traverse_page():
    at = app()
    at.switch_page("pages/traverse.py").run()
    assert not at.exception, texts(at.exception)
    return at


def image_urls(at) -> list[str]:
    return [img.url for element in at.image for img in element.proto.imgs]


def slider_labels(at) -> list[str]:
    return [s.label for s in at.slider]


def test_axis_sliders_move_the_code_and_change_the_decoded_image():
    at = traverse_page()
    assert texts(at.title) == ["Traverse"]
    assert set(slider_labels(at)) == {f"z{k}" for k in range(1, 9)}
    before = image_urls(at)
    at.slider(key="trav_axes_0").set_value(2.5).run()
    after = image_urls(at)
    assert after[0] != before[0]  # the image at the slider position
    assert after[1] == before[1]  # the start image stays
    next(b for b in at.button if b.label == "Reset sliders").click().run()
    assert at.slider(key="trav_axes_0").value == 0.0


def test_principal_and_class_directions():
    at = traverse_page()
    at.radio(key="trav_kind").set_value("pca").run()
    assert {"PC 1", "PC 2"} <= set(slider_labels(at))
    at.radio(key="trav_kind").set_value("attribute").run()
    assert slider_labels(at) == ["0 → 1"]
    at.selectbox(key="trav_to").select(0).run()
    assert slider_labels(at) == [] and any("two different classes" in w for w in texts(at.warning))


def test_base_code_from_a_map_click_or_the_prior():
    at = traverse_page()
    ws = at.session_state["workspace"]
    ws.base = BaseCode(np.zeros(ws.model.latent_dim, dtype=np.float32), "map position (0.00, 0.00)")
    at.radio(key="trav_source").set_value("map").run()
    assert any("map position (0.00, 0.00)" in c for c in texts(at.caption))
    at.radio(key="trav_source").set_value("prior").run()
    first = image_urls(at)[1]
    next(b for b in at.button if b.label == "Draw again").click().run()
    assert image_urls(at)[1] != first


def test_traversal_grid_is_shown_and_downloadable():
    at = traverse_page()
    assert "Traversal grid" in texts(at.subheader)
    downloads = at.get("download_button")
    assert [d.label for d in downloads] == ["Download code (.npy)", "Download grid (PNG)"]
