"""Session state: what a session can choose, shared links, and isolation between sessions."""

from __future__ import annotations

from tests.app.app_workspace import app
from ui import catalog, links, state, workspaces


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
