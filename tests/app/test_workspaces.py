"""Workspaces (AppTest): a session's uploads, runs and view come back in a new session with the same ?w= token,
and only there; a bad or unknown token gives a clean new workspace and at most one message."""

from __future__ import annotations

import io
import secrets

import numpy as np
import pytest

from tests.app.app_workspace import app, choice, texts
from ui import map_events, projections, workspaces

OCTETS = "application/octet-stream"


def npz_bytes(n: int = 48, side: int = 12) -> bytes:
    rng = np.random.default_rng(3)
    buffer = io.BytesIO()
    np.savez(buffer, images=rng.integers(0, 256, (n, side, side), dtype=np.uint8), labels=np.arange(n) % 3)
    return buffer.getvalue()


def known(token: str) -> bool:
    """Whether `token` is a well-formed token of a workspace in the library."""
    return workspaces.library().valid_token(token) and workspaces.library().has_workspace(token)


def messages(at) -> list[str]:
    return texts(at.error) + texts(at.warning) + texts(at.info) + texts(at.success)


def by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


@pytest.fixture(scope="module")
def kept():
    """A workspace with an uploaded dataset, a run trained on it from the Model page's form, and a view away from
    the defaults (map, picks, path, traversal). Returns (token, the session's Workspace, the view it shows)."""
    at = app()
    ws = at.session_state["workspace"]
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="upload_data").set_value(("faces.npz", npz_bytes(), OCTETS)).run()
    assert ws.dataset_key == "data-1" and ws.model is None
    at.switch_page("pages/model.py").run()
    by_label(at.number_input, "Epochs").set_value(1)
    by_label(at.number_input, "Latent dimensions").set_value(3)
    by_label(at.form_submit_button, "Start training").click().run()
    ws.job.join(120)
    at.run()
    assert not at.exception, texts(at.exception)
    assert ws.model_key == "run-1" and ws.model.latent_dim == 3
    at.switch_page("pages/map.py").run()
    at.segmented_control(key="map_dims").set_value(3).run()
    at.selectbox(key="map_colour").set_value("none").run()
    projection = projections.project(ws.codes(), ws.method, ws.dims)
    for index in (4, 9, 2):
        map_events.handle(ws, {"kind": "point", "index": index, "add": True}, projection)
    at.run()
    at.radio(key="path_mode").set_value("slerp").run()
    at.switch_page("pages/traverse.py").run()
    at.slider(key="trav_axes_1").set_value(1.5).run()
    assert not at.exception, texts(at.exception)
    view = {
        "dataset": ws.dataset_key,
        "model": ws.model_key,
        "map": (ws.method, ws.dims, ws.colour),
        "selection": list(ws.selection),
        "path": ws.path_mode,
        "base": (ws.base.code.copy(), ws.base.source),
    }
    assert view["map"] == ("pca", 3, "none") and view["selection"] == [4, 9, 2] and view["path"] == "slerp"
    return ws.token, ws, view


def test_the_same_token_brings_back_the_uploads_runs_and_view(kept):
    token, _, view = kept
    at = app(w=token)
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    assert ws.token == token and at.query_params["w"] == token and at.query_params["dataset"] == "data-1"
    assert list(ws.uploaded_data) == ["data-1"] and "run-1" in ws.saved_models
    assert (ws.dataset_key, ws.model_key) == (view["dataset"], view["model"]) and ws.model.latent_dim == 3
    assert len(ws.dataset) == 48 and ws.dataset.image_shape == (12, 12, 1)
    assert (ws.method, ws.dims, ws.colour) == view["map"] and ws.selection == view["selection"]
    assert ws.path_mode == view["path"]
    assert np.array_equal(ws.base.code, view["base"][0]) and ws.base.source == view["base"][1]
    assert at.segmented_control(key="map_dims").value == 3 and at.selectbox(key="map_colour").value == "none"
    assert messages(at) == []  # nothing to say: everything came back
    drawn = {(m.dataset_key, m.model_key, m.method, m.dims) for m in workspaces.library().maps(token)}
    assert ("data-1", "run-1", "pca", 3) in drawn  # the maps drawn are noted in the library
    at.switch_page("pages/traverse.py").run()
    assert not at.exception, texts(at.exception)
    assert at.radio(key="trav_source").value == "map" and at.slider(key="trav_axes_1").value == 1.5
    at.switch_page("pages/data.py").run()
    assert any("Read 'faces.npz' as arrays" in i for i in texts(at.info))  # the load report is kept too


