"""Traverse page (AppTest): base codes, direction kinds, sliders that change the decoded image, the grid, and latent
axes ordered by what they carry, with the inactive ones marked and folded away."""

from __future__ import annotations

import numpy as np

import latent_core
from tests.app.app_workspace import app, texts
from tests.app.silenced import louder, silenced
from ui import state, traversal
from ui.catalog import Option
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
    dims = at.session_state["workspace"].model.latent_dim  # the shipped digits model's
    assert {label.removesuffix(f" {traversal.INACTIVE}") for label in slider_labels(at)} == {
        f"z{k}" for k in range(1, dims + 1)
    }
    first = next(s for s in at.slider if not s.label.endswith(traversal.INACTIVE))  # the most informative axis
    before = image_urls(at)
    at.slider(key=first.key).set_value(2.5).run()
    after = image_urls(at)
    assert after[0] != before[0]  # the image at the slider position
    assert after[1] == before[1]  # the start image stays
    next(b for b in at.button if b.label == "Reset sliders").click().run()
    assert at.slider(key=first.key).value == 0.0


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


def traverse_with(model: latent_core.LatentModel, folder, key: str = "silenced"):
    """The Traverse page of a new session whose active model is `model` (saved in `folder`)."""
    at = app()
    ws = at.session_state["workspace"]
    model.save(folder / key)
    ws.saved_models[key] = Option(key, f"{key} (test)", str(folder / key))
    assert state.select_model(ws, key), ws.messages
    at.switch_page("pages/traverse.py").run()
    assert not at.exception, texts(at.exception)
    return at


def test_inactive_dimensions_are_marked_folded_away_and_put_last(tmp_path, tiny_model):
    model = silenced(louder(tiny_model, [1, 3], 20.0), [0, 2])  # z1 and z3: the prior, and the decoder ignores them
    at = traverse_with(model, tmp_path)
    labels = slider_labels(at)
    assert labels[:2] in (["z2", "z4"], ["z4", "z2"])  # the active ones first
    assert labels[2:] == [f"z1 {traversal.INACTIVE}", f"z3 {traversal.INACTIVE}"]
    (folded,) = at.expander
    assert folded.label == "2 inactive dimensions: moving along them changes nothing"
    assert [s.label for s in folded.slider] == labels[2:]
    assert any(c.startswith("Dimensions ordered by how much the dataset's codes vary") for c in texts(at.caption))
    before = image_urls(at)
    at.slider(key="trav_axes_0").set_value(3.0).run()  # z1: inactive, so the image stays
    assert image_urls(at)[0] == before[0]
    at.slider(key="trav_axes_1").set_value(3.0).run()  # z2: active, so it changes
    assert image_urls(at)[0] != before[0]
    grid = next(c for c in texts(at.caption) if c.startswith("Rows:"))
    assert grid.startswith("Rows: z") and "2 inactive dimensions are left out." in grid and "z1" not in grid


def test_axes_follow_the_kl_of_the_models_evaluation_when_it_is_known(tmp_path, digits, tiny_model):
    model = silenced(louder(tiny_model, [1, 3], 20.0), [0, 2])  # by its codes: z2 and z4 active
    measured = latent_core.evaluate(model, digits, k=2).to_dict()
    model.metrics = measured | {"kl_per_dim": [0.2, 0.0, 0.5, 0.001], "active_units": 2}  # says the opposite
    at = traverse_with(model, tmp_path)
    assert slider_labels(at) == ["z3", "z1", f"z4 {traversal.INACTIVE}", f"z2 {traversal.INACTIVE}"]
    assert any(
        c.startswith("Dimensions ordered by the KL of each dimension (from the model's evaluation)")
        for c in texts(at.caption)
    )
    grid = next(c for c in texts(at.caption) if c.startswith("Rows:"))
    assert grid.startswith("Rows: z3, z1.")  # the grid's rows in order of KL
