"""The app in a real headless Chromium: map clicks, interpolation, sliders, training, every page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.e2e_helpers import (
    DECODED_IMG,
    ISOLATED_POINT,
    POINT_XY,
    click_empty,
    click_point,
    drag_slider,
    find_3d_point,
    image_src,
    open_map,
    select_box,
    start_training,
    wait_new_image,
)

pytestmark = pytest.mark.e2e


def test_clicking_a_point_shows_its_image_and_its_decoding(page, server, artifacts):
    open_map(page, server)
    index, image_id = page.evaluate(ISOLATED_POINT)
    click_point(page, index)
    wait_new_image(page, "")
    decoded = page.locator(".st-key-decoded")
    decoded.get_by_text(re.compile(rf"^Image #{image_id} ")).wait_for(timeout=5_000)
    assert decoded.locator("img").count() == 2  # the original and its decoding
    page.screenshot(path=artifacts / "map.png", full_page=True)


def test_clicking_empty_space_decodes_there_with_a_confidence(page, server):
    open_map(page, server)
    click_empty(page)
    wait_new_image(page, "")
    decoded = page.locator(".st-key-decoded")
    decoded.get_by_text("Confidence of the inverse mapping").wait_for()
    decoded.get_by_text(re.compile(r"^Empty space at")).wait_for(timeout=5_000)


def test_hovering_a_point_shows_its_thumbnail(page, server):
    open_map(page, server)
    index, image_id = page.evaluate(ISOLATED_POINT)
    x, y = page.evaluate(POINT_XY, index)
    page.mouse.move(x - 40, y - 40)
    page.mouse.move(x, y, steps=4)
    tip = page.locator(".lm-tip")
    tip.wait_for(state="visible")
    assert tip.locator(".lm-tip-text").inner_text().startswith(f"#{image_id} · ")
    # The thumbnail sheet is fetched once the map is drawn, and a shown tip is redrawn when it arrives.
    page.wait_for_function(
        "() => { const c = document.querySelector('.lm-tip canvas'); "
        "return Array.from(c.getContext('2d').getImageData(0, 0, "
        "c.width, c.height).data).some((v, i) => i % 4 < 3 && v > 0); }",
        timeout=15_000,
    )
    assert page.evaluate("() => window.__latentSprites.size") == 1


def test_two_picked_points_give_an_interpolation_strip_with_downloads(page, server, artifacts):
    open_map(page, server)
    click_point(page, 0, shift=True)
    page.locator(".st-key-interpolation").get_by_text("1 picked").wait_for()
    click_point(page, 100, shift=True)
    strip = page.locator(".st-key-interpolation img")
    strip.wait_for()
    interpolation = page.locator(".st-key-interpolation")
    interpolation.get_by_text("through 2 waypoints").wait_for()
    interpolation.get_by_role("button", name="PNG strip").wait_for()
    interpolation.get_by_role("button", name="Animated GIF").wait_for()
    page.wait_for_function("() => document.querySelector('.lm-root').__latentMap.data.overlay.path !== undefined")
    page.screenshot(path=artifacts / "map-interpolation.png", full_page=True)


def test_clicking_a_point_in_3d_decodes_it(page, server, artifacts):
    open_map(page, server, "?dims=3")
    assert page.locator(".lm-root").get_attribute("data-dims") == "3"
    spot = find_3d_point(page)
    assert spot is not None, "no point of the 3D map answered a hover"
    page.mouse.move(*spot)
    page.wait_for_timeout(200)  # WebGL picking happens on the scene's next frame
    page.mouse.down()
    page.mouse.up()
    wait_new_image(page, "")
    page.locator(".st-key-decoded").get_by_text(re.compile(r"^Image #\d+")).wait_for(timeout=5_000)
    page.screenshot(path=artifacts / "map-3d.png", full_page=True)


def test_dragging_a_slider_changes_the_decoded_image(page, server, artifacts):
    page.goto(f"{server}/traverse")
    panel = page.locator(".st-key-traversal")
    panel.locator(DECODED_IMG).first.wait_for()
    before = image_src(page)
    drag_slider(page, panel.get_by_role("slider").first)
    wait_new_image(page, before)
    assert image_src(page) != before
    page.screenshot(path=artifacts / "traverse.png", full_page=True)


def test_two_epoch_training_shows_progress_then_becomes_the_active_model(page, server, artifacts):
    page.goto(f"{server}/model")
    start_training(page, Epochs="2")
    progress = page.locator(".st-key-training")
    progress.get_by_text(re.compile(r"Epoch \d/2|Finished")).wait_for()
    page.get_by_text("is now the active model").wait_for(timeout=120_000)
    assert "run 1" in page.locator("[data-testid=stSidebar]").inner_text()
    page.screenshot(path=artifacts / "model.png", full_page=True)


def test_data_page_and_page_switching(page, server, artifacts):
    open_map(page, server)
    page.locator("[data-testid=stSidebarNav]").get_by_text("Data", exact=True).click()
    page.get_by_role("heading", name="Data").wait_for(timeout=5_000)
    # The image count among the page's figures (waited for: the page's elements arrive one by one).
    page.get_by_test_id("stMetricValue").filter(has_text="1,797").first.wait_for(timeout=15_000)
    assert "/data" in page.url
    page.wait_for_selector("[data-testid=stVegaLiteChart], .stVegaLiteChart, canvas.marks", timeout=15_000)
    page.screenshot(path=artifacts / "data.png", full_page=True)


def test_box_selection_picks_waypoints(page, server):
    open_map(page, server)
    select_box(page, 0.35, 0.65)
    interpolation = page.locator(".st-key-interpolation")
    interpolation.get_by_text("through 8 waypoints").wait_for()
    page.get_by_text(re.compile(r"points selected; the path runs through 8 of them")).wait_for()


def test_traverse_from_a_map_click(page, server):
    open_map(page, server)
    index, image_id = page.evaluate(ISOLATED_POINT)
    click_point(page, index)
    page.get_by_role("button", name="Traverse from this code").click()
    page.get_by_role("heading", name="Traverse").wait_for()
    page.get_by_text(f"Code of the map point, image #{image_id}.").wait_for()
    assert page.get_by_role("radio", name="Last map click").is_checked()


def test_thumbnails_come_once_and_stay_across_page_switches(page, server):
    open_map(page, server)
    page.wait_for_function(
        "() => { const s = document.querySelector('.lm-root').__latentMap; "
        "return s.spriteImage !== null && s.spriteImage.complete; }",
        timeout=15_000,
    )
    nav = page.locator("[data-testid=stSidebarNav]")
    nav.get_by_text("Data", exact=True).click()
    page.get_by_role("heading", name="Data").wait_for()
    nav.get_by_text("Map", exact=True).click()
    page.wait_for_selector(".lm-root[data-ready=true]")
    page.wait_for_timeout(500)
    state = page.evaluate(
        "() => { const s = document.querySelector('.lm-root').__latentMap; return [window.__latentSprites.size, "
        "s.spriteImage !== null && s.spriteImage.complete, 'src' in s.data.sprite]; }"
    )
    assert state == [1, True, False]


def test_the_map_toolbar_offers_no_upload_to_the_cloud(page, server):
    open_map(page, server)
    titles = page.evaluate(
        "() => Array.from(document.querySelectorAll('.lm-root .modebar-btn'), (b) => b.getAttribute('data-title'))"
    )
    assert "Download plot as a PNG" in titles  # the toolbar is there
    assert not [t for t in titles if any(word in t.lower() for word in ("share", "cloud", "chart studio"))], titles


def test_clear_selection_clears_the_maps_outline_and_faded_points(page, server):
    open_map(page, server)
    select_box(page, 0.4, 0.6)
    held = "() => { const gd = document.querySelector('.lm-root').__latentMap.gd; return [(gd.layout.selections || [])"
    held += ".length, gd.data.filter((t) => t.selectedpoints != null).length, gd._fullLayout.selectionrevision]; }"
    page.locator(".st-key-interpolation").get_by_text("through 8 waypoints").wait_for()
    outlines, faded, revision = page.evaluate(held)
    assert outlines == 1 and faded > 0
    page.locator(".st-key-interpolation").get_by_role("button", name="Clear selection").click()
    page.wait_for_function(f"() => ({held})()[2] !== {revision!r}", timeout=10_000)
    assert page.evaluate(held)[:2] == [0, 0]
