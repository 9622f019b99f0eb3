"""UI latency in a real headless Chromium on a 10,000-point map of the MNIST test set; prints one JSON line.

Trains a 1-epoch 28x28 VAE on ../shared/data/mnist (or uses --model DIR), starts the app on
a free port with LATENT_EXPLORER_DATASET / LATENT_EXPLORER_MODEL pointing at them, and measures
in the browser (timestamps taken in the page, from the input event to the new image loaded):

  start_to_map_s     server process start -> first map drawn
  click_ms           click on a point or on empty space -> decoded image shown   (goal p50 <= 250, p95 <= 500)
  slider_ms          slider step -> new decoded image shown                       (goal p50 <= 250)
  page_switch_ms     sidebar link -> destination page drawn (the map for Map)     (goal <= 1000)

Run: .venv/bin/python benchmarks/ui_bench.py [--clicks 40] [--slides 20] [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

from stats import log, summary  # benchmarks/stats.py, beside this script

from ui.server import CHROMIUM, CHROMIUM_ARGS, REPO, chromium_path, start_server, stop_server

MNIST = REPO.parent / "shared" / "data" / "mnist"
SERVER_START_S = 120
GOALS = {
    "click_p50_ms": 250,
    "click_p95_ms": 500,
    "slider_p50_ms": 250,
    "start_to_map_s": 20,
    "page_switch_max_ms": 1000,
}

# In-page timing: the input event starts the clock; a poll on each animation frame stops it.
INSTALL_TIMER = """() => { window.__bench = {start: 0};
  for (const type of ['pointerdown', 'keydown'])
    document.addEventListener(type, () => { window.__bench.start = performance.now(); }, true); }"""
IMAGE_CHANGED = """([selector, before]) => { const img = document.querySelector(selector);
  if (img === null || img.src === before || !img.complete || img.naturalWidth === 0) return false;
  window.__bench.end = performance.now(); return true; }"""
PAGE_DRAWN = """([title, content]) => {
  const h = [...document.querySelectorAll('h1')].find((e) => e.innerText.trim() === title);
  if (!h || (content && !document.querySelector(content))) return false;
  window.__bench.end = performance.now(); return true; }"""
MAP_STATE = "document.querySelector('.lm-root').__latentMap"
POINT_XY = f"""(i) => {{ const s = {MAP_STATE};
  const xa = s.gd._fullLayout.xaxis, ya = s.gd._fullLayout.yaxis, b = s.gd.getBoundingClientRect();
  return [b.left + xa._offset + xa.l2p(s.p.x[i]), b.top + ya._offset + ya.l2p(s.p.y[i])]; }}"""
EMPTY_SPOTS = f"""() => {{ const s = {MAP_STATE};
  const xa = s.gd._fullLayout.xaxis, ya = s.gd._fullLayout.yaxis, b = s.gd.getBoundingClientRect();
  const px = Array.from(s.p.x, (v) => xa.l2p(v)), py = Array.from(s.p.y, (v) => ya.l2p(v)); const spots = [];
  for (let x = 10; x < xa._length - 10; x += 12) for (let y = 10; y < ya._length - 10; y += 12) {{
    let near = false; for (let i = 0; i < px.length && !near; i++) near = (px[i] - x) ** 2 + (py[i] - y) ** 2 < 400;
    if (!near) spots.push([b.left + xa._offset + x, b.top + ya._offset + y]); }}
  return spots; }}"""
DECODED = ".st-key-decoded img"


def train_model(directory: Path) -> None:
    import latent_core

    log(f"training a 1-epoch 28x28 VAE on {MNIST} …")
    dataset = latent_core.load_dataset(str(MNIST))
    latent_core.train_model(dataset, latent_dim=16, epochs=1, batch_size=128, seed=0).save(directory)


def timed(page, action, predicate: str, arg) -> float:
    """Run `action` (a real input event) and return ms from that event to `predicate` holding."""
    action()
    page.wait_for_function(predicate, arg=arg, polling="raf", timeout=30_000)
    return page.evaluate("() => window.__bench.end - window.__bench.start")


def measure_clicks(page, count: int, rng: random.Random) -> tuple[list[float], list[float]]:
    n = page.evaluate(f"() => {MAP_STATE}.data.n")
    spots = page.evaluate(EMPTY_SPOTS)
    points, spaces, last = [], [], None
    for k in range(count):
        before = page.evaluate("(s) => { const i = document.querySelector(s); return i ? i.src : ''; }", DECODED)
        if k % 2 == 0 or not spots:
            while True:
                xy = page.evaluate(POINT_XY, rng.randrange(n))
                if last is None or abs(xy[0] - last[0]) + abs(xy[1] - last[1]) > 20:
                    break
            points.append(timed(page, partial(page.mouse.click, *xy), IMAGE_CHANGED, [DECODED, before]))
        else:
            xy = rng.choice(spots)
            spaces.append(timed(page, partial(page.mouse.click, *xy), IMAGE_CHANGED, [DECODED, before]))
        last = xy
    return points, spaces


def measure_slider(page, count: int) -> list[float]:
    thumb = page.locator(".st-key-traversal input[type=range]").first
    thumb.focus()
    results = []
    for k in range(count):
        before = page.evaluate("(s) => document.querySelector(s).src", DECODED)
        key = "ArrowRight" if (k // 10) % 2 == 0 else "ArrowLeft"
        results.append(timed(page, partial(page.keyboard.press, key), IMAGE_CHANGED, [DECODED, before]))
    return results


def measure_page_switches(page, rounds: int) -> dict[str, list[float]]:
    """From the Traverse page round the sidebar: Model, Data, Map
    (until the map is drawn), Traverse (until its image is)."""
    route = [
        ("Model", "Model", None),
        ("Data", "Data", None),
        ("Map", "Latent map", ".lm-root[data-ready=true]"),
        ("Traverse", "Traverse", ".st-key-traversal " + DECODED),
    ]
    results = {link: [] for link, _, _ in route}
    for _ in range(rounds):
        for link, title, content in route:
            nav = page.locator("[data-testid=stSidebarNav]").get_by_text(link, exact=True)
            results[link].append(timed(page, nav.click, PAGE_DRAWN, [title, content]))
            page.wait_for_timeout(300)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=40)
    parser.add_argument("--slides", type=int, default=20)
    parser.add_argument("--switch-rounds", type=int, default=3)
    parser.add_argument(
        "--model", type=Path, help="a checkpoint folder for 28x28 images (default: train one for 1 epoch)"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="latent-ui-bench-"))
    model = args.model or work / "model"
    if args.model is None:
        train_model(model)
    rng = random.Random(0)
    env = {
        "LATENT_EXPLORER_DATASET": str(MNIST),
        "LATENT_EXPLORER_MODEL": str(model),
        "LATENT_EXPLORER_CACHE": str(work / "cache"),
    }
    with sync_playwright() as playwright, open(work / "server.log", "w") as server_log:
        browser = playwright.chromium.launch(executable_path=chromium_path() or CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        started = time.perf_counter()
        url, process = start_server(server_log, env=env, timeout=SERVER_START_S)
        try:
            page.goto(url)
            page.wait_for_selector(".lm-root[data-ready=true]", timeout=120_000)
            start_to_map = time.perf_counter() - started
            points = page.evaluate(f"() => {MAP_STATE}.data.n")
            log(f"first map ({points} points) after {start_to_map:.1f} s")
            page.evaluate(INSTALL_TIMER)
            point_ms, space_ms = measure_clicks(page, args.clicks, rng)
            log(
                f"clicks: points p50 {statistics.median(point_ms):.0f} ms, "
                f"empty space p50 {statistics.median(space_ms):.0f} ms"
            )
            page.goto(f"{url}/traverse")
            page.wait_for_selector(".st-key-traversal " + DECODED)
            page.evaluate(INSTALL_TIMER)
            slider_ms = measure_slider(page, args.slides)
            log(f"slider p50 {statistics.median(slider_ms):.0f} ms")
            switch_ms = measure_page_switches(page, args.switch_rounds)
        finally:
            stop_server(process)
            browser.close()
    clicks = summary(point_ms + space_ms)
    result = {
        "benchmark": "ui",
        "dataset": "mnist-test",
        "map_points": points,
        "start_to_map_s": round(start_to_map, 2),
        "click_ms": clicks,
        "click_point_ms": summary(point_ms),
        "click_space_ms": summary(space_ms),
        "slider_ms": summary(slider_ms),
        "page_switch_ms": summary(sum(switch_ms.values(), [])),
        "page_switch_ms_by_page": {link: [round(v) for v in values] for link, values in switch_ms.items()},
        "goals": GOALS,
    }
    result["meets_goals"] = {
        "click_p50": clicks["p50"] <= GOALS["click_p50_ms"],
        "click_p95": clicks["p95"] <= GOALS["click_p95_ms"],
        "slider_p50": result["slider_ms"]["p50"] <= GOALS["slider_p50_ms"],
        "start_to_map": start_to_map <= GOALS["start_to_map_s"],
        "page_switch": result["page_switch_ms"]["max"] <= GOALS["page_switch_max_ms"],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
