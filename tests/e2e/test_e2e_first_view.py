"""Issue 13's first view and rough edges in Chromium: the app's own page list (never Streamlit's raw 'app, data…'),
plotly.js from the cached static route, Enter in a training field starts nothing, preview captions on one line, and
a deep link's only 404s are the frontend's probes of its own path."""

from __future__ import annotations

import io
import re
from urllib.parse import urlparse

import numpy as np
import pytest

from tests.e2e.e2e_helpers import MAP_READY

pytestmark = pytest.mark.e2e

PAGES = ["Data", "Model", "Map", "Traverse", "Compare"]
NAV_TEXT = "() => [...document.querySelectorAll('[data-testid=stSidebarNav] a')].map((a) => a.innerText.trim())"


# Share of the sketch canvas's pixels that are a point's colour: neither transparent nor the plot's grey-white.
SKETCHED = """() => { const c = document.querySelector('.lm-sketch'); if (!c) return -1;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let coloured = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && Math.min(d[i], d[i + 1], d[i + 2]) < 200) coloured++;
  return coloured / (d.length / 4); }"""


def test_the_points_are_sketched_at_once_while_plotly_loads_and_the_plotly_map_replaces_them(page, server):
    held = []
    page.route("**/plotly.min.js", lambda route: held.append(route))  # plotly.js arrives when the test lets it
    page.goto(server)
    page.wait_for_selector(".lm-sketch", timeout=90_000)
    assert page.query_selector(MAP_READY) is None and page.evaluate("() => window.Plotly === undefined")
    assert page.evaluate(SKETCHED) > 0.01  # 1,797 dots of a few pixels each, in the class colours
    assert held, "the map asked for plotly.js"
    for route in held:
        route.continue_()
    page.wait_for_selector(MAP_READY, timeout=60_000)
    assert page.query_selector(".lm-sketch") is None


def go_to(page, title: str) -> None:
    page.locator("[data-testid=stSidebarNav]").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title if title != "Map" else "Latent map").wait_for()


def test_the_sidebar_lists_the_apps_pages_and_plotly_comes_from_the_cached_static_route(page, server):
    seen = []
    plotly = []
    page.on("response", lambda r: plotly.append(r) if r.url.endswith("/plotly.min.js") else None)
    page.goto(server, wait_until="commit")
    while not page.query_selector(MAP_READY):
        seen.append(page.evaluate(NAV_TEXT))
        page.wait_for_timeout(50)
    names = {line.splitlines()[-1] for nav in seen for line in nav}  # the text after the icon's
    assert set(PAGES) <= names and not names & {"app", "data", "map", "model", "traverse", "compare"}, names
    [response] = plotly  # loaded once for the page, from Streamlit's static route
    assert urlparse(response.url).path.startswith("/app/static/plotly-")
    headers = response.all_headers()
    assert headers.get("etag") and headers.get("last-modified") and response.status == 200


def test_enter_in_a_training_field_starts_no_training(page, server):
    page.goto(f"{server}/model")
    page.get_by_role("heading", name="Model", exact=True).wait_for(timeout=90_000)
    field = page.get_by_role("spinbutton", name="Epochs")
    field.wait_for(timeout=90_000)
    field.fill("3")
    field.press("Enter")
    page.wait_for_timeout(2_000)  # a submitted form reruns the page within a few hundred ms
    assert page.get_by_role("button", name="Cancel training").count() == 0
    assert page.locator(".st-key-training").count() == 0
    assert page.get_by_role("button", name="Start training").is_enabled()


def labelled_faces() -> bytes:
    """40 16x16 images labelled person_30 … person_39, as the Olivetti faces' labels are named."""
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    labels = np.array([f"person_{30 + k % 10}" for k in range(40)])
    np.savez(buffer, images=rng.integers(0, 256, (40, 16, 16), dtype=np.uint8), labels=labels)
    return buffer.getvalue()


def test_preview_captions_stay_on_one_line_and_a_refused_model_leaves_the_picker_empty(page, server):
    page.goto(f"{server}/data")
    page.get_by_role("heading", name="Data").wait_for(timeout=90_000)  # a fresh server first loads the engine
    page.locator(".st-key-upload_data input[type=file]").set_input_files(
        {"name": "faces.npz", "mimeType": "application/octet-stream", "buffer": labelled_faces()}
    )
    page.get_by_text(re.compile(r"'faces\.npz' \(40 images\) is now the active dataset")).wait_for(timeout=60_000)
    captions = page.locator("[data-testid=stImageCaption]")
    captions.first.wait_for()
    lines = captions.evaluate_all(  # each caption's height in lines of its text
        "(cs) => cs.map((c) => [c.innerText, c.getBoundingClientRect().height / "
        "parseFloat(getComputedStyle(c).lineHeight)])"
    )
    person = [(text, height) for text, height in lines if text.startswith("person_")]
    assert len(person) == 40 and all(height < 1.5 for _, height in person), person

    go_to(page, "Model")  # no model takes 16x16 images: the picker shows '(none)' ...
    picker = page.get_by_role("combobox", name="Active model")
    picker.wait_for(timeout=60_000)
    page.get_by_text("No active model").first.wait_for()
    picker.click()
    page.get_by_role("option", name=re.compile(r"^digits \(shipped\)")).click()  # ... and stays so when one is refused
    page.get_by_text(re.compile(r"Model 'digits \(shipped\)' takes 8x8 px, grey images")).wait_for(timeout=30_000)
    page.wait_for_timeout(1_000)
    box = page.locator("[data-testid=stSelectbox]").filter(has_text="Active model")
    shown = box.evaluate(  # the box's text, and the value and placeholder of its search input
        "(b) => [b.innerText, ...[...b.querySelectorAll('input')].flatMap((i) => [i.value, i.placeholder])].join(' | ')"
    )
    assert "digits (shipped)" not in shown and "(none)" in shown, shown


def test_a_deep_links_only_404s_are_the_frontends_probes_of_its_own_path(page, server):
    missing = []
    page.on("response", lambda r: missing.append(urlparse(r.url).path) if r.status == 404 else None)
    page.goto(f"{server}/traverse")
    page.get_by_role("heading", name="Traverse").wait_for(timeout=60_000)
    go_to(page, "Data")
    # Streamlit's frontend cannot tell a page name from a server.baseUrlPath, so it first probes /traverse/ as the
    # server's base (health and host-config), then /, where it connects: two 404s and a 100 ms retry, no more.
    assert set(missing) <= {"/traverse/_stcore/health", "/traverse/_stcore/host-config"}, missing
