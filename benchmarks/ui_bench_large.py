"""ui_bench's 100,000-point case: the map of 100,000 images in a real headless Chromium; prints one JSON line.

The dataset is the MNIST test set (../shared/data/mnist) tiled 10 times, each copy with its own pixel noise
(N(0, 8) grey levels), written as an .npz in a temporary folder; the model is a 1-epoch 28x28 VAE trained on the
10,000 originals (or --model DIR). The app starts on them (LATENT_EXPLORER_DATASET / LATENT_EXPLORER_MODEL) and
the browser measures, with timestamps taken in the page:

  start_to_map_s   server process start -> first map drawn (encoding the 100,000 images included)
  draw_ms          the map's data in the page -> its first frame drawn (the component's data-draw-ms): goal <= 3000
  click_ms         click on a point or on empty space -> decoded image shown                  goal p50 <= 250
                   (the next click at once; click_paused_ms: --pause seconds after each image, as a person would)
                   (click_preview_ms: -> the page's instant preview in the panel, for clicks that had one)
  select_ms        end of a box selection -> the interpolation strip through its waypoints shown

Run: .venv/bin/python benchmarks/ui_bench_large.py [--clicks 30] [--selections 4] [--model DIR] [--pause 0.5]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from pathlib import Path

import numpy as np
from stats import log, summary  # benchmarks/stats.py, beside this script
from ui_bench import INSTALL_TIMER, MAP_STATE, MNIST, SERVER_START_S, measure_clicks, timed, train_model

from ui.server import CHROMIUM, CHROMIUM_ARGS, chromium_path, start_server, stop_server

COPIES, NOISE = 10, 8.0
GOALS = {"draw_ms": 3000, "click_p50_ms": 250}
SELECT_TIMER = """() => { window.__bench = {start: 0};
  document.addEventListener('pointerup', () => { window.__bench.start = performance.now(); }, true); }"""
STRIP_SHOWN = """() => { const box = document.querySelector('.st-key-interpolation');
  if (!box || !/images through \\d+ waypoints/.test(box.innerText)) return false;
  window.__bench.end = performance.now(); return true; }"""
PLOT_AREA = f"""() => {{ const gd = {MAP_STATE}.gd;
  const b = gd.getBoundingClientRect(), s = gd._fullLayout._size; return [b.left + s.l, b.top + s.t, s.w, s.h]; }}"""


def tiled_mnist(path: Path) -> int:
    """COPIES noisy copies of the MNIST test set as one .npz of images and labels; returns how many images."""
    import latent_core

    mnist = latent_core.load_dataset(str(MNIST))
    rng = np.random.default_rng(0)
    noisy = (mnist.images + rng.normal(0, NOISE, mnist.images.shape).astype(np.float32) for _ in range(COPIES))
    images = np.concatenate([np.clip(copy, 0, 255).astype(np.uint8) for copy in noisy])
    np.savez(path, images=images, labels=np.tile(mnist.labels, COPIES))
    return len(images)


def measure_selections(page, count: int, rng: random.Random) -> tuple[list[float], int]:
    """Box-select a random square of the plot `count` times: ms from the mouse's release to the interpolation strip
    shown, and how many selections got no strip within 30 s."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator(".lm-root .modebar-btn[data-val=select]").click()
    page.evaluate(SELECT_TIMER)
    results, unanswered = [], 0
    for _ in range(count):
        left, top, width, height = page.evaluate(PLOT_AREA)
        low = rng.uniform(0.25, 0.45)
        page.mouse.move(left + low * width, top + low * height)
        page.mouse.down()
        page.mouse.move(left + (low + 0.2) * width, top + (low + 0.2) * height, steps=8)
        try:
            results.append(timed(page, page.mouse.up, STRIP_SHOWN, None))
            page.get_by_role("button", name="Clear selection").click()
            page.get_by_text(re.compile(r"images through \d+ waypoints")).wait_for(state="detached")
        except PlaywrightTimeout:
            unanswered += 1
        page.wait_for_timeout(500)
    return results, unanswered


def measure_large_map(model: Path, work: Path, clicks: int, selections: int, pause: float = 0.5) -> dict:
    """The 100,000-point case: draw, clicks and box selections on a tiled MNIST map; the JSON block for it."""
    dataset = work / "mnist-tiled.npz"
    points = tiled_mnist(dataset)
    log(f"{points:,} tiled MNIST images in {dataset}")
    env = {
        "LATENT_EXPLORER_DATASET": str(dataset),
        "LATENT_EXPLORER_MODEL": str(model),
        "LATENT_EXPLORER_CACHE": str(work / "cache"),
    }
    from playwright.sync_api import sync_playwright

    rng = random.Random(0)
    with sync_playwright() as playwright, open(work / "server-large.log", "w") as server_log:
        browser = playwright.chromium.launch(executable_path=chromium_path() or CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        started = time.perf_counter()
        url, process = start_server(server_log, env=env, timeout=SERVER_START_S)
        try:
            page.goto(url)
            page.wait_for_selector(".lm-root[data-ready=true]", timeout=600_000)
            start_to_map = time.perf_counter() - started
            drawn = page.evaluate(f"() => [{MAP_STATE}.data.n, Number({MAP_STATE}.root.dataset.drawMs)]")
            log(f"first map ({drawn[0]:,} points) after {start_to_map:.1f} s, drawn {drawn[1]} ms after its data")
            page.evaluate(INSTALL_TIMER)
            point_ms, space_ms, preview_ms = measure_clicks(page, clicks, rng)
            log(f"clicks: p50 {summary(point_ms + space_ms)['p50']} ms")
            paused = measure_clicks(page, clicks, rng, pause_s=pause) if pause else ([], [], [])
            log(f"clicks {pause} s apart: p50 {summary(paused[0] + paused[1])['p50']} ms")
            select_ms, unanswered = measure_selections(page, selections, rng)
        finally:
            stop_server(process)
            browser.close()
    clicks_summary = summary(point_ms + space_ms)
    return {
        "map_points": drawn[0],
        "start_to_map_s": round(start_to_map, 2),
        "draw_ms": drawn[1],
        "click_ms": clicks_summary,
        "click_point_ms": summary(point_ms),
        "click_space_ms": summary(space_ms),
        "click_preview_ms": summary(preview_ms),  # the page's instant answer, where the click had one
        "click_paused_ms": summary(paused[0] + paused[1]),  # the same clicks, `pause` s after each image
        "click_paused_point_ms": summary(paused[0]),
        "click_paused_space_ms": summary(paused[1]),
        "pause_s": pause,
        "select_ms": summary(select_ms),
        "selections_unanswered": unanswered,
        "goals": GOALS,
        "meets_goals": {
            "draw": drawn[1] <= GOALS["draw_ms"],
            "click_p50": clicks_summary["p50"] is not None and clicks_summary["p50"] <= GOALS["click_p50_ms"],
            "click_paused_p50": bool(paused[0] + paused[1])
            and summary(paused[0] + paused[1])["p50"] <= GOALS["click_p50_ms"],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--selections", type=int, default=4)
    parser.add_argument("--model", type=Path, help="a checkpoint folder for 28x28 images (default: train one)")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between paused clicks (0: none)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="latent-ui-bench-large-"))
    model = args.model or work / "model"
    if args.model is None:
        train_model(model)
    result = {"benchmark": "ui_large_map", "dataset": f"mnist-test x{COPIES} with noise"}
    result |= measure_large_map(model, work, args.clicks, args.selections, args.pause)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
