"""How the map is drawn, in Chromium: the clicked 3D point's marker, the decoded grid's square cells and its legend,
no console errors while a projection's progress bar replaces the map, and 40 classes in 40 distinct colours with a
legend clear of the x axis's title. One server with its own projection cache, so that the t-SNE fit really runs."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import ARTIFACTS, SERVER_START_S
from tests.e2e.e2e_helpers import MAP_READY, find_3d_point, open_map
from tests.e2e.test_e2e_uploads import go_to, open_data_page
from ui.map_view import GRID_CELLS
from ui.server import start_server, stop_server

pytestmark = pytest.mark.e2e

MAP_STATE = "document.querySelector('.lm-root').__latentMap"
PROBE_RED = np.array([0xDC, 0x26, 0x26])  # the arrow at the clicked 3D point (render.js)
PEOPLE = 40


@pytest.fixture(scope="module")
def render_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("render")
    env = {"LATENT_EXPLORER_CACHE": str(home / "cache"), "LATENT_EXPLORER_HOME": str(home / "home")}
    with open(ARTIFACTS / "server-map-render.log", "w") as log:
        url, process = start_server(log, env=env, timeout=SERVER_START_S)
        yield url
        stop_server(process)


def red_pixels(page) -> int:
    """How many pixels of the map's area have the 3D click marker's red."""
    shot = np.asarray(Image.open(io.BytesIO(page.locator(".lm-root").screenshot())).convert("RGB")).astype(int)
    return int((np.abs(shot - PROBE_RED) <= [20, 25, 25]).all(axis=-1).sum())


def drawn_within(condition, page, seconds: float) -> bool:
    """Whether `condition()` holds within `seconds` (WebGL without a GPU can take seconds a frame on a busy machine)."""
    for _ in range(int(seconds * 2)):
        if condition():
            return True
        page.wait_for_timeout(500)
    return condition()


def test_a_clicked_3d_point_is_marked_and_stays_marked(page, render_server, artifacts):
    errors = []  # an arrow set inside plotly's click handling re-reported the click until the stack overflowed
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_map(page, render_server, "?dims=3")
    assert red_pixels(page) == 0
    spot = find_3d_point(page)
    assert spot is not None, "no point of the 3D map answered a hover"
    page.mouse.click(*spot)
    title = page.locator(".st-key-decoded").get_by_text(re.compile(r"^Image #\d+"))
    title.wait_for(timeout=30_000)
    page.mouse.move(5, 5)  # no hover thumbnail over the marker
    marker = f"""() => {{ const s = {MAP_STATE}, a = s.gd._fullLayout.scene.annotations;
      if (a.length !== 1) return [a.length, null];
      const i = s.p.x.findIndex((x, k) => x === a[0].x && s.p.y[k] === a[0].y && s.p.z[k] === a[0].z);
      return [a.length, i < 0 ? null : s.p.ids[i]]; }}"""
    arrow_drawn = f"""() => {{ const s = {MAP_STATE}, scene = s.gd._fullLayout.scene;
      return s.root.dataset.ready === 'true' && scene !== undefined && scene.annotations.length > 0; }}"""
    page.wait_for_function(arrow_drawn, timeout=30_000)
    count, image_id = page.evaluate(marker)
    assert count == 1
    assert title.inner_text().startswith(f"Image #{image_id}")  # the arrow points at the point the panel shows
    assert drawn_within(lambda: red_pixels(page) > 20, page, 15), "the arrow is drawn"

    go_to(page, "Data")  # the map leaves the page and comes back: the marker is kept
    go_to(page, "Map")
    page.wait_for_selector(MAP_READY, timeout=60_000)
    assert page.evaluate(marker) == [count, image_id]
    page.locator(".lm-root").screenshot(path=artifacts / "map-3d-clicked.png")
    assert errors == []


def test_the_decoded_grid_has_square_cells_and_says_what_faded_cells_mean(page, render_server, artifacts):
    open_map(page, render_server)
    page.locator(".st-key-map_grid label").first.click()
    page.wait_for_function(f"() => {MAP_STATE}.data.grid && {MAP_STATE}.root.dataset.ready === 'true'", timeout=60_000)
    page.wait_for_function(f"() => {MAP_STATE}.gd._fullLayout.images.length === 1")
    cell = f"""(cells) => {{ const s = {MAP_STATE}, g = s.data.grid, L = s.gd._fullLayout;
      const w = Math.abs(L.xaxis.l2p(g.x1) - L.xaxis.l2p(g.x0)), h = Math.abs(L.yaxis.l2p(g.y1) - L.yaxis.l2p(g.y0));
      return [w / cells, h / cells]; }}"""
    width, height = page.evaluate(cell, GRID_CELLS)
    assert width > 10 and abs(width / height - 1) < 0.02, f"a cell is {width:.1f} x {height:.1f} px on screen"
    legend = page.locator(".lm-root .annotation-text").text_content()
    assert "faded cells are far from the data" in legend and "confidence is low" in legend
    page.locator(".lm-root").screenshot(path=artifacts / "map-grid.png")


def test_no_console_errors_while_a_projection_replaces_the_map(page, render_server):
    """The map leaves the page for a t-SNE fit's progress bar (cancelled), then for UMAP's: before the fix, the
    map's ResizeObserver resized the plot taken off the page and plotly refused ('Resize must be passed a displayed
    plot div element')."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_map(page, render_server, "?dataset=shapes")
    for method in ("t-SNE", "UMAP"):
        page.get_by_role("radio", name=method).click()
        page.get_by_text("Projecting 12,000 codes").first.wait_for(timeout=60_000)
        assert page.locator(".lm-root").count() == 0, "the progress bar stands in the map's place"
        page.wait_for_timeout(3_000)  # progress reruns, while the map is off the page
        page.get_by_role("button", name="Cancel").click()
        try:
            page.wait_for_selector(MAP_READY, timeout=60_000)  # back to the PCA map
        finally:
            page.screenshot(path=ARTIFACTS / "map-after-cancel.png", full_page=True)
        page.wait_for_timeout(1_000)
    assert [e for e in errors if "Resize must be passed" in e] == []
    assert errors == []


