"""Click latency under load: N headless Chromium sessions click map points while M sessions train; one JSON line.

Starts the app (ui.server.start_server) on the built-in digits map with the shipped model, in temporary library,
upload and cache folders. One Playwright browser (Debian's chromium) holds a context per session. For each
configuration N+M (`--configs 1+0,4+0,4+2`):

  - M sessions open the Model page, set 1000 epochs and start a training; they are cancelled at the end;
  - N sessions open the Map page and each clicks up to `--clicks` isolated points (no other point within 8 px, so
    the click cannot land on a neighbour), `--pause` seconds apart, all at once, for at most `--seconds` seconds.

A click's latency is taken in the page, from the pointerdown event to the decoded image loaded (as in ui_bench).
After each click the session checks that the decoded panel's title names the clicked image ('Image #i'); a title
naming another image (after a grace of 3 s for the title to follow the picture) counts as a wrong image.
Every 0.5 s (psutil) the server's RSS, its worker processes' RSS together, how many workers there are and how many
are busy (a quarter of a core or more: the cap, LATENT_EXPLORER_JOBS, default cores - 1, holds when at most that many
are) are sampled. At the end a training is started once more and the server gets SIGTERM: the seconds until it exits
and any worker process or session/jobs folder it left behind are reported.

The browsers run on the same cores as the server. `--nice-clients N` lowers their priority (the output says so) so
that they compete less with the server they measure; the workers run at ui.workers.WORKER_NICE anyway.

Reports per configuration: click_ms p50/p95/max/n, timeouts, wrong images, trainings running, the peak server
and workers RSS and worker counts; the ratio of the last configuration's p95 to the first's (4+2 over 1+0 by
default); the SIGTERM stop; and the machine's load average at the end (other work on it slows every figure).

Run: .venv/bin/python benchmarks/load_bench.py [--configs 1+0,4+0,4+2] [--clicks 20] [--seconds 120] [--nice-clients 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psutil
from stats import log, summary  # benchmarks/stats.py, beside this script

from ui.server import CHROMIUM, CHROMIUM_ARGS, chromium_path, start_server, stop_server

SERVER_START_S = 180
SAMPLE_S = 0.5  # the sampler's interval
BUSY_SHARE = 0.25  # a worker that used this share of a core over an interval counts as busy
VIEWPORT = {"width": 1440, "height": 1000}
DECODED = ".st-key-decoded img"
TITLE = re.compile(r"Image #(\d+)")
EPOCHS = "1000"
# In-page timing and map geometry, as in benchmarks/ui_bench.py.
INSTALL_TIMER = """() => { window.__bench = {start: 0};
  document.addEventListener('pointerdown', () => { window.__bench.start = performance.now(); }, true); }"""
IMAGE_CHANGED = """([selector, before]) => { const img = document.querySelector(selector);
  if (img === null || img.src === before || !img.complete || img.naturalWidth === 0) return false;
  window.__bench.end = performance.now(); return true; }"""
MAP_STATE = "document.querySelector('.lm-root').__latentMap"
ISOLATED_POINTS = f"""() => {{ const s = {MAP_STATE};
  const xa = s.gd._fullLayout.xaxis, ya = s.gd._fullLayout.yaxis, b = s.gd.getBoundingClientRect();
  const px = Array.from(s.p.x, (v) => xa.l2p(v)), py = Array.from(s.p.y, (v) => ya.l2p(v)); const out = [];
  for (let i = 0; i < px.length; i++) {{
    if (px[i] < 10 || py[i] < 10 || px[i] > xa._length - 10 || py[i] > ya._length - 10) continue;
    let alone = true;
    for (let j = 0; j < px.length && alone; j++) alone = j === i || (px[i] - px[j]) ** 2 + (py[i] - py[j]) ** 2 > 64;
    if (alone) out.push([i, b.left + xa._offset + px[i], b.top + ya._offset + py[i]]); }}
  return out; }}"""
DECODED_SRC = "(s) => { const i = document.querySelector(s); return i ? i.src : ''; }"
DECODED_TITLE = "() => { const d = document.querySelector('.st-key-decoded'); return d ? d.innerText : ''; }"


def is_worker(process: psutil.Process) -> bool:
    """A spawned job worker (ui.workers), not multiprocessing's resource tracker."""
    try:
        return "spawn_main" in " ".join(process.cmdline())
    except psutil.Error:
        return False


