"""A GAN in a real headless Chromium: train a 52-step GAN from the form and see its sample grid, then on its map
click a point to decode it (the dataset placed by inversion, then the cloud of sampled codes), and on the Traverse
page move a SeFa slider and see the image change."""

from __future__ import annotations

import re

import pytest

from tests.e2e.e2e_helpers import (
    DECODED_IMG,
    ISOLATED_POINT,
    MAP_READY,
    click_point,
    drag_slider,
    image_src,
    start_training,
    wait_new_image,
)

pytestmark = pytest.mark.e2e


def test_a_tiny_gan_trains_shows_samples_maps_decodes_and_follows_a_sefa_direction(page, server, artifacts):
    page.goto(f"{server}/model")
    page.get_by_text("GAN", exact=True).click()  # the kind, chosen above the form
    page.get_by_role("spinbutton", name="Discriminator steps").wait_for()  # the form now shows a GAN's settings
    assert page.get_by_role("spinbutton", name="β").count() == 0
    start_training(page, Epochs="2")  # 2 x 26 = 52 steps on the digits
    panel = page.locator(".st-key-training")
    panel.get_by_text(re.compile(r"D loss .* G loss|inversion encoder|Finished")).first.wait_for(timeout=120_000)
    page.locator(".st-key-gan_samples img").wait_for(timeout=120_000)  # the sample grid from a fixed z
    page.get_by_text("is now the active model").wait_for(timeout=180_000)
    page.screenshot(path=artifacts / "gan-model.png", full_page=True)

    page.locator("[data-testid=stSidebarNav]").get_by_text("Map", exact=True).click()  # this session's workspace
    page.wait_for_selector(MAP_READY, timeout=90_000)
    page.get_by_text("Dataset images (by inversion)").wait_for()  # a GAN's map: its dataset, placed by inversion
    index, image_id = page.evaluate(ISOLATED_POINT)
    click_point(page, index)
    wait_new_image(page, "")
    page.locator(".st-key-decoded").get_by_text(re.compile(rf"^Image #{image_id}")).wait_for(timeout=10_000)
    page.get_by_text("2,000 sampled codes").click()  # the cloud of codes from the prior, made in a worker
    page.wait_for_function(
        "() => { const r = document.querySelector('.lm-root[data-ready=true]'); "
        "return r !== null && r.__latentMap.p.x.length === 2000; }",
        timeout=120_000,
    )
    before = image_src(page)
    index, image_id = page.evaluate(ISOLATED_POINT)
    click_point(page, index)
    wait_new_image(page, before)
    page.locator(".st-key-decoded").get_by_text(re.compile(rf"^Image #{image_id} · label \d \(classified\)")).wait_for()
    page.screenshot(path=artifacts / "gan-map.png", full_page=True)

    page.locator("[data-testid=stSidebarNav]").get_by_text("Traverse", exact=True).click()
    page.get_by_role("heading", name="Traverse").wait_for()
    page.get_by_text("SeFa (decoder's first layer)").click()
    traversal = page.locator(".st-key-traversal")
    traversal.get_by_text("SeFa 1", exact=True).wait_for()  # the sliders follow SeFa's directions
    traversal.locator(DECODED_IMG).first.wait_for()
    before = image_src(page)
    thumb = traversal.get_by_role("slider").first
    thumb.scroll_into_view_if_needed()
    drag_slider(page, thumb)
    wait_new_image(page, before)
    assert image_src(page) != before
    page.screenshot(path=artifacts / "gan-traverse.png", full_page=True)
