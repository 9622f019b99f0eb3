"""Mosaic mode in Chromium: thumbnails in place of dots, more of them as the map is zoomed in, and decoded tiles
filling the empty parts of the map."""

from __future__ import annotations

import pytest

from tests.e2e.e2e_helpers import PLOT_AREA, open_map

pytestmark = pytest.mark.e2e

ROOT = ".lm-root"
TILES = (
    "() => { const r = document.querySelector('.lm-root'); return [Number(r.dataset.mosaic || 0), "
    "Number(r.dataset.mosaicDecoded || 0)]; }"
)
ATLAS_READY = "() => { const a = document.querySelector('.lm-root').__latentMap.atlas; return !!(a && a.pixels); }"
STATE = "document.querySelector('.lm-root').__latentMap"
# Of the points shown before zooming (`shown`), how many lie in the zoomed view; and how many show now.
IN_VIEW = f"""(shown) => {{ const s = {STATE}, xa = s.gd._fullLayout.xaxis, ya = s.gd._fullLayout.yaxis;
  const [x0, x1] = xa.range.slice().sort((a, b) => a - b), [y0, y1] = ya.range.slice().sort((a, b) => a - b);
  const inside = (i) => s.p.x[i] >= x0 && s.p.x[i] <= x1 && s.p.y[i] >= y0 && s.p.y[i] <= y1;
  return [shown.filter(inside).length, s.mosaicShown.length]; }}"""
# Pixels of the mosaic canvas that are not transparent: the thumbnails are drawn.
PAINTED = """() => { const c = document.querySelector('.lm-mosaic'); if (!c || c.style.display !== 'block') return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }"""


def test_thumbnails_replace_the_dots_and_zooming_in_shows_more(page, server):
    open_map(page, server)
    page.get_by_text("Thumbnails", exact=True).click()
    page.wait_for_function(f"() => ({TILES})()[0] > 0", timeout=30_000)
    page.wait_for_function(ATLAS_READY, timeout=120_000, polling=200)
    page.wait_for_function(f"() => ({TILES})()[1] > 0", timeout=30_000)  # decoded tiles in the empty parts
    before, decoded = page.evaluate(TILES)
    shown = page.evaluate(f"() => Array.from({STATE}.mosaicShown)")
    assert page.evaluate(PAINTED) > 1000
    left, top, width, height = page.evaluate(PLOT_AREA)
    page.mouse.move(left + width / 2, top + height / 2)
    for _ in range(4):
        page.mouse.wheel(0, -300)  # scroll zoom in, about the centre
        page.wait_for_timeout(300)
    page.wait_for_function(f"(n) => ({TILES})()[0] !== n", arg=before, timeout=15_000)
    # In the zoomed-in part of the map, more images show than showed there before: points that shared a cell at the
    # first zoom have cells of their own now.
    shown_before_in_view, shown_now = page.evaluate(IN_VIEW, shown)
    assert shown_now > shown_before_in_view
    page.get_by_text("Thumbnails", exact=True).click()
    page.wait_for_function("() => document.querySelector('.lm-mosaic').style.display === 'none'", timeout=30_000)
