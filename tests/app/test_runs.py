"""Runs on the Model page (tables, figures and AppTest): listed, renamed, deleted, downloaded and compared."""

from __future__ import annotations

import json

import numpy as np
import pytest

import latent_core
from tests.app.app_workspace import app, texts
from tests.app.downloads import capture_downloads
from ui import runs, workspaces


@pytest.fixture(scope="module")
def second_model(digits) -> latent_core.LatentModel:
    return latent_core.train_model(digits, latent_dim=3, epochs=3, batch_size=64, seed=1, hidden=32)


def model_page():
    """The Model page of a fresh session (a new workspace)."""
    at = app()
    ws = at.session_state["workspace"]
    at.switch_page("pages/model.py").run()
    assert not at.exception, texts(at.exception)
    return at, ws


def with_two_runs(tiny_model, second_model):
    at, ws = model_page()
    library = workspaces.library()
    first = library.save_model(ws.token, tiny_model, "first", seconds=1.5)
    second = library.save_model(ws.token, second_model, "second", seconds=2.5)
    at.run()
    assert not at.exception, texts(at.exception)
    return at, ws, first, second


def runs_frame(at):
    return next(d.value for d in at.dataframe if "Validation objective" in d.value.columns)


def chart(at, key: str) -> dict:
    return json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key)).proto.spec)


def test_runs_table_has_one_row_per_run_with_its_figures(tmp_path, tiny_model, second_model):
    library = latent_core.Library(home=tmp_path)
    token = library.create_workspace()
    records = [library.save_model(token, tiny_model, "first", seconds=1.5)]
    records.append(library.save_model(token, second_model, "b"))
    table = runs.runs_table(records, active=records[1].key)
    assert list(table.index) == ["run-1", "run-2"] and table["Active"].tolist() == [False, True]
    assert table["Name"].tolist() == ["first", "b"] and table["Latent size"].tolist() == [4, 3]
    assert table["Epochs"].tolist() == [2, 3] and table["Data"].tolist() == ["digits", "digits"]
    assert table["Validation objective"].tolist() == [r.val_loss for r in records]
    assert table["Took (s)"].iloc[0] == 1.5 and np.isnan(table["Took (s)"].iloc[1])
    assert runs.figures({"nll": {"value": 80.5, "se": 0.2}, "active_units": 3, "ok": True, "per_dim": [1.0]}) == {
        "nll · value": 80.5,
        "nll · se": 0.2,
        "active_units": 3.0,
    }
    side = runs.compare_table(records)
    assert list(side.columns) == ["first (run-1)", "b (run-2)"]
    assert side.loc["Latent size"].tolist() == ["4", "3"] and side.loc["Took (s)"].tolist() == ["1.5", "–"]


def test_loss_figure_has_one_trace_per_run_and_kind(tiny_model, second_model):
    single = runs.loss_figure([("", tiny_model.history)])
    assert [t.name for t in single.data] == ["training objective", "validation objective"]
    assert [len(t.x) for t in single.data] == [2, 2]
    both = runs.loss_figure([("a", tiny_model.history), ("b", second_model.history)])
    assert [t.name for t in both.data] == [
        "a · training objective",
        "a · validation objective",
        "b · training objective",
        "b · validation objective",
    ]
    assert [len(t.y) for t in both.data] == [2, 2, 3, 3]
    assert list(both.data[3].y) == [h["val_loss"] for h in second_model.history]
    assert both.data[0].line.color == both.data[1].line.color != both.data[2].line.color


