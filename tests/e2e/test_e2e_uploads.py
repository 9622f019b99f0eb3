"""Uploads in a real headless Chromium:
a zip of images through to a trained model's map, and a bad file refused in words."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pytest
from PIL import Image

from tests.e2e.e2e_helpers import MAP_READY, start_training

pytestmark = pytest.mark.e2e

IMAGES_PER_CLASS = 30
SIDE = 16


def shapes_zip() -> bytes:
    """60 16x16 grey PNGs in two class folders: bright squares and dark-centred rings, each with a little noise."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    ring = (np.hypot(yy - 7.5, xx - 7.5) < 6) & (np.hypot(yy - 7.5, xx - 7.5) > 3)
    square = (abs(yy - 7.5) < 5) & (abs(xx - 7.5) < 5)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, mask in (("rings", ring), ("squares", square)):
            for k in range(IMAGES_PER_CLASS):
                pixels = np.clip(mask * 220 + rng.integers(0, 35, (SIDE, SIDE)), 0, 255).astype(np.uint8)
                png = io.BytesIO()
                Image.fromarray(pixels).save(png, format="PNG")
                archive.writestr(f"shapes/{name}/{k:02d}.png", png.getvalue())
    return buffer.getvalue()


def open_data_page(page, server: str) -> None:
    page.goto(f"{server}/data")
    page.get_by_role("heading", name="Data").wait_for()
    page.locator(".st-key-upload_data input[type=file]").wait_for(state="attached")


def go_to(page, title: str) -> None:
    """Switch pages through the sidebar, which keeps the browser session (a new URL would start a new one)."""
    page.locator("[data-testid=stSidebarNav]").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title if title != "Map" else "Latent map").wait_for()


def test_uploaded_images_train_a_model_and_fill_the_map(page, server, artifacts):
    open_data_page(page, server)
    page.locator(".st-key-upload_data input[type=file]").set_input_files(
        {"name": "shapes.zip", "mimeType": "application/zip", "buffer": shapes_zip()}
    )
    page.get_by_text("'shapes.zip' (60 images) is now the active dataset").wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"How it was read: Read 'shapes.*zip' as images; 60 images of 16x16 pixels")).wait_for()
    sidebar = page.locator("[data-testid=stSidebar]")
    assert "60 images · 16x16 px, grey" in sidebar.inner_text()
    page.screenshot(path=artifacts / "data-upload.png", full_page=True)

    go_to(page, "Model")
    start_training(page, Epochs="2")
    page.get_by_text("is now the active model").wait_for(timeout=120_000)
    assert "shapes" in sidebar.inner_text()

    go_to(page, "Map")
    page.wait_for_selector(MAP_READY, timeout=90_000)
    assert page.locator(".lm-root").get_attribute("data-points") == str(2 * IMAGES_PER_CLASS)
    page.screenshot(path=artifacts / "map-upload.png", full_page=True)


def test_a_bad_upload_is_refused_in_words_and_digits_stay_active(page, server, artifacts):
    open_data_page(page, server)
    noise = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    page.locator(".st-key-upload_data input[type=file]").set_input_files(
        {"name": "images.zip", "mimeType": "application/zip", "buffer": noise}
    )
    error = page.get_by_test_id("stAlertContentError")
    error.wait_for(timeout=30_000)
    assert re.search(r"Refused 'images\.zip': it is named '\.zip' but its content is", error.inner_text())
    assert page.get_by_test_id("stMetricValue").first.inner_text() == "1,797"
    assert "digits" in page.locator("[data-testid=stSidebar]").inner_text()
    page.screenshot(path=artifacts / "data-upload-refused.png", full_page=True)
