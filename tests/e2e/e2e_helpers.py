"""Browser-side helpers for the latent map: where points are on screen, and waiting for images."""

from __future__ import annotations

import io

import numpy as np

MAP_READY = ".lm-root[data-ready=true]"
DECODED_IMG = ".st-key-decoded img"

# Page coordinates of map point i (2D maps), from plotly's axis functions.
POINT_XY = """(i) => { const s = document.querySelector('.lm-root').__latentMap; const gd = s.gd;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(s.p.x[i]), box.top + ya._offset + ya.l2p(s.p.y[i])]; }"""

# The spot of the plot area farthest (in pixels) from every point: empty space to click on.
EMPTY_XY = """() => { const s = document.querySelector('.lm-root').__latentMap; const gd = s.gd;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  const px = Array.from(s.p.x, (v) => xa.l2p(v)), py = Array.from(s.p.y, (v) => ya.l2p(v));
  let best = null, bestD = -1;
  for (let gx = 0.05; gx < 1; gx += 0.05) for (let gy = 0.05; gy < 1; gy += 0.05) {
    const x = gx * xa._length, y = gy * ya._length; let d = Infinity;
    for (let i = 0; i < px.length; i++) d = Math.min(d, (px[i] - x) ** 2 + (py[i] - y) ** 2);
    if (d > bestD) { bestD = d; best = [x, y]; }
  }
  return [box.left + xa._offset + best[0], box.top + ya._offset + best[1]]; }"""

# The server's new image: a map click first shows the page's own preview in the decoded panel (a data: URL).
SRC_CHANGED = """([selector, before]) => { const img = document.querySelector(selector);
  return img !== null && img.src !== before && !img.src.startsWith('data:')
    && img.complete && img.naturalWidth > 0; }"""


def open_map(page, url: str, query: str = "") -> None:
    page.goto(f"{url}/{query}")
    page.wait_for_selector(MAP_READY, timeout=90_000)


def image_src(page, selector: str = DECODED_IMG) -> str:
    return page.evaluate("(s) => { const i = document.querySelector(s); return i ? i.src : ''; }", selector)


def wait_new_image(page, before: str, selector: str = DECODED_IMG, timeout: float = 30_000) -> None:
    page.wait_for_function(SRC_CHANGED, arg=[selector, before], timeout=timeout, polling="raf")


def click_point(page, index: int, shift: bool = False) -> None:
    x, y = page.evaluate(POINT_XY, index)
    if shift:
        page.keyboard.down("Shift")
    page.mouse.click(x, y)
    if shift:
        page.keyboard.up("Shift")


def click_empty(page) -> None:
    page.mouse.click(*page.evaluate(EMPTY_XY))


# The map index of the point farthest (in pixels) from its nearest neighbour: unambiguous to hover.
ISOLATED_POINT = """() => { const s = document.querySelector('.lm-root').__latentMap; const gd = s.gd;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const px = Array.from(s.p.x, (v) => xa.l2p(v)), py = Array.from(s.p.y, (v) => ya.l2p(v));
  let best = 0, bestD = -1;
  for (let i = 0; i < px.length; i++) { let d = Infinity;
    for (let j = 0; j < px.length; j++) if (j !== i) d = Math.min(d, (px[i] - px[j]) ** 2 + (py[i] - py[j]) ** 2);
    if (d > bestD) { bestD = d; best = i; } }
  return [best, s.p.ids[best]]; }"""


def find_3d_point(page):
    """Page coordinates where the 3D map reports a hovered point (found by moving over the scene), or None."""
    page.evaluate(
        "() => { window.__hovered = 0; document.querySelector('.lm-root').__latentMap.gd"
        ".on('plotly_hover', (ev) => { window.__hovered = ev.points.length; }); }"
    )
    box = page.locator(".lm-root").bounding_box()
    for fy in (0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65):
        for fx in (0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65):
            spot = (box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            page.mouse.move(*spot)
            page.wait_for_timeout(120)
            if page.evaluate("() => window.__hovered"):
                return spot
    return None


# The map's plot area on the page: [left, top, width, height].
PLOT_AREA = """() => { const gd = document.querySelector('.lm-root').__latentMap.gd;
  const b = gd.getBoundingClientRect(), s = gd._fullLayout._size; return [b.left + s.l, b.top + s.t, s.w, s.h]; }"""


def select_box(page, low: float, high: float) -> None:
    """Box-select the map from (low, low) to (high, high), as fractions of its plot area from the top left."""
    page.locator(".lm-root .modebar-btn[data-val=select]").first.click()  # the first map on the page
    left, top, width, height = page.evaluate(PLOT_AREA)
    page.mouse.move(left + low * width, top + low * height)
    page.mouse.down()
    page.mouse.move(left + high * width, top + high * height, steps=8)
    page.mouse.up()


def drag_slider(page, thumb, dx: float = 90) -> None:
    """Drag a slider's thumb `dx` pixels to the right, in small steps, as a hand would."""
    box = thumb.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=6)
    page.mouse.up()


def start_training(page, **numbers: str) -> None:
    """On the Model page: type each number into the field labelled by its name (Epochs="2"; underscores stand for
    spaces, e.g. Latent_dimensions="3"), then press Start training."""
    for name, value in numbers.items():
        field = page.get_by_role("spinbutton", name=name.replace("_", " "))
        field.fill(value)
        field.press("Tab")
    page.get_by_role("button", name="Start training").click()


def clustered_vectors_npz(rows: int, seed: int, dim: int = 16, classes: int = 10) -> bytes:
    """An embeddings upload: `rows` vectors of `dim` values in `classes` labelled Gaussian clusters, as .npz bytes."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, rows)
    vectors = rng.normal(0, 3, (classes, dim))[labels] + rng.normal(0, 1, (rows, dim))
    buffer = io.BytesIO()
    np.savez(buffer, vectors=vectors.astype(np.float32), labels=labels)
    return buffer.getvalue()


def upload_clustered_vectors(page, url: str, rows: int, seed: int, dim: int = 16, classes: int = 10) -> None:
    """On the Data page, upload clustered_vectors_npz(...) as embeddings, 'vectors.npz', and wait until it is the
    active dataset."""
    page.goto(f"{url}/data")
    page.get_by_role("heading", name="Data").wait_for(timeout=120_000)  # a fresh server's first page takes a while
    page.locator(".st-key-upload_data input[type=file]").wait_for(state="attached")
    page.get_by_text("Embeddings (vectors)").click()
    vectors = clustered_vectors_npz(rows, seed, dim, classes)
    page.locator(".st-key-upload_data input[type=file]").set_input_files(
        {"name": "vectors.npz", "mimeType": "application/octet-stream", "buffer": vectors}
    )
    page.get_by_text(f"'vectors.npz' ({rows:,} vectors) is now the active dataset").wait_for(timeout=120_000)
