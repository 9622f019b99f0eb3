"""Server CPU per click and slider step, and per in-process job at its size threshold; prints one JSON line.

The issue's goal: no script run does more than about 50 ms of CPU for a click or a slider step. The server is
started through this script (`--serve`), which times every script run (Streamlit's exec_func_with_error_handling:
the widget callbacks and the page) with time.thread_time (the script thread's CPU) and time.process_time (the whole
process's, which adds torch's worker threads and the event loop sending the result; nothing else runs then), and
appends a line per run to a file. A headless Chromium then, in one session:

  - clicks `--clicks` map points and as many empty spots, and
  - moves a Traverse slider `--slides` steps with the arrow keys,

each action until the decoded image has changed and no script run has started for SETTLE_S (a slider step that
decodes the same pixels: until UNCHANGED_S without a run),

on the built-in digits map (1,797 points, shipped model) and on the 10,000-image MNIST test set
(../shared/data/mnist, offered through LATENT_EXPLORER_DATASET as ui_bench does, with a 1-epoch model trained here).
A click may run the script more than once (the page, then a fragment): each run and each click's total are reported.

In this process it also times the work that ui/projections.py and ui/resources.py keep in the server process below
their thresholds: a PCA of IN_PROCESS['pca'] code values and anomaly scores of IN_PROCESS_PIXELS pixel values, with
the server's thread settings (none: torch and BLAS use every core), CPU and wall time.

Run: .venv/bin/python benchmarks/click_cpu_bench.py [--clicks 20] [--slides 20] [--maps digits,mnist]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

from stats import log, summary  # benchmarks/stats.py, beside this script
from ui_bench import DECODED, EMPTY_SPOTS, MAP_STATE, MNIST, POINT_XY, train_model

from ui.server import CHROMIUM, CHROMIUM_ARGS, chromium_path, start_server, stop_server

GOAL_MS = 50
SERVER_START_S = 180
SETTLE_S = 0.4  # a click's script runs are over once none has started for this long
UNCHANGED_S = 1.0  # ... or this long, when the decoded image did not change
RUNS_LOG = "CLICK_CPU_RUNS"  # environment: the file the served app appends its script runs to


def serve(argv: list[str]) -> None:
    """Run Streamlit's command line with every script run timed into $CLICK_CPU_RUNS (one JSON line per run)."""
    from streamlit.runtime.scriptrunner import script_runner

    path, lock = os.environ[RUNS_LOG], threading.Lock()
    run = script_runner.exec_func_with_error_handling

    def timed(func, ctx):
        wall, thread, process = time.perf_counter(), time.thread_time(), time.process_time()
        try:
            return run(func, ctx)
        finally:
            row = {
                "thread_ms": round(1000 * (time.thread_time() - thread), 2),
                "process_ms": round(1000 * (time.process_time() - process), 2),
                "wall_ms": round(1000 * (time.perf_counter() - wall), 2),
                "fragment": bool(ctx.fragment_ids_this_run),
            }
            with lock, open(path, "a") as runs:
                runs.write(json.dumps(row) + "\n")

    script_runner.exec_func_with_error_handling = timed
    from streamlit.web.cli import main

    sys.argv = ["streamlit", *argv]
    main()