def test_saved_runs_are_listed_and_compared(tiny_model, second_model):
    at, ws, first, second = with_two_runs(tiny_model, second_model)
    table = runs_frame(at)
    assert table["Name"].tolist() == ["first", "second"] and table["Kind"].tolist() == ["VAE", "VAE"]
    assert at.selectbox(key="runs_chosen").value == "run-2"  # the newest, when the active model is not a run
    at.multiselect(key="runs_compare").set_value(["run-1", "run-2"]).run()
    assert not at.exception, texts(at.exception)
    traces = chart(at, "runs_compare_chart")["data"]
    assert [t["name"] for t in traces] == [
        "first (run-1) · training objective",
        "first (run-1) · validation objective",
        "second (run-2) · training objective",
        "second (run-2) · validation objective",
    ]
    assert [len(t["x"]) for t in traces] == [2, 2, 3, 3]
    side = next(d.value for d in at.dataframe if "first (run-1)" in d.value.columns)
    assert side.loc["Latent size"].tolist() == ["4", "3"]


def test_rename_keeps_the_old_name_when_the_new_one_is_refused(tiny_model, second_model):
    at, ws, first, _ = with_two_runs(tiny_model, second_model)
    at.selectbox(key="runs_chosen").set_value("run-1").run()
    at.text_input(key="run_name_run-1").input("   ")
    at.button(key="run_rename").click().run()
    assert any("1 to 80 printable characters" in e for e in texts(at.error))
    assert workspaces.library().model(ws.token, "run-1").name == "first"
    at.text_input(key="run_name_run-1").input("  digits, 4-D  ")
    at.button(key="run_rename").click().run()
    assert not at.error and workspaces.library().model(ws.token, "run-1").name == "digits, 4-D"
    assert runs_frame(at)["Name"].tolist() == ["digits, 4-D", "second"]


def test_delete_asks_first(tiny_model, second_model):
    at, ws, *_ = with_two_runs(tiny_model, second_model)
    at.selectbox(key="runs_chosen").set_value("run-1").run()
    at.button(key="run_delete").click().run()
    assert any("Delete 'first'" in w for w in texts(at.warning))
    at.button(key="run_delete_cancel").click().run()
    assert [r.key for r in workspaces.library().models(ws.token)] == ["run-1", "run-2"]
    at.button(key="run_delete").click().run()
    at.button(key="run_delete_confirm").click().run()
    assert not at.exception, texts(at.exception)
    assert [r.key for r in workspaces.library().models(ws.token)] == ["run-2"]
    assert runs_frame(at)["Name"].tolist() == ["second"] and at.selectbox(key="runs_chosen").value == "run-2"
    assert any("Deleted 'first'" in i for i in texts(at.info))


def test_the_active_run_is_not_deleted(tiny_model, second_model):
    at, ws, first, _ = with_two_runs(tiny_model, second_model)
    at.selectbox(key="runs_chosen").set_value("run-1").run()
    at.button(key="run_activate").click().run()
    assert not at.exception, texts(at.exception)
    assert ws.model_key == "run-1" and runs_frame(at)["Active"].tolist() == [True, False]
    assert any("'first' is the active model." in s for s in texts(at.success))
    assert not [b for b in at.button if b.key == "run_delete"]
    assert any("make another model active to delete it" in c for c in texts(at.caption))


def test_a_downloaded_run_loads_and_decodes_identically(tmp_path, monkeypatch, tiny_model, second_model):
    downloads = capture_downloads(monkeypatch)
    at, ws, first, _ = with_two_runs(tiny_model, second_model)
    at.selectbox(key="runs_chosen").set_value("run-1").run()
    zipped = downloads["first.zip"]()
    (tmp_path / "first.zip").write_bytes(zipped)
    loaded = latent_core.load_model(tmp_path / "first.zip")
    code = np.random.default_rng(0).standard_normal((3, tiny_model.latent_dim)).astype(np.float32)
    assert np.array_equal(loaded.decode(code), tiny_model.decode(code))
    fresh, other = model_page()  # another session: the zip through the Model page's uploader
    fresh.file_uploader(key="upload_model").set_value(("first.zip", zipped, "application/zip")).run()
    assert not fresh.exception, texts(fresh.exception)
    assert other.model is not None and other.model_key != "digits"
    assert np.array_equal(other.model.decode(code), tiny_model.decode(code))
