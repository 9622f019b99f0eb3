"""The Traverse page's live preview (Streamlit Components v2): the decoded image follows a slider while it moves.

For slider k the browser holds a strip of frames, the decodings of

    base + Σ_{j≠k} s_j v_j + t · v_k    for t = -reach, -reach + step, …, +reach

(the slider's own values, so every value it can take has its exact frame), as one PNG sprite with the frames side
by side. While the slider is dragged or moved with the arrow keys, assets/traverse/live.js draws the frame at its
value over the decoded image at animation-frame rate; on release Streamlit sends the value and the server decodes it
exactly, as before. The sliders stay Streamlit's own (labels, keyboard, the saved view): the script finds each one by
the `st-key-<key>` class Streamlit gives a keyed widget and reads its range input.

A strip costs one decode a frame (61 at the page's reach and step), so one is made only for a slider the pointer
has entered or the keyboard has focused (the browser asks, and only this fragment reruns), not for every slider on
every release. Strips are kept by content (model fingerprint, the fixed part of the code, the direction) in one
bounded store shared by sessions, so the slider just released keeps its strip, and misses are decoded in one batch.
A model whose decodes are slow (a 64x64 network: about 2.5 ms a frame) gets frames several slider steps apart, as
many as fit in STRIP_BUDGET_S of CPU by its cheapest measured decode, and the browser blends the two frames around
a value.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

import latent_core
from latent_core.imaging import image_grid, png_bytes

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "traverse"
COMPONENT_KEY = "traverse_live"
WANTED_KEY = "traverse_live_wanted"  # session_state: the slider keys whose strips the browser asked for, latest last
MAX_WANTED = 3  # strips kept on the page: the sliders used last
MAX_STRIPS = 48  # strips kept in the server's store, over all sessions
STRIP_BUDGET_S = 0.05  # the server CPU a strip may take (README, Background work: a script run's share)

_live = st.components.v2.component(
    "latent_explorer.traverse_live",
    js=(ASSETS / "live.js").read_text(encoding="utf-8"),
    css=(ASSETS / "live.css").read_text(encoding="utf-8"),
    isolate_styles=False,  # the script draws over the page's decoded image, outside the component's element
)


@dataclass(frozen=True)
class Strip:
    """The frames of one slider: `src` a PNG data URL of `count` frames of `width` × `height` px side by side,
    frame i decoded at t = low + i · step; `key` names its content."""

    key: str
    src: str
    count: int
    width: int
    height: int
    low: float
    step: float

    def entry(self) -> dict:
        return {
            "key": self.key,
            "src": self.src,
            "count": self.count,
            "w": self.width,
            "h": self.height,
            "low": self.low,
            "step": self.step,
        }


class StripStore:
    """Strips by content key, least recently used first out; thread-safe (sessions share it)."""

    def __init__(self, size: int):
        self.size = size
        self._kept: OrderedDict[str, Strip] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Strip | None:
        with self._lock:
            strip = self._kept.get(key)
            if strip is not None:
                self._kept.move_to_end(key)
            return strip

    def put(self, strip: Strip) -> None:
        with self._lock:
            self._kept[strip.key] = strip
            self._kept.move_to_end(strip.key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


store = StripStore(MAX_STRIPS)
_frame_seconds: dict[str, float] = {}  # model fingerprint -> the least CPU seconds a frame took in one of its strips


def frame_values(reach: float, step: float, stride: int = 1) -> np.ndarray:
    """Every `stride`-th value of a slider from -reach to +reach by `step`: float64 (F,), e.g. 61 values for reach
    3, step 0.1 and stride 1; 11 for stride 6."""
    count = int(round(2 * reach / step)) // stride + 1
    return np.round(np.linspace(-reach, reach, count), 10)


def frame_stride(model_fp: str, reach: float, step: float) -> int:
    """How many slider steps apart a strip's frames are: 1 (a frame at every value) while a strip of the model fits
    in STRIP_BUDGET_S by its decodes measured so far (or none were), else the smallest divisor of the slider's
    steps that makes it fit."""
    steps = int(round(2 * reach / step))
    seconds = _frame_seconds.get(model_fp, 0.0)
    strides = [n for n in range(1, steps + 1) if steps % n == 0]
    return next((n for n in strides if (steps // n + 1) * seconds <= STRIP_BUDGET_S), steps)


def strip_codes(base: np.ndarray, vectors: np.ndarray, offsets: np.ndarray, k: int, values: np.ndarray) -> np.ndarray:
    """The codes of slider k's frames: float32 (F, d), row i = base + offsets @ vectors with offsets[k] = values[i].

    base (d,), vectors (K, d) unit directions, offsets (K,) the sliders' values, values (F,)."""
    rows = np.repeat(np.asarray(offsets, dtype=np.float32)[None, :], len(values), axis=0)
    rows[:, k] = values
    return (np.asarray(base, dtype=np.float32) + rows @ np.asarray(vectors, dtype=np.float32)).astype(np.float32)


