"""The Traverse page's live preview in a real headless Chromium: while a slider is dragged, the decoded image changes
before the slider is released (drawn in the browser from the slider's strip of frames), and once the server has
decoded the released value its image shows again."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.e2e_helpers import DECODED_IMG, image_src, wait_new_image

pytestmark = pytest.mark.e2e

FIRST_PAGE_MS = 90_000  # a fresh server's first page imports the page modules (6-12 s here, more on a loaded machine)

# The key of the Streamlit slider holding an element (from the st-key-<key> class of its container).
SLIDER_KEY = """(e) => [...e.closest('[class*="st-key-trav_"]').classList]
  .find((c) => c.startsWith('st-key-trav_')).slice('st-key-'.length)"""
HAS_STRIP = """(key) => { const r = document.querySelector('.tl-root');
  return r !== null && (r.dataset.strips || '').split(' ').includes(key); }"""
# What the live preview shows over the decoded image: its pixels as a data URL, or null while it shows nothing.
PREVIEW = """() => { const c = document.querySelector('.tl-frame');
  return c && getComputedStyle(c).display !== 'none' ? c.toDataURL() : null; }"""
# The centre of a slider's visible thumb (its range input is visually hidden) and the width of its track, in px.
THUMB = """(input) => { const thumb = input.parentElement.parentElement, track = thumb.parentElement;
  const b = thumb.getBoundingClientRect();
  return [b.x + b.width / 2, b.y + b.height / 2, track.getBoundingClientRect().width]; }"""
PREVIEW_GONE = """() => { const c = document.querySelector('.tl-frame');
  return !c || getComputedStyle(c).display === 'none'; }"""


def traverse_page(page, server):
    """Open the Traverse page and wait for its decoded image; returns its first slider's range input (a locator)."""
    page.goto(f"{server}/traverse")
    panel = page.locator(".st-key-traversal")
    panel.locator(DECODED_IMG).first.wait_for(timeout=FIRST_PAGE_MS)
    return panel.get_by_role("slider").first


# What the page holds, for a failure's message: the keys asked for since the last render, the sliders, the strips.
LIVE_STATE = """() => { const s = window.__traverseLive, r = document.querySelector('.tl-root');
  return { asked: s ? [...s.asked.keys()] : null, sliders: s && s.data ? Object.keys(s.data.sliders) : null,
    strips: r ? r.dataset.strips : null, wants: window.__wants }; }"""


def wait_for_strip(page, key: str, artifacts, timeout_ms: int = 15_000, last: bool = True) -> bool:
    """Wait until the page holds slider `key`'s strip; True once it does. Otherwise False, or when this was the
    `last` try, fail with a screenshot and what the page holds."""
    try:
        page.wait_for_function(HAS_STRIP, arg=key, timeout=timeout_ms)
        return True
    except PlaywrightTimeout:
        if not last:
            return False
        page.screenshot(path=artifacts / "traverse-no-strip.png")
        raise AssertionError(f"no strip for {key} in {timeout_ms} ms: {page.evaluate(LIVE_STATE)}") from None


def hover_until_strip(page, thumb, artifacts) -> tuple[str, float, float, float]:
    """Move the pointer onto the first slider's thumb until the page holds that slider's strip: the pointer entering
    the slider asks for it, and an entry made before the live preview was on the page (a busy machine) asks nothing.
    The slider and its place are read again at each try: the sliders are ordered by the model's evaluation, which
    another session may finish meanwhile, and then another dimension is first. Returns (key, x, y, track width)."""
    for attempt in range(3):
        key = thumb.evaluate(SLIDER_KEY)
        x, y, width = thumb.evaluate(THUMB)
        page.mouse.move(x, y - 80)  # off the slider, then onto it: a fresh pointer entry
        page.mouse.move(x, y, steps=4)
        if wait_for_strip(page, key, artifacts, last=attempt == 2):
            return key, x, y, width
    raise AssertionError("unreachable")


