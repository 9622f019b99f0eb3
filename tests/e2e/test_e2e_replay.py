"""Chromium: a run trained in the app replays its map over training on the Map page, and the slider moves the
points (read from plotly's gd.data in the page)."""

from __future__ import annotations

import pytest

from tests.e2e.e2e_helpers import MAP_READY, start_training
from tests.e2e.test_e2e_uploads import go_to

pytestmark = pytest.mark.e2e

CHART = "[data-testid=stExpander] .js-plotly-plot"
# The first trace's positions in the replay chart, as plain lists.
POSITIONS = """(selector) => { const gd = document.querySelector(selector);
  return gd && gd.data && gd.data.length ? [Array.from(gd.data[0].x), Array.from(gd.data[0].y)] : null; }"""
MOVED = """([selector, before]) => { const gd = document.querySelector(selector);
  if (!gd || !gd.data || !gd.data.length) return false;
  const x = Array.from(gd.data[0].x); return x.length === before.length && x.some((v, i) => v !== before[i]); }"""


def test_the_replay_slider_moves_the_points(page, server, artifacts):
    page.goto(f"{server}/model")
    page.get_by_role("heading", name="Model", exact=True).wait_for(timeout=120_000)
    page.get_by_role("spinbutton", name="Epochs").wait_for(timeout=120_000)  # the form, on a busy machine
    start_training(page, Latent_dimensions="3", Epochs="2")
    page.get_by_text("is now the active model").wait_for(timeout=180_000)
    go_to(page, "Map")
    page.wait_for_selector(MAP_READY, timeout=90_000)
    page.get_by_text("Map over training", exact=True).click()
    page.wait_for_function(POSITIONS, arg=CHART, timeout=30_000)
    last = page.evaluate(POSITIONS, CHART)
    assert len(last[0]) > 10
    slider = page.get_by_role("slider", name="Moment of training")
    slider.focus()
    page.keyboard.press("Home")  # the first frame: before training
    page.wait_for_function(MOVED, arg=[CHART, last[0]], timeout=30_000)
    first = page.evaluate(POSITIONS, CHART)
    assert len(first[0]) == len(last[0])
    assert sum(abs(a - b) for a, b in zip(first[0], last[0], strict=True)) > 0
    page.screenshot(path=str(artifacts / "replay.png"), full_page=True)