class MemorySampler(threading.Thread):
    """Every 0.5 s: peak RSS (MiB) of the server process and of its workers together, the most worker processes and
    the most busy ones (a worker that used a quarter of a core over the interval) at once."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process, self.stop_event = psutil.Process(pid), threading.Event()
        self.server_mib = self.workers_mib = 0.0
        self.most_workers = self.most_busy = 0
        self._cpu: dict[int, float] = {}

    def run(self) -> None:
        while not self.stop_event.wait(SAMPLE_S):
            try:
                server = self.process.memory_info().rss
                workers = [child for child in self.process.children() if is_worker(child)]
                rss, cpu = 0, {}
                for worker in workers:
                    rss += worker.memory_info().rss
                    times = worker.cpu_times()
                    cpu[worker.pid] = times.user + times.system
            except psutil.Error:
                continue
            busy = sum(cpu[pid] - self._cpu.get(pid, cpu[pid]) >= BUSY_SHARE * SAMPLE_S for pid in cpu)
            self._cpu = cpu
            self.server_mib = max(self.server_mib, server / 2**20)
            self.workers_mib = max(self.workers_mib, rss / 2**20)
            self.most_workers = max(self.most_workers, len(workers))
            self.most_busy = max(self.most_busy, busy)

    def reset(self) -> None:
        self.server_mib = self.workers_mib = 0.0
        self.most_workers = self.most_busy = 0


def renice_clients(nice: int) -> int:
    """Lower the priority of this benchmark's Chromium processes (their later children inherit it); how many."""
    count = 0
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name().lower():
                child.nice(nice)
                count += 1
        except psutil.Error:
            continue
    return count


async def open_map(browser, url: str):
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    page.set_default_timeout(120_000)
    await page.goto(url)
    await page.wait_for_selector(".lm-root[data-ready=true]")
    await page.evaluate(INSTALL_TIMER)
    return context, page