def read_runs(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def act(page, path: Path, action) -> list[dict]:
    """Do `action` (a real input event) and return the script runs it caused: done once the decoded image has
    changed and no run has started for SETTLE_S, or (a slider step that decodes the same pixels again) once a run
    was seen and none has started for UNCHANGED_S."""
    src = "(s) => { const i = document.querySelector(s); return i && i.complete ? i.src : ''; }"
    before = page.evaluate(src, DECODED)
    seen = len(read_runs(path))
    action()
    count, quiet_since, deadline = seen, time.monotonic(), time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = len(read_runs(path))
        if now != count:
            count, quiet_since = now, time.monotonic()
        quiet = time.monotonic() - quiet_since
        changed = page.evaluate(src, DECODED) not in ("", before)
        if count > seen and ((changed and quiet >= SETTLE_S) or quiet >= UNCHANGED_S):
            break
    else:
        raise TimeoutError("no script run answered the action within 30 s")
    return read_runs(path)[seen:]


def clicks(page, path: Path, count: int, rng: random.Random) -> tuple[list[list[dict]], list[list[dict]]]:
    n = page.evaluate(f"() => {MAP_STATE}.data.n")
    spots = page.evaluate(EMPTY_SPOTS)
    points, spaces, last = [], [], None
    for _ in range(count):
        while True:
            xy = page.evaluate(POINT_XY, rng.randrange(n))
            if last is None or abs(xy[0] - last[0]) + abs(xy[1] - last[1]) > 20:
                break
        points.append(act(page, path, partial(page.mouse.click, *xy)))
        last = xy
        if spots:
            spaces.append(act(page, path, partial(page.mouse.click, *rng.choice(spots))))
    return points, spaces


def slides(page, path: Path, count: int) -> list[list[dict]]:
    page.locator(".st-key-traversal input[type=range]").first.focus()
    return [
        act(page, path, partial(page.keyboard.press, "ArrowRight" if (k // 10) % 2 == 0 else "ArrowLeft"))
        for k in range(count)
    ]


def figures(actions: list[list[dict]]) -> dict:
    """Per script run and per action (all its runs): CPU of the script thread and of the process, in ms."""
    runs = [run for action in actions for run in action]
    return {
        "actions": len(actions),
        "runs_per_action": round(len(runs) / max(1, len(actions)), 2),
        "run_thread_cpu_ms": summary([r["thread_ms"] for r in runs]),
        "run_process_cpu_ms": summary([r["process_ms"] for r in runs]),
        "action_process_cpu_ms": summary([sum(r["process_ms"] for r in action) for action in actions]),
        "runs_over_goal": sum(r["process_ms"] > GOAL_MS for r in runs),
    }


def measure_map(browser, name: str, env: dict, work: Path, args) -> dict:
    path = work / f"runs-{name}.jsonl"
    launcher = [sys.executable, str(Path(__file__).resolve()), "--serve"]
    with open(work / f"server-{name}.log", "w") as server_log:
        url, process = start_server(
            server_log, env=env | {RUNS_LOG: str(path)}, timeout=SERVER_START_S, launcher=launcher
        )
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(url)
            page.wait_for_selector(".lm-root[data-ready=true]", timeout=120_000)
            points = page.evaluate(f"() => {MAP_STATE}.data.n")
            page.wait_for_timeout(1000)  # anything the first drawing started (scores for the colours) ends
            point_runs, space_runs = clicks(page, path, args.clicks, random.Random(0))
            page.goto(f"{url}/traverse")
            page.wait_for_selector(".st-key-traversal " + DECODED)
            page.wait_for_timeout(1000)
            slider_runs = slides(page, path, args.slides)
            page.close()
        finally:
            stop_server(process)
    row = {
        "map": name,
        "points": points,
        "point_click": figures(point_runs),
        "empty_click": figures(space_runs),
        "slider_step": figures(slider_runs),
    }
    log(json.dumps(row))
    return row


def in_process(model_dir: Path) -> dict:
    """CPU and wall ms of the in-process work at its thresholds, with the server's (default) thread settings."""
    import numpy as np

    import latent_core
    from latent_core.analysis import anomaly_scores
    from latent_core.projection import fit_projection
    from ui.projections import IN_PROCESS
    from ui.resources import IN_PROCESS_PIXELS

    def timed(work, repeat: int = 3) -> dict:
        work()  # warm: imports, first calls
        cpu, wall = [], []
        for _ in range(repeat):
            c, w = time.process_time(), time.perf_counter()
            work()
            cpu.append(1000 * (time.process_time() - c))
            wall.append(1000 * (time.perf_counter() - w))
        return {"cpu_ms": round(min(cpu), 1), "wall_ms": round(min(wall), 1)}

    rng = np.random.default_rng(0)
    import torch

    out = {
        "pca_threshold_values": IN_PROCESS["pca"],
        "scores_threshold_pixels": IN_PROCESS_PIXELS,
        "torch_threads": torch.get_num_threads(),
    }
    for n, d in ((1797, 16), (10_000, 16), (IN_PROCESS["pca"] // 64, 64)):
        codes = rng.normal(size=(n, d)).astype(np.float32)
        out[f"pca_{n}x{d}"] = timed(partial(fit_projection, codes, method="pca", dims=2, seed=0, cache=False))
    mnist_model, mnist = latent_core.load_model(str(model_dir)), latent_core.load_dataset(str(MNIST)).images
    digits_model, digits = latent_core.load_model("digits"), latent_core.load_dataset("digits").images
    for name, model, images in (("mnist", mnist_model, mnist), ("digits", digits_model, digits)):
        at_threshold = IN_PROCESS_PIXELS // images[0].size
        out[f"scores_{name}_{at_threshold}_images_at_threshold"] = timed(
            partial(anomaly_scores, model, images[:at_threshold])
        )
    out["scores_digits_1797_images_all"] = timed(partial(anomaly_scores, digits_model, digits))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=20, help="point clicks (and as many empty-space clicks)")
    parser.add_argument("--slides", type=int, default=20, help="Traverse slider steps")
    parser.add_argument("--maps", default="digits,mnist", help="digits and/or mnist, comma-separated")
    parser.add_argument("--model", type=Path, help="a checkpoint folder for 28x28 images (default: train one)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="latent-click-cpu-"))
    model = args.model or work / "model"
    if args.model is None:
        train_model(model)
    base = {
        "LATENT_EXPLORER_HOME": str(work / "home"),
        "LATENT_EXPLORER_UPLOADS": str(work / "uploads"),
        "LATENT_EXPLORER_CACHE": str(work / "cache"),
    }
    envs = {
        "digits": base,
        "mnist": base | {"LATENT_EXPLORER_DATASET": str(MNIST), "LATENT_EXPLORER_MODEL": str(model)},
    }
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path() or CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name in args.maps.split(","):
                rows.append(measure_map(browser, name, envs[name], work, args))
        finally:
            browser.close()
    worst = max(
        (
            row[kind]["run_process_cpu_ms"]["max"] or 0
            for row in rows
            for kind in ("point_click", "empty_click", "slider_step")
        ),
        default=None,
    )
    print(
        json.dumps(
            {
                "benchmark": "click_cpu",
                "goal_ms_per_run": GOAL_MS,
                "maps": rows,
                "worst_run_process_cpu_ms": worst,
                "in_process": in_process(model),
                "work": str(work),
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2:])
    else:
        main()
