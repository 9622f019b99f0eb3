"""Map page, "Map over training" (AppTest): a trained run's recorded frames on a slider, drawn as a plotly scatter
coloured by label, with a GIF download; a model without a record says so."""

from __future__ import annotations

import io

import numpy as np
import plotly.io
from PIL import Image

from tests.app.app_workspace import app, texts
from ui import state
from ui.catalog import Option
from ui.map_component import CHART_CONFIG


def map_with(model, folder, key: str = "trained-run"):
    """The Map page of a new session whose active model is `model` (saved in `folder`)."""
    at = app()
    ws = at.session_state["workspace"]
    model.save(folder / key)
    ws.saved_models[key] = Option(key, f"{key} (test)", str(folder / key))
    assert state.select_model(ws, key), ws.messages
    at.switch_page("pages/map.py").run()
    assert not at.exception, texts(at.exception)
    return at


def replay_expander(at):
    (found,) = [e for e in at.expander if e.label == "Map over training"]
    return found


def chart(at):
    (element,) = [e for e in at.get("plotly_chart") if "replay_chart" in e.proto.id]
    return element


def test_the_slider_replays_the_recorded_frames_coloured_by_label(tiny_model, digits, tmp_path):
    at = map_with(tiny_model, tmp_path)
    replay = replay_expander(at)
    (slider,) = replay.select_slider
    names = tiny_model.training_map.frame_names()
    assert slider.options == names and slider.value == len(names) - 1  # options shown by name, the last first
    last = plotly.io.from_json(chart(at).proto.spec)
    sample = tiny_model.training_map.indices
    assert sum(len(trace.x) for trace in last.data) == len(sample)
    assert {trace.name for trace in last.data} == {digits.label_text(int(i)) for i in sample}
    assert len(last.data) == len(np.unique(digits.labels[sample]))
    assert json_config(chart(at)) == CHART_CONFIG

    slider.set_value(0).run()
    assert not at.exception, texts(at.exception)
    first = plotly.io.from_json(chart(at).proto.spec)
    assert [t.name for t in first.data] == [t.name for t in last.data]
    moved = [np.abs(np.asarray(a.x) - np.asarray(b.x)).mean() for a, b in zip(first.data, last.data, strict=True)]
    assert min(moved) > 0  # every class's points moved between 'before training' and the kept weights
    assert first.layout.xaxis.range == last.layout.xaxis.range  # the same axes throughout

    (download,) = [d for d in at.get("download_button") if d.proto.label == "Download the replay (GIF)"]
    assert download.proto.label


def json_config(element) -> dict:
    import json

    return json.loads(element.proto.config)


def test_the_gif_has_one_picture_per_frame(tiny_model, digits):
    from ui import replay

    frames = replay.aligned("test-fp", tiny_model.training_map)
    names = tuple(tiny_model.training_map.frame_names())
    data = replay.gif("test-fp", "digits", frames, digits.labels[tiny_model.training_map.indices], names)
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "GIF" and picture.n_frames == len(names)


def test_a_model_without_a_record_says_how_to_get_one():
    at = app()  # the shipped digits model: trained elsewhere, with no record of its map over training
    assert not at.exception, texts(at.exception)
    replay = replay_expander(at)
    assert "no record of how its map formed" in " ".join(texts(replay.caption))
    assert not replay.select_slider