async def start_training(browser, url: str):
    """A session on the Model page with a 1000-epoch training started; returns (context, page, started)."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    page.set_default_timeout(120_000)
    await page.goto(f"{url}/model")
    await page.get_by_role("heading", name="Model", exact=True).wait_for()
    field = page.get_by_role("spinbutton", name="Epochs")
    await field.fill(EPOCHS)
    await field.press("Tab")
    await page.get_by_role("button", name="Start training").click()
    try:  # running (its epochs counting) or waiting in line for a worker: either way Cancel is offered
        await page.locator(".st-key-cancel_training").first.wait_for(timeout=60_000)
        started = True
    except Exception:  # noqa: BLE001 - a training that never showed up is reported, not fatal
        started = False
    return context, page, started


async def cancel_training(page) -> None:
    try:
        await page.locator(".st-key-cancel_training button").first.click(timeout=10_000)
    except Exception:  # noqa: BLE001 - finished or gone already
        pass


async def clicker(page, clicks: int, pause: float, deadline: float, rng: random.Random) -> dict:
    """Click isolated points until `clicks` are done or `deadline` passes; latencies and wrong images."""
    points = await page.evaluate(ISOLATED_POINTS)
    latencies, wrong, timeouts, last = [], [], 0, None
    for _ in range(clicks):
        if time.monotonic() > deadline:
            break
        index, x, y = rng.choice([p for p in points if p[0] != last] or points)
        before = await page.evaluate(DECODED_SRC, DECODED)
        await page.mouse.click(x, y)
        try:
            await page.wait_for_function(IMAGE_CHANGED, arg=[DECODED, before], polling="raf", timeout=30_000)
        except Exception:  # noqa: BLE001 - an unanswered click is counted, and the session goes on
            timeouts += 1
            continue
        latencies.append(await page.evaluate("() => window.__bench.end - window.__bench.start"))
        shown = TITLE.search(await page.evaluate(DECODED_TITLE))
        if not shown or int(shown.group(1)) != index:  # the title may follow the picture by a moment
            await page.wait_for_timeout(3_000)
            shown = TITLE.search(await page.evaluate(DECODED_TITLE))
            if not shown or int(shown.group(1)) != index:
                wrong.append((index, shown.group(1) if shown else None))
        last = index
        await page.wait_for_timeout(pause * 1000 * (0.5 + rng.random()))
    return {"latencies": latencies, "wrong": wrong, "timeouts": timeouts}


async def run_config(browser, url: str, sampler: MemorySampler, n: int, m: int, args, seed: int) -> dict:
    log(f"configuration {n}+{m}: opening {n} map sessions and {m} training sessions …")
    maps = await asyncio.gather(*(open_map(browser, url) for _ in range(n)))
    trainings = await asyncio.gather(*(start_training(browser, url) for _ in range(m)))
    sampler.reset()
    deadline = time.monotonic() + args.seconds
    started = time.monotonic()
    results = await asyncio.gather(
        *(clicker(page, args.clicks, args.pause, deadline, random.Random(seed + k)) for k, (_, page) in enumerate(maps))
    )
    took = time.monotonic() - started
    running_at_end = sum(
        [await page.locator(".st-key-cancel_training").count() > 0 for _, page, _ in trainings], start=0
    )
    await asyncio.gather(*(cancel_training(page) for _, page, _ in trainings))
    for context, *_ in [*maps, *trainings]:
        await context.close()
    latencies = [ms for r in results for ms in r["latencies"]]
    wrong = [w for r in results for w in r["wrong"]]
    row = {
        "config": f"{n}+{m}",
        "click_ms": summary(latencies, None),
        "timeouts": sum(r["timeouts"] for r in results),
        "wrong_images": len(wrong),
        "wrong_examples": wrong[:5],
        "trainings_started": sum(s for *_, s in trainings),
        "trainings_running_at_end": running_at_end,
        "seconds": round(took, 1),
        "server_rss_mib": round(sampler.server_mib),
        "workers_rss_mib": round(sampler.workers_mib),
        "most_worker_processes": sampler.most_workers,
        "most_busy_workers": sampler.most_busy,
    }
    log(json.dumps(row))
    return row


async def stop_during_training(browser, url: str, process, uploads: Path) -> dict:
    """SIGTERM while a training runs: seconds until the server exits, and what it left (workers, folders)."""
    context, page, started = await start_training(browser, url)
    if started:
        await page.get_by_text(re.compile(rf"Epoch \d+/{EPOCHS}")).first.wait_for(timeout=120_000)
    workers = [child for child in psutil.Process(process.pid).children() if is_worker(child)]
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.to_thread(process.wait, 30)
    except subprocess.TimeoutExpired:
        process.kill()
    took = time.monotonic() - began
    await context.close()
    return {
        "training_running": started,
        "stop_s": round(took, 2),
        "workers_left": sum(worker.is_running() and worker.status() != psutil.STATUS_ZOMBIE for worker in workers),
        "folders_left": len(list(uploads.glob("session-*")) + list(uploads.glob("jobs-*"))),
    }


async def bench(args) -> dict:
    from playwright.async_api import async_playwright

    configs = [tuple(int(v) for v in c.split("+")) for c in args.configs.split(",")]
    work = Path(tempfile.mkdtemp(prefix="latent-load-bench-"))
    env = {
        "LATENT_EXPLORER_HOME": str(work / "home"),
        "LATENT_EXPLORER_UPLOADS": str(work / "uploads"),
        "LATENT_EXPLORER_CACHE": str(work / "cache"),
    }
    rows = []
    with open(work / "server.log", "w") as server_log:
        url, process = start_server(server_log, env=env, timeout=SERVER_START_S)
        sampler = MemorySampler(process.pid)
        sampler.start()
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=chromium_path() or CHROMIUM, args=CHROMIUM_ARGS
                )
                reniced = renice_clients(args.nice_clients) if args.nice_clients else 0
                try:
                    context, _ = await open_map(browser, url)  # warm up: imports, the codes, the PCA map
                    await context.close()
                    for k, (n, m) in enumerate(configs):
                        rows.append(await run_config(browser, url, sampler, n, m, args, seed=100 * k))
                    stopped = await stop_during_training(browser, url, process, work / "uploads")
                    log(f"SIGTERM during a training: {json.dumps(stopped)}")
                finally:
                    await browser.close()
        finally:
            sampler.stop_event.set()
            if process.poll() is None:
                stop_server(process)
    first, last = rows[0]["click_ms"]["p95"], rows[-1]["click_ms"]["p95"]
    return {
        "benchmark": "load",
        "dataset": "digits (built-in, shipped model)",
        "clicks_per_session": args.clicks,
        "pause_s": args.pause,
        "clients_nice": args.nice_clients,
        "client_processes_reniced": reniced,
        "load_average_1_5_15": [round(v, 2) for v in os.getloadavg()],
        "configs": rows,
        "sigterm_during_training": stopped,
        "p95_ratio": {
            f"{rows[-1]['config']} / {rows[0]['config']}": round(last / first, 2) if first and last else None
        },
        "server_log": str(work / "server.log"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="1+0,4+0,4+2", help="clicking+training sessions, comma-separated")
    parser.add_argument("--clicks", type=int, default=20, help="clicks per clicking session")
    parser.add_argument("--pause", type=float, default=0.5, help="mean seconds between one session's clicks")
    parser.add_argument("--seconds", type=float, default=120, help="at most this long clicking per configuration")
    parser.add_argument(
        "--nice-clients",
        type=int,
        default=0,
        help="run the benchmark's own Chromium at this lower priority (nice), so that on a small machine the clients "
        "compete less with the server they measure (0: not reniced)",
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args))))


if __name__ == "__main__":
    main()