def test_without_the_token_a_session_sees_neither_the_uploads_nor_the_runs(kept):
    token, _, _ = kept
    at = app()
    ws = at.session_state["workspace"]
    assert ws.token != token and known(ws.token) and at.query_params["w"] == ws.token
    assert ws.uploaded_data == {} and not [k for k in ws.saved_models if k.startswith(("run-", "checkpoint-"))]
    assert (ws.dataset_key, ws.model_key) == ("digits", "digits") and ws.selection == [] and ws.base is None
    at.switch_page("pages/model.py").run()
    assert all("run 1" not in option for option in choice(at, "model_choice").options)


@pytest.mark.parametrize(
    "params",
    [
        {"w": ""},
        {"w": "abc123"},  # too short
        {"w": "g" * 32},  # not hex
        {"w": "AB" * 16},  # tokens are lowercase
        {"w": "[click](https://example.com)" + "0" * 10_000},  # 10 kB, with Markdown in it
        {"w": secrets.token_hex(16)},  # well formed, but no workspace has it
        {"w": "0" * 31 + "1", "dataset": "data-1", "model": "run-1"},  # another workspace's keys
    ],
    ids=["empty", "short", "non-hex", "upper-case", "10kB", "unknown", "other-keys"],
)
def test_a_bad_or_unknown_token_gives_a_clean_new_workspace_and_one_message(kept, params):
    other, _, _ = kept
    at = app(**params)
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    assert ws.token not in (params["w"], other) and known(ws.token) and at.query_params["w"] == ws.token
    assert messages(at) == [workspaces.NOT_FOUND]
    assert ws.uploaded_data == {} and (ws.dataset_key, ws.model_key) == ("digits", "digits")
    assert workspaces.library().datasets(ws.token) == [] and workspaces.library().models(ws.token) == []
    expected = {"w": ws.token, "dataset": "digits", "method": "pca", "dims": "2", "model": "digits"}
    assert dict(at.query_params) == expected


def test_another_workspaces_dataset_key_only_names_this_workspaces(kept):
    other, _, _ = kept
    at = app(dataset="data-1")  # a key that names an upload in the kept workspace, not in this new one
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    assert ws.token != other and ws.dataset_key == "digits" and ws.uploaded_data == {}
    assert messages(at) == ["Dataset 'data-1' is not available here; choose one of the listed datasets."]
    at = app(w=other, model="[see](https://example.com)")  # words a link brings are not shown
    assert not at.exception, texts(at.exception)
    assert messages(at) == ["The model is not available in this workspace; choose one of the listed models."]


def test_new_workspace_starts_afresh_and_the_old_one_stays_at_its_link(kept):
    token, _, _ = kept
    at = app(w=token)
    assert texts(at.caption).count(workspaces.SHARED) == 1
    assert any(token in code.value for code in at.code)  # the link, with a copy button
    at.button(key="new_workspace").click().run()
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    assert ws.token != token and known(ws.token)
    assert ws.uploaded_data == {} and (ws.dataset_key, ws.model_key) == ("digits", "digits") and ws.selection == []
    assert not [key for key in at.session_state if key.startswith("trav_")]
    again = app(w=token).session_state["workspace"]
    assert again.dataset_key == "data-1" and again.model_key == "run-1"


def test_an_upload_over_the_workspace_quota_is_refused_in_words_and_nothing_changes(monkeypatch):
    at = app()
    ws = at.session_state["workspace"]
    at.switch_page("pages/data.py").run()
    monkeypatch.setenv("LATENT_EXPLORER_QUOTA_BYTES", "1000")
    at.file_uploader(key="upload_data").set_value(("faces.npz", npz_bytes(), OCTETS)).run()
    assert not at.exception, texts(at.exception)
    (error,) = texts(at.error)
    assert "'faces.npz" in error and "quota (LATENT_EXPLORER_QUOTA_BYTES)" in error
    assert (ws.dataset_key, ws.model_key) == ("digits", "digits") and ws.uploaded_data == {}
    assert workspaces.library().datasets(ws.token) == [] and list(ws.files.folder.uploads.iterdir()) == []
