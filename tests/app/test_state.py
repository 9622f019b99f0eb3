"""Session state: what a session can choose, shared links, and isolation between sessions."""

from __future__ import annotations

import numpy as np

from tests.app.app_workspace import app, workspace_for
from ui import catalog, links, map_events, state, workspaces


def test_environment_adds_a_local_dataset_and_model_with_url_safe_keys(monkeypatch, mnist_dir, tmp_path):
    monkeypatch.setenv("LATENT_EXPLORER_DATASET", str(mnist_dir))
    monkeypatch.setenv("LATENT_EXPLORER_MODEL", str(tmp_path / "my run"))
    assert catalog.default_dataset_key() == "local-mnist"
    option = catalog.find(catalog.dataset_options(), "local-mnist")
    assert option.source == str(mnist_dir) and "local files" in option.label
    assert catalog.default_model_key() == "local-my-run"
    assert catalog.model_options({})[0].key == "local-my-run"


def test_unknown_or_unloadable_choices_keep_the_current_state(ws):
    assert not state.select_dataset(ws, "../../etc/passwd")
    assert not state.select_model(ws, "/tmp")
    assert ws.dataset_key == "digits" and ws.model_key == "test-model"
    assert [kind for kind, _ in ws.messages] == ["error", "error"]


def test_links_apply_known_values_and_report_the_rest(ws):
    links.apply(ws, {"method": "tsne", "dims": "3"})
    assert (ws.method, ws.dims) == ("tsne", 3)
    links.apply(ws, {"method": "lda", "dims": "7"})
    assert (ws.method, ws.dims) == ("tsne", 3)
    assert len([kind for kind, _ in ws.messages if kind == "warning"]) == 2
    assert links.view_params(ws) == {"dataset": "digits", "method": "tsne", "dims": "3", "model": "test-model"}


def test_links_carry_the_colour_mode_clicked_point_and_path_by_image_index(ws, tmp_path):
    map_events.handle(ws, {"kind": "point", "index": 12}, None)
    map_events.select(ws, [40, 3, 7])
    ws.colour, ws.path_mode, ws.path_steps = "none", "slerp", 5
    params = links.view_params(ws)
    assert (
        params["colour"] == "none" and params["point"] == "12" and (params["mode"], params["steps"]) == ("slerp", "5")
    )
    assert sorted(params["path"].split("-")) == ["3", "40", "7"]
    other = workspace_for(ws.dataset, ws.model, tmp_path / "other")
    links.apply(other, params)
    assert (
        other.colour == "none"
        and other.selection == ws.selection
        and (other.path_mode, other.path_steps)
        == (
            "slerp",
            5,
        )
    )
    assert other.decoded.point == 12 and other.decoded.title.startswith("Image #12")
    np.testing.assert_array_equal(other.base.code, ws.decoded.code)
    assert links.view_params(other) == params and not other.messages


def test_links_with_unknown_points_colours_or_paths_keep_the_rest_and_say_so(ws):
    links.apply(ws, {"colour": "[x](http://evil.example)", "point": "99999", "path": "1-2-x", "steps": "999"})
    assert ws.colour == "label" and ws.decoded is None and ws.path_steps == 8
    assert ws.selection == [1, 2]  # the images that are on the map
    assert len([kind for kind, _ in ws.messages if kind == "warning"]) == 3
    assert not any("evil" in text for _, text in ws.messages)  # a link's text is never echoed


def test_each_session_has_its_own_workspace_and_folder(tiny_model):
    first, second = app(), app()
    a, b = first.session_state["workspace"], second.session_state["workspace"]
    assert a is not b and a.token != b.token and a.files.folder.path != b.files.folder.path
    a.selection.append(3)
    workspaces.library().save_model(a.token, tiny_model, "a's run")
    second.run()
    assert b.selection == [] and "run-1" not in b.saved_models and workspaces.library().models(b.token) == []
    assert all(o.key != "run-1" for o in catalog.model_options(b.saved_models))
    assert "run-1" in app(w=a.token).session_state["workspace"].saved_models  # a's, reached by a's token only


def test_a_server_started_on_mnist_files_opens_with_the_shipped_mnist_model(monkeypatch, mnist_dir):
    monkeypatch.setenv("LATENT_EXPLORER_DATASET", str(mnist_dir))
    ws = state.new_workspace("t" * 43)
    assert ws.image_shape == (28, 28, 1)
    assert ws.model_key == "mnist" and ws.model.image_shape == (28, 28, 1)


def test_the_app_opens_a_link_on_its_clicked_point_path_and_colour_and_keeps_them_in_the_url():
    at = app(point="5", path="1-30-2", colour="none")
    ws = at.session_state["workspace"]
    assert ws.decoded.point == 5 and ws.selection == [1, 30, 2] and ws.colour == "none"
    assert (at.query_params["point"], at.query_params["path"], at.query_params["colour"]) == ("5", "1-30-2", "none")