def test_a_dragged_slider_changes_the_image_before_it_is_released(page, server, artifacts):
    thumb = traverse_page(page, server)
    _, x, y, width = hover_until_strip(page, thumb, artifacts)  # the pointer entering the slider asks for its strip
    before = image_src(page)
    assert page.evaluate(PREVIEW) is None
    page.mouse.down()
    seen = []
    for step in range(1, 9):  # a slow drag to the right, as a hand would: 0.2 further at each step
        page.mouse.move(x + step * width / 30, y, steps=3)
        page.wait_for_timeout(80)
        seen.append(page.evaluate(PREVIEW))
    assert image_src(page) == before  # the server has decoded nothing yet: the browser drew these
    page.screenshot(path=artifacts / "traverse-drag.png")
    page.mouse.up()
    assert None not in seen and len(set(seen)) >= 4, "the image did not follow the slider during the drag"
    wait_new_image(page, before)  # on release the server decodes the value exactly
    page.wait_for_function(PREVIEW_GONE, timeout=10_000)  # and its image shows again


def test_arrow_keys_move_the_preview_at_once_and_the_server_follows(page, server, artifacts):
    thumb = traverse_page(page, server)
    key = thumb.evaluate(SLIDER_KEY)
    thumb.focus()  # the keyboard focusing the slider asks for its strip
    wait_for_strip(page, key, artifacts)
    before = image_src(page)
    drawn = page.evaluate("() => window.__traverseLive.drawn.length")
    page.keyboard.press("ArrowRight")
    wait_new_image(page, before)  # the server decodes the new value
    frames = page.evaluate("(n) => window.__traverseLive.drawn.slice(n).map((d) => [d.key, d.index])", drawn)
    # The browser drew the frame at +0.1 meanwhile: frame 31 of 61, or its place in a coarser strip (the server makes
    # frames several steps apart when its decodes were slow, as on a loaded machine: 15.5 of 31).
    low, step = page.evaluate("(k) => { const s = window.__traverseLive.data.strips[k]; return [s.low, s.step]; }", key)
    assert [key, round((0.1 - low) / step, 4)] in frames, (frames, low, step)
    page.wait_for_function(PREVIEW_GONE, timeout=10_000)


# A strip of 31 frames 0.2 apart (a slow model's), frame i a flat grey of 8·i: the preview at a value between two
# frames must be their blend, 8 · (value + 3) / 0.2.
COARSE_STRIP = """(key) => { const c = document.createElement('canvas'); c.width = 62; c.height = 2;
  const ctx = c.getContext('2d');
  for (let i = 0; i < 31; i++) { ctx.fillStyle = `rgb(${8 * i},${8 * i},${8 * i})`; ctx.fillRect(2 * i, 0, 2, 2); }
  window.__traverseLive.data.strips[key] = { key: 'coarse', src: c.toDataURL(), count: 31, w: 2, h: 2, low: -3,
    step: 0.2 }; }"""
SHOWS_COARSE = "() => { const s = window.__traverseLive.shown; return s !== null && s.strip === 'coarse'; }"
PREVIEW_GREY = "() => document.querySelector('.tl-frame').getContext('2d').getImageData(0, 0, 1, 1).data[0]"


def test_between_two_frames_the_preview_blends_them(page, server, artifacts):
    thumb = traverse_page(page, server)
    key, x, y, width = hover_until_strip(page, thumb, artifacts)
    page.evaluate(COARSE_STRIP, key)
    page.mouse.down()
    for dx in range(1, 40):  # to an odd number of slider steps: halfway between two frames
        page.mouse.move(x + dx * width / 240, y)
        value = thumb.evaluate("(e) => parseFloat(e.value)")
        if round(value * 10) % 2:
            break
    page.wait_for_function(SHOWS_COARSE, timeout=5_000)
    page.wait_for_timeout(100)  # the frame at the last value
    grey = page.evaluate(PREVIEW_GREY)
    page.mouse.up()
    assert round(value * 10) % 2 == 1 and abs(grey - 8 * (value + 3) / 0.2) <= 1.5, (value, grey)


def test_a_strip_request_that_is_lost_is_made_again_by_itself(page, server, artifacts):
    """The keyboard stays on one slider: a 'want' request that never reaches the server (here dropped in the page)
    is sent again after ASK_AGAIN_MS (assets/traverse/live.js), and the strip comes."""
    thumb = traverse_page(page, server)
    page.evaluate(
        """() => { const s = window.__traverseLive, send = s.setTriggerValue; window.__wants = 0;
        s.setTriggerValue = (name, value) => { if (name === 'want' && ++window.__wants === 1) return;
          send(name, value); }; }"""
    )
    key = thumb.evaluate(SLIDER_KEY)
    thumb.focus()
    wait_for_strip(page, key, artifacts)
    assert page.evaluate("() => window.__wants") >= 2  # the first was dropped; a later one brought the strip
