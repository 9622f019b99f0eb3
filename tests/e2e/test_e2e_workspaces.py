"""Workspaces in Chromium: an upload, a trained run, the map and its picks survive a reload and a server restart
(a second server process on the same library), and a browser without the link sees none of it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import SERVER_START_S
from tests.e2e.e2e_helpers import MAP_READY, click_point, start_training
from tests.e2e.test_e2e_uploads import IMAGES_PER_CLASS, go_to, open_data_page, shapes_zip
from ui.server import start_server, stop_server

pytestmark = pytest.mark.e2e

POINTS = (
    "() => { const s = document.querySelector('.lm-root').__latentMap; return [Array.from(s.p.x), Array.from(s.p.y)]; }"
)


def token_of(page) -> str:
    (token,) = parse_qs(urlparse(page.url).query)["w"]
    return token


def shown(page) -> dict:
    """What the Map page shows: the active dataset and model, the points' places and the picked waypoints."""
    page.wait_for_selector(MAP_READY, timeout=90_000)
    interpolation = page.locator(".st-key-interpolation")
    interpolation.get_by_text("through 2 waypoints").wait_for()
    page.wait_for_function("() => document.querySelector('.lm-root').__latentMap.data.overlay.path !== undefined")
    sidebar = page.locator("[data-testid=stSidebar]").inner_text()
    return {
        "active": [line for line in sidebar.splitlines() if "shapes.zip" in line or "run 1" in line],
        "points": page.evaluate(POINTS),
        "waypoints": interpolation.get_by_text("through 2 waypoints").inner_text(),
    }


def test_a_workspace_survives_a_reload_and_a_restart_and_stays_private(page, browser, server, artifacts):
    open_data_page(page, server)
    page.locator(".st-key-upload_data input[type=file]").set_input_files(
        {"name": "shapes.zip", "mimeType": "application/zip", "buffer": shapes_zip()}
    )
    page.get_by_text("'shapes.zip' (60 images) is now the active dataset").wait_for(timeout=60_000)
    go_to(page, "Model")
    start_training(page, Epochs="2")
    page.get_by_text("is now the active model").wait_for(timeout=120_000)
    go_to(page, "Map")
    page.wait_for_selector(MAP_READY, timeout=90_000)
    assert page.locator(".lm-root").get_attribute("data-points") == str(2 * IMAGES_PER_CLASS)
    click_point(page, 3, shift=True)
    page.locator(".st-key-interpolation").get_by_text("1 picked").wait_for()
    click_point(page, 40, shift=True)
    before = shown(page)
    assert len(before["active"]) == 2, before["active"]  # shapes.zip and run 1 are active
    # The URL follows the picks made in the map's fragments (a reload reads it): images 3 and 40, in order.
    page.wait_for_function("() => new URLSearchParams(location.search).get('path') === '3-40'", timeout=10_000)
    token = token_of(page)
    link = page.locator("[data-testid=stSidebar] [data-testid=stCode]").inner_text()
    assert link.endswith(f"?w={token}")

    page.reload()
    assert shown(page) == before and token_of(page) == token

    with open(artifacts / "server-restarted.log", "w") as log:
        url, process = start_server(log, timeout=SERVER_START_S)  # another process on the same library
        try:
            page.goto(f"{url}/map?w={token}")
            assert shown(page) == before and token_of(page) == token
            page.screenshot(path=artifacts / "workspace-restarted.png", full_page=True)
        finally:
            stop_server(process)

    context = browser.new_context(viewport={"width": 1440, "height": 1000})  # no link: a workspace of its own
    other = context.new_page()
    other.set_default_timeout(30_000)
    open_data_page(other, server)
    sidebar = other.locator("[data-testid=stSidebar]").inner_text()
    assert "digits" in sidebar and "shapes.zip" not in sidebar and "run 1" not in sidebar
    assert token_of(other) != token
    other.get_by_role("combobox").first.click()  # the dataset list offers no upload of the other workspace
    assert "shapes.zip" not in other.get_by_role("listbox").inner_text()
    other.keyboard.press("Escape")
    first = token_of(other)
    other.get_by_role("button", name="New workspace").click()  # a new token in the URL and the link
    other.wait_for_function("(t) => !location.search.includes(t)", arg=first)
    assert token_of(other) not in (first, token)
    context.close()
