"""Model page: background training (finish, cancel, fail), which models may be active, and the page itself."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np

import latent_core
from tests.app.app_workspace import app, choice, texts
from ui import jobs, resources, state, training, workers, workspaces
from ui.catalog import Option
from ui.jobs import CANCELLED, FAILED, FINISHED, RUNNING

QUICK = {"kind": "vae", "latent_dim": 3, "beta": 1.0, "epochs": 1, "batch_size": 128, "learning_rate": 1e-3, "seed": 0}


def by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_finished_training_is_kept_in_the_workspace_and_becomes_active(ws):
    training.start(ws, QUICK)
    ws.job.join(120)
    assert ws.job.status == FINISHED
    training.collect(ws)
    assert ws.model_key == "run-1" and ws.model.latent_dim == 3
    record = workspaces.library().model(ws.token, "run-1")  # kept in the workspace's library, with its training time
    assert (record.path / "config.json").is_file() and record.seconds > 0 and record.source == "trained"
    assert any(kind == "success" and "active model" in text for kind, text in ws.messages)
    training.collect(ws)  # collecting twice changes nothing
    assert list(ws.saved_models) == ["test-model", "run-1"]


def test_progress_is_readable_while_training_and_cancel_discards_the_model(ws):
    training.start(ws, QUICK | {"epochs": 500})
    for _ in range(200):
        progress = ws.job.progress
        if progress.payload is not None:
            break
        ws.job.join(0.05)
    assert ws.job.status == RUNNING and 0 <= progress.fraction < 1
    assert progress.message.startswith("Epoch ")
    assert progress.message == workers.progress_text(progress.payload.progress)
    assert training.curve(ws.job).points  # the loss so far, for the panel's chart
    ws.job.cancel()
    ws.job.join(60)
    assert ws.job.status == CANCELLED
    training.collect(ws)
    assert ws.model_key == "test-model" and "run-1" not in ws.saved_models
    assert any("cancelled" in text for _, text in ws.messages)


def test_training_that_cannot_start_reports_why(ws):
    training.start(ws, QUICK | {"learning_rate": -1.0})
    ws.job.join(30)
    assert ws.job.status == FAILED
    training.collect(ws)
    errors = [text for kind, text in ws.messages if kind == "error"]
    assert errors and "learning_rate" in errors[0]
    assert ws.model_key == "test-model"


def test_model_for_other_image_size_is_refused_in_words(ws, tmp_path):
    other = latent_core.ImageDataset(
        np.random.default_rng(0).integers(0, 255, (32, 16, 16, 1), dtype=np.uint8), name="noise"
    )
    model = latent_core.train_model(other, latent_dim=2, epochs=1, hidden=16, base_channels=4)
    model.save(tmp_path / "noise")
    ws.saved_models["noise"] = Option("noise", "noise model", str(tmp_path / "noise"))
    assert not state.select_model(ws, "noise")
    assert ws.model_key == "test-model"
    kind, text = ws.messages[-1]
    assert kind == "error" and "16x16" in text and "8x8" in text


def test_model_page_shows_the_active_model_and_its_reconstructions():
    at = app()
    at.switch_page("pages/model.py").run()
    assert not at.exception, texts(at.exception)
    assert texts(at.title) == ["Model"]
    assert choice(at, "model_choice").value == "digits"
    metrics = {m.label: m.value for m in at.metric}
    shipped = latent_core.load_model("digits")  # rebuilt by `make models`: its size is the checkpoint's
    assert metrics["Kind"] == "VAE" and metrics["Latent dimensions"] == str(shipped.latent_dim)
    assert {"Reconstructions", "Most unusual images"} <= set(texts(at.subheader))


def test_unusual_images_are_scored_in_the_background_without_holding_up_the_page(monkeypatch):
    release = threading.Event()

    def slow_scores(model, dataset):
        assert release.wait(30), "the test never released the scoring"
        return np.arange(len(dataset), dtype=np.float32)  # image i scores i: the last images are the most unusual

    for job in jobs.runner.jobs():  # no scores running (in a worker) from an earlier test
        job.cancel()
    jobs.runner.clear()  # no scores kept from an earlier test
    monkeypatch.setattr(resources, "score_images", slow_scores)
    monkeypatch.setattr(resources, "IN_PROCESS_PIXELS", 10**9)  # the fake scoring runs in this process, not a worker
    at = app()
    at.switch_page("pages/model.py").run()
    assert not at.exception, texts(at.exception)
    assert "Scoring 1,797 images…" in texts(at.caption)
    release.set()
    at.run()
    assert "Scoring 1,797 images…" not in texts(at.caption)
    captions = [image.caption for element in at.image for image in element.proto.imgs]
    assert captions[-10].startswith("#1796 ") and captions[-1].startswith("#1787 ")
    jobs.runner.clear()


def test_training_from_the_form_runs_in_the_background_and_activates_the_result():
    at = app()
    at.switch_page("pages/model.py").run()
    by_label(at.number_input, "Epochs").set_value(1)
    by_label(at.number_input, "Latent dimensions").set_value(2)
    by_label(at.form_submit_button, "Start training").click().run()
    ws = at.session_state["workspace"]
    assert ws.job is not None
    ws.job.join(120)
    at.run()
    assert not at.exception, texts(at.exception)
    assert ws.model_key == "run-1" and ws.model.latent_dim == 2
    assert any("is now the active model" in s for s in texts(at.success))
    assert choice(at, "model_choice").value == "run-1"


def test_a_rerun_carrying_the_pickers_old_value_does_not_undo_a_model_the_app_made_active():
    """The browser may send a rerun (a page switch) before it has drawn the model a training made active: the
    picker's old value comes with it and must not count as the user's pick (it made the shipped digits active again
    after a GAN's training, in Chromium)."""
    at = app()
    at.switch_page("pages/model.py").run()
    ws = at.session_state["workspace"]
    assert ws.model_key == "digits" and choice(at, "model_choice").value == "digits"
    stale = at._tree.get_widget_states()  # what the browser still holds
    assert state.select_model(ws, "gan-digits")  # as a training's end makes its model active (ui.training.adopt)
    at.run()
    assert choice(at, "model_choice").value == "gan-digits"
    at._run(stale)  # the browser's rerun with the picker it had: digits
    assert ws.model_key == "gan-digits", "the old value in a late rerun was taken for the user's pick"
    choice(at, "model_choice").select("digits").run()  # a real pick still works
    assert ws.model_key == "digits" and choice(at, "model_choice").value == "digits"


def test_without_an_active_model_the_picker_shows_none_and_the_map_says_when_one_is_training():
    at = app()
    ws = at.session_state["workspace"]
    ws.model_key = ws.model = ws.model_fp = None
    at.switch_page("pages/model.py").run()
    assert not at.exception, texts(at.exception)
    picker = choice(at, "model_choice")
    assert picker.value is None and picker.proto.placeholder == "(none)"
    assert any("No active model" in w for w in texts(at.warning))
    ws.job = SimpleNamespace(running=True)  # a training in progress, as the Map page sees it
    at.switch_page("pages/map.py").run()
    assert not at.exception, texts(at.exception)
    assert any("A model is training" in i for i in texts(at.info))
    assert not any("Train or choose a model" in w for w in texts(at.warning))


def test_the_loss_axis_names_the_objective_trained_including_a_total_correlation_term():
    assert training.objective_words("vae") == "reconstruction + β·KL"
    assert training.objective_words("vae", tc_weight=5.0) == "reconstruction + β·KL + tc_weight·TC"
    assert training.objective_words("ae", tc_weight=5.0) == "reconstruction"
    figure = training.loss_figure(training.Curve(points=[(0, 3.0), (1, 2.0)], progress=None), "vae", 1.0)
    assert figure.layout.yaxis.title.text == "reconstruction + β·KL + tc_weight·TC (nats / image)"
