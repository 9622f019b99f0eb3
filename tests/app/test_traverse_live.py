"""The Traverse page's live preview: the strips of frames the browser draws while a slider is dragged (shapes, the
values they are decoded at, kept by content) and what the page sends its component (AppTest)."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from tests.app.app_workspace import app, texts
from ui import traversal
from ui import traverse_component as live

VALUES = live.frame_values(traversal.REACH, traversal.STEP)


def frames_of(strip: dict) -> np.ndarray:
    """uint8 (count, h, w) of a strip entry's PNG sprite."""
    assert strip["src"].startswith("data:image/png;base64,")
    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(strip["src"].split(",", 1)[1]))))
    assert picture.shape == (strip["h"], strip["count"] * strip["w"])
    return picture.reshape(strip["h"], strip["count"], strip["w"]).transpose(1, 0, 2)


def payload(at) -> dict:
    (element,) = [e for e in at.get("bidi_component") if e.proto.component_name == "latent_explorer.traverse_live"]
    return json.loads(element.proto.json)


def decoded_url(at) -> str:
    """The image at the slider position (the first image of the page)."""
    return next(img.url for element in at.image for img in element.proto.imgs)


@pytest.fixture(autouse=True)
def empty_store():
    live.store.clear()
    yield
    live.store.clear()


def test_frame_values_are_the_sliders_values():
    assert len(VALUES) == 61 and VALUES[0] == -3.0 and VALUES[-1] == 3.0 and VALUES[30] == 0.0
    assert np.allclose(np.diff(VALUES), 0.1) and 2.5 in VALUES  # every value a slider can take has its frame


def test_a_frame_is_the_exact_decode_at_its_value(tiny_model, rng):
    base = rng.standard_normal(4).astype(np.float32)
    vectors = np.eye(4, dtype=np.float32)[[2, 0, 1]]
    offsets = np.array([0.7, -1.2, 0.0], dtype=np.float32)
    made = live.strips(tiny_model, "fp", base, vectors, offsets, [1, 2], VALUES)
    assert sorted(made) == [1, 2]
    for k, strip in made.items():
        frames = frames_of(strip.entry())
        assert frames.shape == (61, 8, 8) and (strip.low, strip.count) == (-3.0, 61)
        assert strip.step == pytest.approx(0.1)
        for i in (0, 17, 30, 55, 60):
            moved = offsets.copy()
            moved[k] = VALUES[i]
            exact = tiny_model.decode((base + moved @ vectors)[None])[0, :, :, 0]
            assert np.abs(frames[i].astype(int) - exact.astype(int)).max() <= 1  # float rounding at most
        assert np.abs(frames[0].astype(int) - frames[60].astype(int)).max() > 10  # the frames differ along t


def test_strips_are_kept_by_content_and_decoded_in_one_batch(tiny_model, rng, monkeypatch):
    calls = []
    decode = tiny_model.decode
    monkeypatch.setattr(tiny_model, "decode", lambda z: calls.append(len(z)) or decode(z))
    base = rng.standard_normal(4).astype(np.float32)
    vectors = np.eye(4, dtype=np.float32)
    offsets = np.zeros(4, dtype=np.float32)
    first = live.strips(tiny_model, "fp", base, vectors, offsets, [0, 3], VALUES)
    assert calls == [2 * 61]  # one batch for both
    moved = offsets.copy()
    moved[0] = 1.5  # slider 0 released at 1.5: its own strip is the same, slider 3's is not
    again = live.strips(tiny_model, "fp", base, vectors, moved, [0, 3], VALUES)
    assert calls == [122, 61] and again[0] is first[0] and again[3].key != first[3].key
    assert live.strips(tiny_model, "other model", base, vectors, moved, [0], VALUES)[0].key != first[0].key


def test_a_slow_models_frames_are_several_steps_apart_and_still_exact(tiny_model, rng, monkeypatch):
    monkeypatch.setitem(live._frame_seconds, "slow", 0.004)  # 61 frames would take 244 ms, over STRIP_BUDGET_S
    stride = live.frame_stride("slow", traversal.REACH, traversal.STEP)
    assert stride == 6 and live.frame_stride("unmeasured", traversal.REACH, traversal.STEP) == 1  # 11 frames: 44 ms
    values = live.frame_values(traversal.REACH, traversal.STEP, stride)
    assert np.allclose(values, np.linspace(-3, 3, 11))
    base = rng.standard_normal(4).astype(np.float32)
    vectors = np.eye(4, dtype=np.float32)
    offsets = np.array([0.0, 1.0, 0.0, -0.5], dtype=np.float32)
    strip = live.strips(tiny_model, "slow", base, vectors, offsets, [2], values)[2]
    assert (strip.count, strip.low) == (11, -3.0) and strip.step == pytest.approx(0.6)
    frames = frames_of(strip.entry())
    for i in (0, 4, 10):
        moved = offsets.copy()
        moved[2] = values[i]
        exact = tiny_model.decode((base + moved @ vectors)[None])[0, :, :, 0]
        assert np.abs(frames[i].astype(int) - exact.astype(int)).max() <= 1
    assert 0 < live._frame_seconds["slow"] <= 0.004  # the decode measured: the fastest seen is kept


def test_the_store_drops_the_least_recently_used_strip():
    kept = live.StripStore(2)
    a, b, c = (live.Strip(key, "data:", 61, 8, 8, -3.0, 0.1) for key in "abc")
    kept.put(a)
    kept.put(b)
    assert kept.get("a") is a  # a is now the most recently used
    kept.put(c)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (a, None, c)


def test_the_browser_asks_for_a_few_strips_latest_last():
    assert live.asked_after([], "trav_axes_1") == ["trav_axes_1"]
    assert live.asked_after(["a", "b", "c"], "a") == ["b", "c", "a"]
    assert live.asked_after(["a", "b", "c"], "d") == ["b", "c", "d"]  # MAX_WANTED = 3
    assert live.asked_after(["a"], None) == ["a"] and live.asked_after(["a"], {"x": 1}) == ["a"]
    # The browser sends every key asked for since its last render, oldest first (a lost trigger loses none).
    assert live.asked_after(["a"], ["b", "a"]) == ["b", "a"]
    assert live.asked_after([], ["x", 5, "y"]) == ["x", "y"]


def test_page_sends_the_asked_strips_and_the_sliders_values():
    at = app()
    at.switch_page("pages/traverse.py").run()
    assert not at.exception, texts(at.exception)
    data = payload(at)
    keys = [s.key for s in at.slider if not s.label.endswith(traversal.INACTIVE)]
    assert data["image"] == "decoded" and sorted(data["sliders"]) == sorted(keys) and data["strips"] == {}
    first, second = keys[:2]
    at.session_state[live.WANTED_KEY] = [first]
    at.run()
    strip = payload(at)["strips"][first]
    ws = at.session_state["workspace"]
    height, width = ws.model.image_shape[:2]
    assert frames_of(strip).shape == (61, height, width)
    at.slider(key=second).set_value(1.5).run()
    data = payload(at)
    assert data["sliders"][second] == 1.5 and data["strips"][first]["key"] != strip["key"]  # decoded around 1.5
    before = decoded_url(at)
    at.slider(key=first).set_value(-2.0).run()
    assert decoded_url(at) != before  # released: the server decodes the value exactly, as before
    assert payload(at)["strips"][first]["key"] == data["strips"][first]["key"]  # and the slider keeps its strip
