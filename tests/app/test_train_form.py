"""The Model page's training form is made from TrainConfig's fields: each field that applies to the chosen kind has
a widget whose value reaches training. The training panel: its title for each kind, its line once the training has
ended, and keeping (or discarding) the best model so far after a Cancel."""

from __future__ import annotations

from dataclasses import replace

import pytest

import latent_core
from latent_core import TrainConfig
from latent_core.fields import config_fields
from latent_core.models import KINDS
from tests.app.app_workspace import app, texts
from tests.waiting import until
from ui import jobs, training, workspaces
from ui.jobs import CANCELLED, FINISHED
from ui.training import Run

DIGITS = ((8, 8, 1), 1797)  # the default dataset: 1,797 images of 8x8


@pytest.fixture(autouse=True)
def no_jobs_left():
    """The Model page also scores and evaluates in the background: end those jobs (and any training) after each
    test, so that the next test's training does not wait behind them (AppTest sessions never end)."""
    yield
    end_background_jobs()


def applies(f, kind: str) -> bool:
    return not f.spec.kinds or kind in f.spec.kinds


def widget_for(at, key: str):
    for kind in ("number_input", "radio", "select_slider"):
        found = [w for w in at.get(kind) if w.key == key]
        if found:
            return found[0]
    raise AssertionError(f"no widget with key {key!r} on the Model page")


def widgets_with_key(at, key: str) -> list:
    return [w for kind in ("number_input", "radio", "select_slider") for w in at.get(kind) if w.key == key]


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_of_the_chosen_kind_has_a_widget_whose_value_reaches_training(monkeypatch, kind):
    started = []
    monkeypatch.setattr(training, "start", lambda ws, settings: started.append(settings))
    at = app()
    at.switch_page("pages/model.py").run()
    at.radio(key="train_kind").set_value(kind).run()  # outside the form: the form follows the kind at once
    assert not at.exception, texts(at.exception)
    suggested = replace(TrainConfig.suggested(DIGITS[0]), kind=kind).resolved(*DIGITS)
    chosen = {"kind": kind}
    for f in config_fields(TrainConfig):
        if f.name == "kind":
            continue
        if not applies(f, kind):
            assert not widgets_with_key(at, "train_" + f.name), f"{f.name} does not apply to {kind}"
            continue
        widget = widget_for(at, "train_" + f.name)
        assert widget.label == f.spec.label
        assert widget.value == getattr(suggested, f.name)
        value = f.spec.choices[-1] if f.spec.choices else f.spec.presets[0] if f.spec.presets else f.type(f.spec.high)
        widget.set_value(value)
        chosen[f.name] = value
    next(b for b in at.get("form_submit_button") if b.label == "Start training").click().run()
    assert started == [chosen]
    assert TrainConfig(**started[0]).validate()
    assert {"beta", "kl_warmup_steps", "free_bits"} <= set(chosen) if kind == "vae" else "beta" not in chosen
    assert ("n_dis" in chosen) == (kind == "gan")


def test_the_form_shows_the_suggested_run_length_in_steps_and_epochs():
    at = app()
    at.switch_page("pages/model.py").run()
    length = TrainConfig.suggested(*DIGITS).describe_steps(DIGITS[1])  # '≈ 2,990 steps (115 epochs)'
    assert length.startswith("≈ ") and "steps (" in length
    assert any(
        c.startswith(f"Suggested length: {length}.") and "an epoch is 26 steps here" in c for c in texts(at.caption)
    )


@pytest.mark.parametrize("name, limit", [("latent_dim", 512), ("beta", 1000.0)])
def test_form_ranges_are_the_configs_ranges(name, limit):
    at = app()
    at.switch_page("pages/model.py").run()
    assert widget_for(at, "train_" + name).max == limit


def test_kind_labels_are_keyed_by_the_engines_kinds():
    at = app()
    at.switch_page("pages/model.py").run()
    kind = widget_for(at, "train_kind")
    assert tuple(kind.options) == tuple(latent_core.models.REGISTRY[k].label for k in latent_core.models.KINDS)


def forms(node):
    """Every form block under `node` of an AppTest's element tree."""
    proto = getattr(node, "proto", None)
    found = [node] if proto is not None and hasattr(proto, "form") and proto.HasField("form") else []
    for child in getattr(node, "children", {}).values():
        found += forms(child)
    return found


def test_enter_in_a_field_does_not_start_training():
    at = app()
    at.switch_page("pages/model.py").run()
    form = next(f for f in forms(at._tree) if f.proto.form.form_id == "train_form")
    assert form.proto.form.enter_to_submit is False  # only the 'Start training' button submits