def people_npz() -> bytes:
    """400 vectors of 8 values in 40 labelled clusters ('person_0' … 'person_39')."""
    rng = np.random.default_rng(4)
    labels = np.arange(400) % PEOPLE
    vectors = rng.normal(0, 6, (PEOPLE, 8))[labels] + rng.normal(0, 1, (400, 8))
    buffer = io.BytesIO()
    names = np.array([f"person_{k}" for k in range(PEOPLE)])
    np.savez(buffer, vectors=vectors.astype(np.float32), labels=labels, label_names=names)
    return buffer.getvalue()


def test_forty_classes_get_forty_distinct_colours_and_a_legend_clear_of_the_axis(page, render_server, artifacts):
    open_data_page(page, render_server)
    page.get_by_text("Embeddings (vectors)").click()
    page.locator(".st-key-upload_data input[type=file]").set_input_files(
        {"name": "people.npz", "mimeType": "application/octet-stream", "buffer": people_npz()}
    )
    page.get_by_text("'people.npz' (400 vectors) is now the active dataset").wait_for(timeout=60_000)
    go_to(page, "Map")
    page.wait_for_selector(MAP_READY, timeout=60_000)
    colours = page.evaluate(
        f"() => {MAP_STATE}.gd._fullData.filter((t) => t.showlegend !== false).map((t) => [t.name, t.marker.color])"
    )
    assert len(colours) == PEOPLE and len({c for _, c in colours}) == PEOPLE
    rgb = np.array([[int(c[k : k + 2], 16) for k in (1, 3, 5)] for _, c in colours], dtype=float)
    closest = min(np.linalg.norm(rgb[i] - rgb[j]) for i in range(PEOPLE) for j in range(i))
    assert closest > 20, f"two classes' colours are only {closest:.0f} apart in RGB"
    overlap = """() => { const a = document.querySelector('.lm-root .legend').getBoundingClientRect();
      const b = document.querySelector('.lm-root .g-xtitle').getBoundingClientRect();
      return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; }"""
    assert page.evaluate(overlap) is False
    page.locator(".lm-root").screenshot(path=artifacts / "map-40-classes.png")
