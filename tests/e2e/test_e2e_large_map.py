"""Large maps in Chromium. The app opens a 200,000-row map Parquet (LATENT_EXPLORER_MAP), draws its density and sampled
points, and decodes a click; the map is made by the real pipeline (project_to_parquet) from a codes Parquet written
here. And a map of 100,000 uploaded vectors draws, answers a click and maps a box selection to the right rows."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

import latent_core
from latent_core.datasets.shapes import make_shapes
from latent_core.distributed import ClusterConfig, project_to_parquet
from latent_core.distributed.encode import checkpoint_path, codes_schema
from tests.e2e.e2e_helpers import MAP_READY, select_box, upload_clustered_vectors
from ui.server import start_server, stop_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROWS, IMAGES = 200_000, 50
CHART = ".stPlotlyChart .js-plotly-plot"
DECODED = ".st-key-large_decoded img"
# Page coordinates of the first sampled dot (trace 1), from plotly's axis functions.
DOT_XY = """(selector) => { const gd = document.querySelector(selector); const t = gd._fullData[1];
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(t.x[0]), box.top + ya._offset + ya.l2p(t.y[0])]; }"""


@pytest.fixture(scope="module")
def large_map(tmp_path_factory):
    """200,000 codes of 50 shapes images plus noise, their folder of PNGs, and the PCA map fitted on 50,000."""
    root = tmp_path_factory.mktemp("large")
    shapes = make_shapes(IMAGES, seed=3)
    folder = root / "images"
    folder.mkdir()
    for i, image in enumerate(shapes.images):
        Image.fromarray(image[..., 0]).save(folder / f"{i:02d}.png")
    model = latent_core.load_model("shapes")
    rows = np.arange(ROWS)
    codes = model.encode(shapes.images)[rows % IMAGES] + np.random.default_rng(0).normal(0, 0.05, (ROWS, 10))
    meta = {
        "kind": "codes",
        "model": str(checkpoint_path("shapes")),
        "model_name": "shapes",
        "latent_dim": 10,
        "image_shape": [32, 32, 1],
        "data": {"path": str(folder), "kind": "folder", "count": IMAGES, "label_names": None},
    }
    columns = [
        pa.array(rows),
        pa.array([f"{i % IMAGES:02d}.png" for i in rows]),
        pa.array(shapes.labels[rows % IMAGES]),
    ]
    columns += [pa.array(codes[:, i].astype(np.float32)) for i in range(10)]
    pq.write_table(
        pa.Table.from_arrays(columns, schema=codes_schema(10, meta)), root / "codes.parquet", row_group_size=50_000
    )
    out = root / "map.parquet"
    project_to_parquet(root / "codes.parquet", out, latent_core.ProjectionConfig(), 50_000, ClusterConfig(workers=1))
    return out


@pytest.fixture(scope="module")
def large_server(large_map, artifacts):
    with open(artifacts / "server_large_map.log", "w") as log:
        url, process = start_server(log, env={"LATENT_EXPLORER_MAP": str(large_map)})
        yield url
        stop_server(process)


def test_large_map_draws_and_decodes_a_click(large_server, page, artifacts):
    page.goto(large_server)
    page.wait_for_selector(CHART, timeout=120_000)
    page.wait_for_function(
        "(s) => { const gd = document.querySelector(s); return gd && gd._fullData && gd._fullData.length === 2; }",
        arg=CHART,
    )
    assert page.get_by_text("200,000 images encoded by 'shapes'").is_visible()
    assert page.evaluate(f"() => document.querySelector('{CHART}')._fullData[1].x.length") == 20_000
    page.mouse.click(*page.evaluate(DOT_XY, CHART))
    page.wait_for_function("(s) => document.querySelectorAll(s).length === 2", arg=DECODED, timeout=60_000)
    page.wait_for_selector(".st-key-large_decoded >> text=Confidence of the inverse mapping")
    assert page.locator(".st-key-large_decoded").get_by_text("decoded here").is_visible()
    page.screenshot(path=str(artifacts / "large_map.png"))

    page.locator('[data-testid="stSidebarNav"] a[href$="/data"]').click()  # the same session: the choice is kept
    choice = page.locator(".st-key-large_map_choice")
    choice.get_by_text("200,000 images").wait_for()
    choice.get_by_text("Large map: map.parquet").click()
    page.wait_for_timeout(500)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Map").click()
    page.wait_for_selector(".lm-root", timeout=120_000)  # the dataset's own map again
    assert page.locator(CHART).count() == 0


POINTS, DIM, CLASSES = 100_000, 16, 10
# A point with no other within 12 px (found through a grid of 12 px buckets): its own page coordinates and map index.
LONE_POINT = """() => { const s = document.querySelector('.lm-root').__latentMap, gd = s.gd, cell = 12;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect(), buckets = new Map();
  const px = Array.from(s.p.x, (v) => xa.l2p(v)), py = Array.from(s.p.y, (v) => ya.l2p(v));
  const key = (gx, gy) => gx * 100000 + gy;
  px.forEach((x, i) => {
    const k = key(Math.floor(x / cell), Math.floor(py[i] / cell)); buckets.set(k, (buckets.get(k) || 0) + 1); });
  for (let i = 0; i < px.length; i++) {
    if (px[i] < cell || py[i] < cell || px[i] > xa._length - cell || py[i] > ya._length - cell) continue;
    const gx = Math.floor(px[i] / cell), gy = Math.floor(py[i] / cell); let near = 0;
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) near += buckets.get(key(gx + dx, gy + dy)) || 0;
    if (near === 1) return [box.left + xa._offset + px[i], box.top + ya._offset + py[i], s.p.ids[i]];
  }
  return null; }"""
# Every box selection's points, as the component maps them to dataset rows, checked against the box's range (to a
# thousandth of its size: plotly tests float32 positions against the range it reports).
WATCH_SELECTION = """() => { const s = document.querySelector('.lm-root').__latentMap;
  s.gd.on('plotly_selected', (ev) => { if (!ev || !ev.range) return;
    const [x0, x1] = ev.range.x.slice().sort((a, b) => a - b), [y0, y1] = ev.range.y.slice().sort((a, b) => a - b);
    const tx = (x1 - x0) / 1000, ty = (y1 - y0) / 1000;
    const rows = ev.points.map((pt) => s.owners[pt.curveNumber][pt.pointNumber]);
    const outside = rows.filter((i) => s.p.x[i] < x0 - tx || s.p.x[i] > x1 + tx
      || s.p.y[i] < y0 - ty || s.p.y[i] > y1 + ty);
    window.__selected = { count: rows.length, outside: outside.length, range: [x0, x1, y0, y1],
      first: outside.slice(0, 3).map((i) => [s.p.x[i], s.p.y[i]]) }; }); }"""


def test_a_100000_point_map_draws_answers_a_click_and_a_box_selection(server, page, artifacts):
    upload_clustered_vectors(page, server, POINTS, seed=7, dim=DIM, classes=CLASSES)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Map").click()
    page.wait_for_selector(MAP_READY, timeout=180_000)
    root = page.locator(".lm-root")
    assert root.get_attribute("data-points") == str(POINTS)
    traces = page.evaluate(
        "() => document.querySelector('.lm-root').__latentMap.gd._fullData.map((t) => [t.name, t.x.length])"
    )
    assert sum(n for _, n in traces[:CLASSES]) == POINTS  # one trace a class, every point in one
    print(f"100,000 points drawn {root.get_attribute('data-draw-ms')} ms after their data arrived")

    x, y, image_id = page.evaluate(LONE_POINT)
    page.mouse.click(x, y)
    page.locator(".st-key-decoded").get_by_text(re.compile(rf"^Vector #{image_id}\b")).wait_for(timeout=30_000)

    page.evaluate(WATCH_SELECTION)
    select_box(page, 0.3, 0.7)
    page.wait_for_function("() => window.__selected !== undefined", timeout=30_000)
    selected = page.evaluate("() => window.__selected")
    assert selected["count"] > 100 and selected["outside"] == 0, selected
    page.get_by_text("Interpolating between the selected points needs a model").wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "map-100000.png"))