def test_the_panel_title_names_the_settings_of_its_kind_only():
    settings = {"latent_dim": 3, "beta": 4.0, "n_dis": 2, "epochs": None}
    length = "≈ 26 steps (1 epoch)"
    assert training.title(Run("digits", settings | {"kind": "vae"}, epochs=1, length=length)) == (
        "**Training VAE** on *digits* (3-D, β=4, ≈ 26 steps (1 epoch))"
    )
    assert training.title(Run("digits", settings | {"kind": "ae"}, epochs=1, length=length)) == (
        "**Training AE** on *digits* (3-D, ≈ 26 steps (1 epoch))"
    )
    assert training.title(Run("digits", settings | {"kind": "gan"}, epochs=1, length=length)) == (
        "**Training GAN** on *digits* (3-D, 2 discriminator steps per generator step, ≈ 26 steps (1 epoch))"
    )


def end_background_jobs() -> None:
    """Cancel the page's own scoring and evaluation, which would hold the test's worker before the training."""
    for job in jobs.runner.jobs():
        job.cancel()


@pytest.mark.slow  # a training in a fresh worker process: 10-15 s on a busy 2-core machine
def test_an_autoencoder_run_from_the_form_is_titled_and_named_without_beta():
    at = app()
    at.switch_page("pages/model.py").run()
    end_background_jobs()
    at.radio(key="train_kind").set_value("ae").run()
    widget_for(at, "train_epochs").set_value(1)
    widget_for(at, "train_latent_dim").set_value(2)
    next(b for b in at.get("form_submit_button") if b.label == "Start training").click().run()
    assert not at.exception, texts(at.exception)
    assert "**Training AE** on *digits* (2-D, ≈ 26 steps (1 epoch))" in texts(at.markdown)
    ws = at.session_state["workspace"]
    assert ws.job.join(120) and ws.job.status == FINISHED
    at.run()
    assert not at.exception, texts(at.exception)
    record = workspaces.library().model(ws.token, ws.model_key)
    assert record.name == "AE 2-D, digits" and "β" not in record.name
    assert any("Finished after 1 of 1 epoch" in bar.proto.text for bar in at.get("progress"))
    assert record.metrics["density_note"].startswith("An autoencoder has no prior")  # evaluated as it finished
    assert (record.path / "metrics.json").is_file()


LONG = {
    "kind": "vae",
    "latent_dim": 3,
    "beta": 1.0,
    "epochs": 500,
    "batch_size": 128,
    "learning_rate": 1e-3,
    "seed": 0,
    "hidden": 32,
    "base_channels": 8,
    "kl_warmup_steps": 0,
}


def cancelled_after_epochs(at, epochs: int):
    """Start a long training in the AppTest's workspace, cancel it once `epochs` epochs have ended, rerun the page."""
    ws = at.session_state["workspace"]
    end_background_jobs()
    training.start(ws, LONG)
    job = ws.job
    assert until(lambda: (p := training.curve(job).progress) is not None and len(p.history) >= epochs)
    job.cancel()
    assert job.join(60) and job.status == CANCELLED
    at.run()
    assert not at.exception, texts(at.exception)
    return ws, job


def test_after_cancel_the_best_model_so_far_can_be_kept_or_discarded():
    at = app()
    at.switch_page("pages/model.py").run()
    ws, job = cancelled_after_epochs(at, 2)
    done = len(training.curve(job).progress.history)
    assert any(
        f"Training cancelled after {done} finished epoch(s): keep its model or discard it." in i for i in texts(at.info)
    )
    line = [bar.proto.text for bar in at.get("progress")]
    assert f"Cancelled after {done} of 500 epochs" in line and not any("Starting" in text for text in line)
    left = training.stopped(job)
    best = left.model.config["best_epoch"]
    kept = next(r for r in left.model.history if r["epoch"] == best)
    offer = f"Keep the best model so far (epoch {best}, validation −ELBO {kept['val_recon'] + kept['val_kl']:.2f} nats)"
    assert at.button(key="keep_stopped_model").label == offer
    at.button(key="keep_stopped_model").click().run()
    assert not at.exception, texts(at.exception)
    assert ws.model_key == "run-1" and ws.job is None
    record = workspaces.library().model(ws.token, "run-1")
    assert record.config["best_epoch"] == best and record.config["stopped_early"] is True
    assert any(
        "Kept the cancelled training's model: 'run 1: VAE 3-D, β=1, digits' is now the active model." in s
        for s in texts(at.success)
    )
    assert not [b for b in at.button if b.key == "keep_stopped_model"]

    ws, job = cancelled_after_epochs(at, 1)
    at.button(key="discard_stopped_model").click().run()
    assert not at.exception, texts(at.exception)
    assert ws.model_key == "run-1" and ws.job is None
    assert [r.key for r in workspaces.library().models(ws.token)] == ["run-1"]
    assert any("Discarded the model of the cancelled training" in i for i in texts(at.info))


def test_a_training_cancelled_before_it_began_says_so_and_offers_nothing(ws):
    training.start(ws, LONG)
    ws.job.cancel()
    assert ws.job.join(30) and ws.job.status == CANCELLED
    assert training.ended_text(ws.job) == "Cancelled before training began"
    training.collect(ws)
    left = training.stopped(ws.job)
    assert left is None or left.offer is None  # no finished epoch: nothing worth keeping
    assert ws.messages[-1] == ("info", "Training cancelled after 0 finished epoch(s); the partial model was discarded.")
