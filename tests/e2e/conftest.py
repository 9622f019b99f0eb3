"""End-to-end fixtures: one Streamlit server per test session (ui.server, shared with benchmarks/ui_bench.py) and
Debian's headless Chromium.

Under CI=true these tests always run (a missing browser is a failure); elsewhere they are
skipped only when CI is unset and /usr/bin/chromium is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ui.server import CHROMIUM, CHROMIUM_ARGS, chromium_path, start_server, stop_server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SERVER_START_S = 180


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CI") or chromium_path():
        return
    skip = pytest.mark.skip(
        reason=f"no Chromium at {CHROMIUM} (install Debian's chromium; under CI=true this fails instead)"
    )
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def server():
    """The app's base url; the server's output goes to artifacts/server.log."""
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "server.log", "w") as log:
        url, process = start_server(log, timeout=SERVER_START_S)
        yield url
        stop_server(process)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        pytest.fail(
            f"Chromium is required for the end-to-end tests (CI={os.environ.get('CI')!r}); expected it at {CHROMIUM}."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context per test: its own Streamlit session."""
    context = browser.new_context(viewport={"width": 1440, "height": 1200})  # the whole map in view, below its controls
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
