"""The density layer in Chromium: 150,000 uploaded vectors draw 100,000 dots at once, then, under them, the density of
all 150,000 (a layout image below the WebGL points); a wheel zoom brings the layer of the visible range without
redrawing the points or losing the zoom, and a double-click goes back to the whole map's layer."""

from __future__ import annotations

import time

import pytest

from tests.e2e.e2e_helpers import MAP_READY, upload_clustered_vectors

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROWS, DIM, CLASSES = 150_000, 16, 10
DENSITY = """() => { const s = document.querySelector('.lm-root').__latentMap;
  const image = (s.gd.layout.images || []).find((i) => i.name === 'density');
  const element = Array.from(document.querySelectorAll('.lm-root .imagelayer image')).find((e) =>
    (e.getAttribute('href') || e.getAttribute('xlink:href') || '') === (image && image.source));
  const gl = document.querySelector('.lm-root .gl-container canvas');
  return { src: image ? image.source : null, revision: s.revision, x: s.gd._fullLayout.xaxis.range.slice(),
    drawn: element !== undefined,  // in the SVG that lies under the WebGL canvas of the dots
    below: element !== undefined && gl !== null
      && Boolean(element.ownerSVGElement.compareDocumentPosition(gl) & Node.DOCUMENT_POSITION_FOLLOWING) }; }"""
# For 300 dots: the alpha of the layer's pixel under each (its own row is counted there), read from the layer's PNG.
ALPHA_UNDER_DOTS = """async () => { const s = document.querySelector('.lm-root').__latentMap, d = s.density;
  const img = new Image(); img.src = d.src; await img.decode();
  const canvas = document.createElement('canvas'); canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
  const pixels = ctx.getImageData(0, 0, img.width, img.height).data, out = [];
  for (let k = 0; k < s.data.n; k += Math.floor(s.data.n / 300)) {
    const fx = (s.p.x[k] - d.x0) / (d.x1 - d.x0), fy = (d.y1 - s.p.y[k]) / (d.y1 - d.y0);
    if (fx < 0 || fx >= 1 || fy < 0 || fy >= 1) continue;
    const col = Math.floor(fx * img.width), row = Math.floor(fy * img.height);
    out.push(pixels[(row * img.width + col) * 4 + 3]);
  }
  let painted = 0; for (let i = 3; i < pixels.length; i += 4) painted += pixels[i] > 0;
  return { under: out, painted }; }"""
# Frame intervals (ms) measured with requestAnimationFrame while the test turns the wheel.
WATCH_FRAMES = """() => { window.__frames = []; window.__marks = {}; let last = performance.now();
  const tick = (t) => { window.__frames.push([t, t - last]); last = t;
    if (window.__frames.length < 600) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const root = document.querySelector('.lm-root');
  new MutationObserver(() => { window.__marks[root.dataset.density] = performance.now(); })
    .observe(root, { attributes: true, attributeFilter: ['data-density'] });
  root.__latentMap.gd.on('plotly_relayout', (ev) => {
    if (Object.keys(ev).some((k) => k.startsWith('xaxis.'))) window.__marks.lastZoom = performance.now(); }); }"""


