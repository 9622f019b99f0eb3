"""The Map page's search rings, waypoint numbers clear of the click's ring, and the round trip's arrow, in Chromium."""

from __future__ import annotations

import pytest

from tests.e2e.e2e_helpers import ISOLATED_POINT, click_point, open_map

pytestmark = pytest.mark.e2e

GD = "document.querySelector('.lm-root').__latentMap.gd"
TRACE_POINTS = f"(name) => {{ const t = {GD}.data.find((t) => t.name === name); return t ? t.x.length : 0; }}"
ANNOTATIONS = f"(name) => ({GD}.layout.annotations || []).filter((a) => a.name === name)"


def test_search_rings_waypoint_labels_and_the_round_trip_arrow(page, server):
    open_map(page, server)
    find = page.get_by_role("textbox", name="Find images")
    find.fill("label 3")
    find.press("Enter")
    page.wait_for_function(f"() => ({TRACE_POINTS})('found') === 183", timeout=30_000)  # the digits' 183 threes
    page.get_by_text("Show only the matches", exact=True).click()
    page.wait_for_function(f"() => {GD}.data[0].marker.opacity < 0.1", timeout=30_000)  # the rest drawn faint
    page.get_by_text("Show only the matches", exact=True).click()
    page.wait_for_function(f"() => {GD}.data[0].marker.opacity > 0.5", timeout=30_000)
    index, _ = page.evaluate(ISOLATED_POINT)
    click_point(page, index, shift=True)
    click_point(page, (index + 1) % 1797, shift=True)
    page.wait_for_function(f"() => ({ANNOTATIONS})('waypoint').length === 2", timeout=30_000)
    labels = page.evaluate(ANNOTATIONS, "waypoint")
    assert [a["text"] for a in labels] == ["1", "2"] and all(a["yshift"] >= 16 for a in labels)  # above the ring
    page.get_by_text("Round trip", exact=True).click()
    page.wait_for_function(f"() => ({ANNOTATIONS})('round trip').length === 1", timeout=30_000)
    page.locator(".st-key-decoded").get_by_text("Round trip: encoded again").wait_for()
