"""The Compare page's linked maps in Chromium: a box selection on one map rings the same images on both, and
hovering a dot on one rings that image on the other."""

from __future__ import annotations

import pytest

from tests.e2e.e2e_helpers import ISOLATED_POINT, POINT_XY, select_box

pytestmark = pytest.mark.e2e

FOUND = """() => [...document.querySelectorAll('.lm-root')].map((root) => {
  const s = root.__latentMap, t = s.gd.data.find((t) => t.name === 'found');
  return t ? Array.from(t.x, (x, k) => [x, t.y[k]]).length : 0; })"""
FOUND_IDS = """() => [...document.querySelectorAll('.lm-root')].map((root) => {
  const s = root.__latentMap, t = s.gd.data.find((t) => t.name === 'found'); if (!t) return [];
  return Array.from(t.x, (x, k) => { for (let i = 0; i < s.p.x.length; i++)
    if (Math.abs(s.p.x[i] - x) < 1e-3 && Math.abs(s.p.y[i] - t.y[k]) < 1e-3) return s.p.ids[i];
    return -1; }).sort(); })"""
LINK_RING = """() => { const ring = document.querySelectorAll('.lm-root')[1].querySelector('.lm-link');
  return ring.style.display === 'block' ? Number(ring.dataset.id) : null; }"""


def test_selection_and_hover_on_one_map_ring_the_same_images_on_the_other(page, server):
    page.goto(f"{server}/compare")
    page.wait_for_function("() => document.querySelectorAll('.lm-root[data-ready=true]').length === 2", timeout=120_000)
    select_box(page, 0.3, 0.7)  # on the first map
    page.wait_for_function(f"() => {{ const n = ({FOUND})(); return n[0] > 0 && n[0] === n[1]; }}", timeout=60_000)
    left, right = page.evaluate(FOUND_IDS)
    assert left == right and -1 not in left  # the same images, wherever each model put them
    index, image_id = page.evaluate(ISOLATED_POINT)  # on the first map
    page.mouse.move(*page.evaluate(POINT_XY, index), steps=4)
    page.wait_for_function(f"(id) => ({LINK_RING})() === id", arg=image_id, timeout=10_000)
