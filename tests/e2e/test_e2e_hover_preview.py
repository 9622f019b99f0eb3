"""The map's hover preview in a real headless Chromium: over empty space a decoded image follows the pointer, blended
from the atlas, and changes as it moves; over a point the real thumbnail shows; a click still decodes exactly."""

from __future__ import annotations

import re

import pytest

from tests.e2e.e2e_helpers import EMPTY_XY, ISOLATED_POINT, POINT_XY, click_empty, open_map, wait_new_image

pytestmark = pytest.mark.e2e

MAP_STATE = "document.querySelector('.lm-root').__latentMap"
ATLAS_READY = f"() => {{ const a = {MAP_STATE}.atlas; return !!(a && a.pixels); }}"
# What the tip shows: its kind ('preview' or 'point'), caption, and its canvas's RGB bytes.
TIP = """() => { const tip = document.querySelector('.lm-tip'), c = tip.querySelector('canvas');
  const rgba = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  return { shown: tip.style.display === 'block', kind: tip.dataset.kind,
    text: tip.querySelector('.lm-tip-text').innerText, rgb: Array.from(rgba).filter((_, i) => i % 4 < 3) }; }"""


def tip_after_move(page, x: float, y: float) -> dict:
    page.mouse.move(x, y, steps=3)
    page.wait_for_timeout(100)  # a few animation frames
    return page.evaluate(TIP)


def test_hover_preview_follows_the_pointer_over_empty_space(page, server, artifacts):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    open_map(page, server)
    # The atlas is decoded in a worker, then fetched by the page (after the thumbnails).
    page.wait_for_function(ATLAS_READY, timeout=120_000, polling=200)
    x, y = page.evaluate(EMPTY_XY)
    first = tip_after_move(page, x, y)
    assert first["shown"] and first["kind"] == "preview", first["text"]
    assert re.fullmatch(r"decoded here\s+confidence \d+%", first["text"])
    assert max(first["rgb"]) > 0  # an image, not a blank canvas
    assert page.locator(".lm-tip-bar").is_visible()
    box, tip = page.locator(".lm-root").bounding_box(), page.locator(".lm-tip").bounding_box()
    assert box["x"] <= tip["x"] and tip["x"] + tip["width"] <= box["x"] + box["width"]  # not cut off by the map's edge
    page.screenshot(path=artifacts / "map-hover-preview.png")
    # Moving through empty space changes the image: look around the first spot for a second one.
    moved = None
    for dx, dy in ((30, 0), (-30, 0), (0, 30), (0, -30), (45, 45), (-45, -45), (45, -45), (-45, 45)):
        after = tip_after_move(page, x + dx, y + dy)
        if after["kind"] == "preview" and after["rgb"] != first["rgb"]:
            moved = after
            break
    assert moved is not None, "the preview's pixels did not change as the pointer moved"
    # Over a point the tip is the point's own thumbnail and caption.
    index, image_id = page.evaluate(ISOLATED_POINT)
    px, py = page.evaluate(POINT_XY, index)
    page.mouse.move(px, py, steps=4)
    page.wait_for_function(
        "(id) => { const t = document.querySelector('.lm-tip'); return t.dataset.kind === 'point' "
        "&& t.querySelector('.lm-tip-text').innerText.startsWith('#' + id + ' · '); }",
        arg=image_id,
    )
    # The server still decodes a click exactly (plotly's own 2D hover is off; clicks come through clickanywhere).
    click_empty(page)
    wait_new_image(page, "")
    page.locator(".st-key-decoded").get_by_text(re.compile(r"^Empty space at")).wait_for(timeout=10_000)
    assert errors == []


# Every src the decoded panel's first image takes, in order (the element stays; Streamlit changes its src).
WATCH_SRCS = """() => { window.__srcs = []; const img = document.querySelector('.st-key-decoded img');
  new MutationObserver(() => window.__srcs.push(img.src)).observe(img, { attributes: true, attributeFilter: ['src'] });
}"""


def test_a_click_answers_at_once_with_the_pages_preview_then_the_exact_image(page, server):
    open_map(page, server)
    page.wait_for_function(ATLAS_READY, timeout=120_000, polling=200)
    page.wait_for_function(f"() => {{ const i = {MAP_STATE}.spriteImage; return !!(i && i.naturalWidth); }}")
    click_empty(page)  # a first decode, so that the panel has an image whose src the next clicks change
    wait_new_image(page, "")
    index, image_id = page.evaluate(ISOLATED_POINT)
    page.evaluate(WATCH_SRCS)
    before = page.evaluate("() => document.querySelector('.st-key-decoded img').src")
    x, y = page.evaluate(POINT_XY, index)
    page.mouse.click(x, y)
    wait_new_image(page, before)
    page.locator(".st-key-decoded").get_by_text(re.compile(rf"^Image #{image_id}\b")).wait_for(timeout=10_000)
    srcs = page.evaluate("() => window.__srcs")
    assert srcs[0].startswith("data:image/png"), srcs[:1]  # the thumbnail, before the server answered
    assert not srcs[-1].startswith("data:")  # then the server's exact image