def content_key(model_fp: str, fixed: np.ndarray, vector: np.ndarray, values: np.ndarray) -> str:
    """What a strip's frames depend on: the model, the code without slider k's part, slider k's direction, the t's."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (model_fp.encode(), np.asarray(fixed, np.float32).tobytes(), np.asarray(vector, np.float32).tobytes()):
        digest.update(part)
    digest.update(np.asarray(values, np.float64).tobytes())
    return digest.hexdigest()


def sprite(frames: np.ndarray) -> str:
    """uint8 (F, H, W, C) -> a PNG data URL of the F frames side by side, no gaps: (H, F·W) px."""
    picture = image_grid(frames, cols=len(frames), pad=0)
    return "data:image/png;base64," + base64.b64encode(png_bytes(picture)).decode("ascii")


def strips(
    model: latent_core.LatentModel,
    model_fp: str,
    base: np.ndarray,
    vectors: np.ndarray,
    offsets: np.ndarray,
    wanted: Sequence[int],
    values: np.ndarray,
) -> dict[int, Strip]:
    """The strips of sliders `wanted` (indices into vectors (K, d)) at the sliders' values `offsets` (K,) around
    `base` (d,): the kept ones from the store, the others decoded in one batch of len(missing) · F codes."""
    vectors = np.asarray(vectors, dtype=np.float32)
    offsets = np.asarray(offsets, dtype=np.float32)
    found: dict[int, Strip] = {}
    missing: dict[int, str] = {}
    for k in wanted:
        others = offsets.copy()
        others[k] = 0.0
        key = content_key(model_fp, np.asarray(base, np.float32) + others @ vectors, vectors[k], values)
        strip = store.get(key)
        if strip is None:
            missing[k] = key
        else:
            found[k] = strip
    if missing:
        codes = np.concatenate([strip_codes(base, vectors, offsets, k, values) for k in missing])
        started = time.process_time()  # the server's CPU, as STRIP_BUDGET_S counts it
        frames = model.decode(codes).reshape(len(missing), len(values), *model.image_shape)
        seconds = (time.process_time() - started) / len(codes)
        _frame_seconds[model_fp] = min(seconds, _frame_seconds.get(model_fp, seconds))
        height, width = model.image_shape[:2]
        low, step = float(values[0]), float(values[1] - values[0]) if len(values) > 1 else 0.0
        for (k, key), made in zip(missing.items(), frames, strict=True):
            found[k] = Strip(key, sprite(made), len(values), width, height, low, step)
            store.put(found[k])
    return found


def wanted_indices(keys: Sequence[str], inactive: Sequence[bool]) -> list[int]:
    """The sliders whose strips the browser asked for on this page, as indices into `keys`: active ones only (an
    inactive dimension's strip would repeat one image)."""
    asked = st.session_state.get(WANTED_KEY, [])
    return [keys.index(key) for key in asked if key in keys and not inactive[keys.index(key)]]


def asked_after(asked: Sequence[str], keys) -> list[str]:
    """The sliders asked for once the browser asks for `keys` too (one key, or a list of keys oldest first): each
    moved last, the oldest dropped beyond MAX_WANTED; anything but a string (a malformed event) changes nothing."""
    asked = list(asked)
    for key in keys if isinstance(keys, list) else [keys]:
        if isinstance(key, str):
            asked = [k for k in asked if k != key] + [key]
    return asked[-MAX_WANTED:]


def on_want() -> None:
    """The browser asked for sliders' strips (its pointer entered them, or the keyboard focused them): the keys it
    asked for since its last render, oldest first."""
    asked = st.session_state.get(WANTED_KEY, [])
    st.session_state[WANTED_KEY] = asked_after(asked, st.session_state[COMPONENT_KEY].get("want"))


@st.fragment
def live_preview(
    model: latent_core.LatentModel,
    model_fp: str,
    base: np.ndarray,
    keys: list[str],
    inactive: list[bool],
    vectors: np.ndarray,
    offsets: np.ndarray,
    reach: float,
    step: float,
    image_key: str,
) -> None:
    """Mount the live preview for the sliders `keys` (directions vectors (K, d), values offsets (K,)) over the image
    in the container `image_key`. Its own fragment: a strip the browser asks for reruns only this."""
    values = frame_values(reach, step, frame_stride(model_fp, reach, step))
    made = strips(model, model_fp, base, vectors, offsets, wanted_indices(keys, inactive), values)
    data = {
        "image": image_key,
        "sliders": {key: float(value) for key, value, off in zip(keys, offsets, inactive, strict=True) if not off},
        "strips": {keys[k]: strip.entry() for k, strip in made.items()},
    }
    _live(key=COMPONENT_KEY, data=data, on_want_change=on_want)
