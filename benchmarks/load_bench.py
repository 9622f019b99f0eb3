"""Click latency under load: N sessions click map points while M sessions train; one JSON line.

Starts the app (ui.server.start_server) on the built-in digits map with the shipped model, in temporary library,
upload and cache folders. The sessions are driven (benchmarks/load_drivers.py) in headless Chromium (Debian's
chromium, a browser context each) or over a plain websocket (benchmarks/ws_client.py: Streamlit's own messages,
no rendering): `--client` for the clickers, `--trainer` for the trainings (default: as --client). For each
configuration N+M (`--configs 1+0,4+0,4+2`), run in turn `--rounds` times (the machine is shared: interleaved rounds
see the same background load):

  - M sessions open the Model page, submit the training form with 1000 epochs and answer the page's auto-reruns;
    they are cancelled at the end;
  - N sessions open the Map page (asking once for the hover sprite, as the map does) and each clicks up to
    `--clicks` points (in a browser, isolated ones: no other point within 8 px), `--pause` seconds apart, all at
    once, for at most `--seconds` seconds.

A click's latency: in a browser, from the pointerdown event to the decoded image loaded (taken in the page, as in
ui_bench); over the websocket, from sending the click to both /media images of the decoded panel fetched. After
each click the session checks that the panel's title names the clicked image ('Image #i'); a title naming another
image counts as a wrong image. Every 0.5 s (psutil) the server's RSS, its worker processes' RSS together, how many
workers there are and how many are busy (a quarter of a core or more) are sampled; the server process's CPU time
over the clicking is reported per click. At the end a training is started once more and the server gets SIGTERM:
the seconds until it exits and any worker process or session/jobs folder it left behind are reported.

`--check` first runs 1+0 with a browser clicker and then 1+0 with a websocket clicker clicking the same points, and
compares one point click's BackMsg from each (every field but the point, the workspace token and the cached
messages' hashes): how the websocket driver is checked against the browser.

The browsers run on the same cores as the server. `--nice-clients N` lowers their priority (the output says so) so
that they compete less with the server they measure; the workers run at ui.workers.WORKER_NICE anyway.

Reports per round and configuration: click_ms p50/p95/max/n, timeouts, wrong images, trainings running, server CPU
per click, the peak server and workers RSS and worker counts, the 1-minute load average before and after; per round
the ratio of the last configuration's p95 to the first's (4+2 over 1+0 by default) and their median; the same
ratio over every round's clicks pooled (a p95 of 60 clicks moves less than one of 20); the SIGTERM
stop; the machine's load averages at the start and the end (other work on it slows every figure).

Run: .venv/bin/python benchmarks/load_bench.py [--configs 1+0,4+0,4+2] [--rounds 3] [--client ws|browser]
     [--trainer ws|browser] [--check] [--clicks 20] [--seconds 120] [--nice-clients 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psutil
from load_drivers import DRIVERS, POINT_CLICK  # benchmarks/load_drivers.py and stats.py, beside this script
from stats import log, summary

from ui.server import start_server, stop_server, worker_processes

SERVER_START_S = 180
SAMPLE_S = 0.5  # the sampler's interval
BUSY_SHARE = 0.25  # a worker that used this share of a core over an interval counts as busy


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
                workers = worker_processes(self.process.pid)
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


def cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
        return times.user + times.system
    except psutil.Error:
        return 0.0


async def run_config(clients, trainers, url: str, server, sampler, n: int, m: int, args, seed: int, planned=None):
    """One configuration: m training sessions started, then n sessions clicking at once; its row of figures and
    the points each clicker clicked. `planned`: per clicker, the points to click (replaying another run's)."""
    log(f"configuration {n}+{m} ({clients.name} clickers, {trainers.name} trainers): opening sessions …")
    maps = await asyncio.gather(*(clients.open_map(url) for _ in range(n)))
    trainings = await asyncio.gather(*(trainers.start_training(url) for _ in range(m)))
    sampler.reset()
    deadline = time.monotonic() + args.seconds
    load_before, cpu_before, started = os.getloadavg()[0], cpu_seconds(server), time.monotonic()
    results = await asyncio.gather(
        *(
            clients.clicker(handle, args.clicks, args.pause, deadline, random.Random(seed + k), planned and planned[k])
            for k, handle in enumerate(maps)
        )
    )
    took, server_cpu = time.monotonic() - started, cpu_seconds(server) - cpu_before
    running_at_end = sum([await trainers.training_running(handle) for handle, _ in trainings], start=0)
    await asyncio.gather(*(trainers.cancel_training(handle) for handle, _ in trainings))
    await asyncio.sleep(1)  # the cancel's run
    for handle in maps:
        await clients.close(handle)
    for handle, _ in trainings:
        await trainers.close(handle)
    latencies = [ms for r in results for ms in r["latencies"]]
    wrong = [w for r in results for w in r["wrong"]]
    clicks = sum(len(r["clicked"]) for r in results)
    row = {
        "config": f"{n}+{m}",
        "clients": clients.name,
        "trainers": trainers.name if m else None,
        "click_ms": summary(latencies, None),
        "timeouts": sum(r["timeouts"] for r in results),
        "wrong_images": len(wrong),
        "wrong_examples": wrong[:5],
        "trainings_started": sum(s for _, s in trainings),
        "trainings_running_at_end": running_at_end,
        "seconds": round(took, 1),
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_ms_per_click": round(1000 * server_cpu / clicks, 1) if clicks else None,
        "server_rss_mib": round(sampler.server_mib),
        "workers_rss_mib": round(sampler.workers_mib),
        "most_worker_processes": sampler.most_workers,
        "most_busy_workers": sampler.most_busy,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    log(json.dumps(row))
    return row, [r["clicked"] for r in results], latencies


def replay_check(browser_page, ws_handle) -> dict:
    """Compare the browser's first point-click BackMsg with the websocket client's: every field but the clicked
    point (index, x, y, its number and map instance), the sheet request's nonce, the workspace token in the query
    string and the cached messages' hashes."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    def point_value(name: str, value):  # the clicked point's own fields: compared by type, the others by value
        if name == "events":  # the map's latest events (one here: the first click)
            return [{k: point_value(k, v) for k, v in event.items()} for event in value]
        return type(value).__name__ if name in ("index", "x", "y", "seq", "from") else value

    def normalised(raw: bytes | BackMsg) -> dict:
        message = raw if isinstance(raw, BackMsg) else BackMsg.FromString(raw)
        rerun = message.rerun_script
        widgets = {}
        for state in rerun.widget_states.widgets:
            kind = state.WhichOneof("value")
            value = getattr(state, kind)
            if kind == "json_trigger_value":
                payload = json.loads(value)
                value = [{**p, "value": {k: point_value(k, v) for k, v in p["value"].items()}} for p in payload]
            elif kind == "json_value" and '"nonce"' in value:  # the map's state: the sheet asked for, with a nonce
                sheet = json.loads(value).get("sheet")
                value = {"sheet": {**sheet, "nonce": type(sheet.get("nonce")).__name__}} if sheet else value
            widgets[state.id] = (kind, str(value))
        return {
            "query_keys": sorted(part.split("=")[0] for part in rerun.query_string.split("&")),
            "widgets": widgets,
            "page_script_hash": rerun.page_script_hash,
            "fragment_id": rerun.fragment_id,
            "is_auto_rerun": rerun.is_auto_rerun,
            "cached_message_hashes": len(rerun.cached_message_hashes),
        }

    if not browser_page.sent_clicks:
        return {"compared": False, "why": "the browser sent no point click"}
    clicks = [m for m in ws_handle["session"].sent if POINT_CLICK in m.SerializeToString()]
    browser, ws = normalised(browser_page.sent_clicks[0]), normalised(clicks[0])
    return {
        "compared": True,
        "same": {key: browser[key] == ws[key] for key in browser},
        "browser_widget_states": len(browser["widgets"]),
        "ws_widget_states": len(ws["widgets"]),
        "differences": {key: [browser[key], ws[key]] for key in browser if browser[key] != ws[key]},
    }


async def stop_during_training(trainers, url: str, process, uploads: Path) -> dict:
    """SIGTERM while a training runs: seconds until the server exits, and what it left (workers, folders)."""
    handle, started = await trainers.start_training(url)
    if started:
        await trainers.wait_epoch(handle)
    workers = worker_processes(process.pid)
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.to_thread(process.wait, 30)
    except subprocess.TimeoutExpired:
        process.kill()
    took = time.monotonic() - began
    try:
        await trainers.close(handle)
    except Exception:  # noqa: BLE001 - the server is gone; the session's connection with it
        pass
    return {
        "training_running": started,
        "stop_s": round(took, 2),
        "workers_left": sum(worker.is_running() and worker.status() != psutil.STATUS_ZOMBIE for worker in workers),
        "folders_left": len(list(uploads.glob("session-*")) + list(uploads.glob("jobs-*"))),
    }


async def driver_check(drivers, url, server, sampler, args) -> dict:
    """1+0 with a browser clicker, then 1+0 with a websocket clicker clicking the same points; the replay check."""
    browser_row, clicked, _ = await run_config(
        drivers["browser"], drivers["browser"], url, server, sampler, 1, 0, args, 7
    )
    ws_row, _, _ = await run_config(drivers["ws"], drivers["ws"], url, server, sampler, 1, 0, args, 7, planned=clicked)
    browser, ws = drivers["browser"], drivers["ws"]
    index = clicked[0][0] if clicked[0] else 0
    try:
        handle = await browser.open_map(url)
        ws_handle = await ws.open_map(url)
        await browser.clicker(handle, 1, 0.1, time.monotonic() + 60, random.Random(0), planned=[index])
        await ws.clicker(ws_handle, 1, 0.1, time.monotonic() + 60, random.Random(0), planned=[index])
        check = replay_check(handle[1], ws_handle)
        await browser.close(handle)
        await ws.close(ws_handle)
    except Exception as error:  # noqa: BLE001 - a check that could not run is reported; the rounds still run
        check = {"compared": False, "why": repr(error)[:300]}
    return {"browser_1+0": browser_row, "ws_1+0_same_clicks": ws_row, "same_message": check}


def pooled_ratio(pooled: dict[str, list[float]]) -> float | None:
    """The last configuration's p95 over the first's, each over all rounds' clicks."""
    values = list(pooled.values())
    if len(values) < 2:
        return None
    first, last = summary(values[0], None)["p95"], summary(values[-1], None)["p95"]
    return round(last / first, 2) if first and last else None


def ratio(rows: list[dict]) -> float | None:
    first, last = rows[0]["click_ms"]["p95"], rows[-1]["click_ms"]["p95"]
    return round(last / first, 2) if first and last else None


async def bench(args) -> dict:
    from playwright.async_api import async_playwright

    configs = [tuple(int(v) for v in c.split("+")) for c in args.configs.split(",")]
    work = Path(tempfile.mkdtemp(prefix="latent-load-bench-"))
    env = {
        "LATENT_EXPLORER_HOME": str(work / "home"),
        "LATENT_EXPLORER_UPLOADS": str(work / "uploads"),
        "LATENT_EXPLORER_CACHE": str(work / "cache"),
    }
    rounds, check, pooled = [], None, {}
    load_start = [round(v, 2) for v in os.getloadavg()]
    with open(work / "server.log", "w") as server_log:
        url, process = start_server(server_log, env=env, timeout=SERVER_START_S)
        server = psutil.Process(process.pid)
        sampler = MemorySampler(process.pid)
        sampler.start()
        try:
            async with async_playwright() as playwright:
                drivers = {name: driver(playwright) for name, driver in DRIVERS.items()}
                needed = {args.client, args.trainer} | ({"browser", "ws"} if args.check else set())
                for name in needed:
                    await drivers[name].start()
                reniced = renice_clients(args.nice_clients) if args.nice_clients else 0
                clients, trainers = drivers[args.client], drivers[args.trainer]
                try:
                    # Warm up: imports, the codes, the PCA map and its hover atlas (a worker job: a session that
                    # closes cancels its jobs, so the warm-up waits for the map to stop polling)
                    handle = await clients.open_map(url)
                    await clients.settle(handle)
                    await clients.close(handle)
                    if args.check:
                        check = await driver_check(drivers, url, server, sampler, args)
                        log(f"driver check: {json.dumps(check)}")
                    for r in range(args.rounds):
                        rows = []
                        for k, (n, m) in enumerate(configs):
                            row, _, latencies = await run_config(
                                clients, trainers, url, server, sampler, n, m, args, 100 * k
                            )
                            rows.append(row)
                            pooled.setdefault(row["config"], []).extend(latencies)
                        rounds.append({"round": r + 1, "configs": rows, "p95_ratio": ratio(rows)})
                    stopped = await stop_during_training(trainers, url, process, work / "uploads")
                    log(f"SIGTERM during a training: {json.dumps(stopped)}")
                finally:
                    for name in needed:
                        await drivers[name].stop()
        finally:
            sampler.stop_event.set()
            if process.poll() is None:
                stop_server(process)
    ratios = [r["p95_ratio"] for r in rounds if r["p95_ratio"] is not None]
    names = f"{rounds[0]['configs'][-1]['config']} / {rounds[0]['configs'][0]['config']}" if rounds else ""
    return {
        "benchmark": "load",
        "dataset": "digits (built-in, shipped model)",
        "client": args.client,
        "trainer": args.trainer,
        "clicks_per_session": args.clicks,
        "pause_s": args.pause,
        "clients_nice": args.nice_clients,
        "client_processes_reniced": reniced,
        "load_average_1_5_15": {"start": load_start, "end": [round(v, 2) for v in os.getloadavg()]},
        "driver_check": check,
        "rounds": rounds,
        "p95_ratio": {names: {"per_round": ratios, "median": statistics.median(ratios) if ratios else None}},
        # Every round's clicks together: a p95 of 60 clicks (1+0, 3 rounds) moves less than one of 20.
        "pooled_click_ms": {config: summary(values, None) for config, values in pooled.items()},
        "pooled_p95_ratio": {names: pooled_ratio(pooled)},
        "sigterm_during_training": stopped,
        "server_log": str(work / "server.log"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="1+0,4+0,4+2", help="clicking+training sessions, comma-separated")
    parser.add_argument("--rounds", type=int, default=1, help="run the configurations in turn this many times")
    parser.add_argument("--client", choices=["browser", "ws"], default="browser", help="what drives the clickers")
    parser.add_argument("--trainer", choices=["browser", "ws"], default=None, help="what drives the trainings")
    parser.add_argument(
        "--check", action="store_true", help="first 1+0 with a browser and 1+0 over a websocket, the same clicks"
    )
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
    args.trainer = args.trainer or args.client
    print(json.dumps(asyncio.run(bench(args))))


if __name__ == "__main__":
    main()
