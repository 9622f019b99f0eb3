"""Runs in Chromium: a run downloaded from one workspace's Model page, uploaded in another, decodes identically."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import latent_core
from tests.e2e.e2e_helpers import DECODED_IMG, image_src, start_training, wait_new_image
from tests.e2e.test_e2e_uploads import go_to

pytestmark = pytest.mark.e2e

LATENT = 3  # unlike the shipped digits model's 8, so the traversal shows which model is active


def open_model_page(page, server: str) -> None:
    page.goto(f"{server}/model")
    page.get_by_role("heading", name="Model", exact=True).wait_for()


def train_a_run(page, server: str) -> None:
    open_model_page(page, server)
    start_training(page, Latent_dimensions=str(LATENT), Epochs="2")
    page.get_by_text("is now the active model").wait_for(timeout=120_000)


def prior_decode(page) -> str:
    """The image the Traverse page decodes from the first prior draw (its media URL names its bytes)."""
    go_to(page, "Traverse")
    page.locator(DECODED_IMG).first.wait_for()
    before = image_src(page)  # decoded from the first image's code
    page.get_by_text("A random draw from the prior").click()
    page.get_by_text("draw 1").wait_for()
    # The caption comes first in the run, while the image shown is still the previous one: read it once replaced
    wait_new_image(page, before)
    sliders = page.locator(".st-key-traversal").get_by_role("slider", include_hidden=True)  # inactive ones: folded
    assert sliders.count() == LATENT
    return image_src(page)


def test_a_downloaded_run_uploaded_in_another_workspace_decodes_the_same(page, browser, server, tmp_path, artifacts):
    train_a_run(page, server)
    # The page reruns once the new model's anomaly scores arrive from their worker; a deferred download clicked
    # during that rerun is dropped by Streamlit, so wait for the scores first.
    page.get_by_text("Most unusual images").wait_for(timeout=120_000)
    page.get_by_text(re.compile(r"^Scoring [\d,]+ images")).wait_for(state="detached", timeout=120_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download checkpoint (.zip)").click()
    zipped = tmp_path / download.value.suggested_filename
    download.value.save_as(zipped)
    assert zipped.suffix == ".zip" and latent_core.load_model(zipped).latent_dim == LATENT
    page.screenshot(path=artifacts / "model-runs.png", full_page=True)
    expected = prior_decode(page)

    context = browser.new_context(viewport={"width": 1440, "height": 1000})  # no token: another workspace
    other = context.new_page()
    other.set_default_timeout(30_000)
    open_model_page(other, server)
    other.locator(".st-key-upload_model input[type=file]").set_input_files(
        {"name": zipped.name, "mimeType": "application/zip", "buffer": Path(zipped).read_bytes()}
    )
    other.get_by_text("is now the active model").wait_for(timeout=60_000)
    assert prior_decode(other) == expected
    context.close()