def test_150000_vectors_get_a_density_layer_under_the_dots_that_follows_the_zoom(server, page, artifacts):
    received = []  # the sizes of the server's websocket messages
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(len(frame))))
    upload_clustered_vectors(page, server, ROWS, seed=11, dim=DIM, classes=CLASSES)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Map").click()
    asked = time.monotonic()
    page.wait_for_selector(MAP_READY, timeout=180_000)
    dots = time.monotonic() - asked
    assert page.locator(".lm-root").get_attribute("data-points") == "100000"
    page.wait_for_selector(".lm-root[data-density=whole]", timeout=180_000)
    print(f"150,000 vectors: dots {dots:.1f} s, density layer {time.monotonic() - asked:.1f} s after opening the Map")
    page.get_by_text("100,000 of 150,000 vectors drawn as dots (an even sample)").wait_for(timeout=30_000)
    whole = page.evaluate(DENSITY)
    assert whole["src"].startswith("data:image/png") and whole["drawn"] and whole["below"], whole
    under = page.evaluate(ALPHA_UNDER_DOTS)
    assert under["painted"] > 1000 and len(under["under"]) > 250 and min(under["under"]) > 0, under
    page.screenshot(path=str(artifacts / "density-whole.png"))

    assert max(received) > 1_000_000  # the map's 100,000 points came in one message
    hidden = page.locator(".st-key-latent_map_density")
    assert hidden.count() == 1 and hidden.bounding_box() is None  # the layer's element takes no room on the page
    box = page.locator(".lm-root .nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    received.clear()
    turn_wheel(page)
    page.wait_for_function(
        "(before) => { const s = document.querySelector('.lm-root'); const m = s.__latentMap;"
        " const i = (m.gd.layout.images || []).find((x) => x.name === 'density');"
        " return s.dataset.density === 'zoomed' && i && i.source !== before; }",
        arg=whole["src"],
        timeout=60_000,
    )
    page.wait_for_timeout(1500)
    zooming, arriving, marks = frame_times(page)
    print(
        f"frame interval while wheel-zooming over the layer: p50 {zooming[len(zooming) // 2]:.0f} ms, "
        f"max {zooming[-1]:.0f} ms; longest frame after the zoom (the layer's request and arrival) {arriving:.0f} ms; "
        f"layer in place {marks['zoomed'] - marks['lastZoom']:.0f} ms after the last wheel step"
    )
    zoomed = page.evaluate(DENSITY)
    assert received and max(received) < 300_000, received  # the zoom's answer is the layer, not the points again
    asks = page.locator(".lm-root").get_attribute("data-density-asks")
    page.wait_for_timeout(1000)
    # Each pause of 250 ms in the zoom asks once (the WebGL redraw of a wheel step can take longer); then nothing more.
    assert int(asks) >= 1 and page.locator(".lm-root").get_attribute("data-density-asks") == asks
    assert zoomed["revision"] == whole["revision"]  # the points were not redrawn
    assert zoomed["x"][1] - zoomed["x"][0] < 0.9 * (whole["x"][1] - whole["x"][0])  # and the zoom stayed
    assert page.evaluate(ALPHA_UNDER_DOTS)["painted"] > 1000
    page.get_by_text("Zoomed in: it counts the").wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "density-zoomed.png"))

    page.mouse.dblclick(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.wait_for_selector(".lm-root[data-density=whole]", timeout=60_000)
    assert page.evaluate(DENSITY)["src"] == whole["src"]  # the whole map's layer again

    # For comparison, the same zoom with no layer on the map (taken off here; the zoom's request brings it back).
    page.evaluate("() => window.Plotly.relayout(document.querySelector('.lm-root').__latentMap.gd, { images: [] })")
    page.wait_for_timeout(500)
    turn_wheel(page)
    page.wait_for_timeout(300)
    zooming = frame_times(page)[0]
    print(f"... and with no layer: p50 {zooming[len(zooming) // 2]:.0f} ms, max {zooming[-1]:.0f} ms")


def turn_wheel(page) -> None:
    """Six wheel steps over the middle of the plot, 40 ms apart, with the page's frames watched (WATCH_FRAMES)."""
    page.evaluate(WATCH_FRAMES)
    for _ in range(6):
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(40)


def frame_times(page) -> tuple[list[float], float, dict]:
    """The sorted frame intervals (ms) up to the last wheel step's relayout, the longest frame after it, and the
    marks (when each layer was put in place)."""
    frames, marks = page.evaluate("() => [window.__frames.slice(1), window.__marks]")
    zooming = sorted(dt for t, dt in frames if t <= marks["lastZoom"] + 20)
    after = max((dt for t, dt in frames if t > marks["lastZoom"] + 20), default=0)
    return zooming, after, marks
