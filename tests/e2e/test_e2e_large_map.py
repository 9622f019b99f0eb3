"""The app opens a 200,000-row map Parquet (LATENT_EXPLORER_MAP), draws its density and sampled points, and decodes
a click, in Chromium. The map is made by the real pipeline (project_to_parquet) from a codes Parquet written here."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

import latent_core
from latent_core.datasets.shapes import make_shapes
from latent_core.distributed import ClusterConfig, project_to_parquet
from latent_core.distributed.encode import checkpoint_path, codes_schema
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
