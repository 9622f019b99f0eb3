"""The Model page's training form is made from TrainConfig's fields:
each field has a widget whose value reaches training."""

from __future__ import annotations

import pytest

import latent_core
from latent_core import TrainConfig
from latent_core.fields import config_fields
from tests.app.app_workspace import app, texts
from ui import training


def widget_for(at, key: str):
    for kind in ("number_input", "radio", "select_slider"):
        found = [w for w in at.get(kind) if w.key == key]
        if found:
            return found[0]
    raise AssertionError(f"no widget with key {key!r} on the Model page")


def test_every_field_has_a_widget_whose_value_reaches_training(monkeypatch):
    started = []
    monkeypatch.setattr(training, "start", lambda ws, settings: started.append(settings))
    at = app()
    at.switch_page("pages/model.py").run()
    assert not at.exception, texts(at.exception)
    suggested = TrainConfig.suggested((8, 8, 1), 1797)  # digits: 1,797 images of 8x8
    chosen = {}
    for f in config_fields(TrainConfig):
        widget = widget_for(at, "train_" + f.name)
        assert widget.label == f.spec.label
        assert widget.value == getattr(suggested, f.name)
        value = f.spec.choices[-1] if f.spec.choices else f.spec.presets[0] if f.spec.presets else f.type(f.spec.high)
        widget.set_value(value)
        chosen[f.name] = value
    next(b for b in at.get("form_submit_button") if b.label == "Start training").click().run()
    assert started == [chosen]
    assert TrainConfig(**started[0]).validate()


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
