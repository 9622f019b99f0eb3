"""The first view in a real headless Chromium, on the app's default start (digits and the shipped model); one JSON line.

  start_to            server process start -> in the browser: Streamlit's own page list from pages/ ('app', 'data',
                      ...: raw_sidebar_s), the app's page list (sidebar_s), a spinner, the page's title, the map's
                      points (points_s: sketched while plotly.js loads, else the map), the interactive map (map_s)
  new_tab_to          the same for a new session in a new tab of the first browser (its HTTP cache holds plotly.js)
  new_session_to      the same for a new session in a new browser context (an empty cache) on the warm server
  warm_server         after the server's warm-up has ended (it logs one; at most --warm-up-wait s): --sessions new
                      sessions each in a new tab and in a new browser context, one after the other; the median and
                      each run of their map_s (load average beside it)
  first_switch_ms     the new session's first switch to each page (sidebar link -> its title, the map for Map)
  umap_s              the Map's UMAP button -> the UMAP drawn (--umap; after the server's warm-up has ended, when
                      the server logs one), in that new session

Every run has its own library and projection cache; numba's machine code goes to --numba-cache (default a new
folder: cold), so a second run with the same folder measures a warm numba cache.

Run: .venv/bin/python benchmarks/first_view_bench.py [--umap] [--numba-cache DIR] [--sessions N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from stats import log  # benchmarks/stats.py, beside this script

from ui.server import CHROMIUM, CHROMIUM_ARGS, chromium_path, start_server, stop_server

MAP_READY = ".lm-root[data-ready=true]"
PAGES = [  # sidebar link, the page's title, what else must be drawn
    ("Data", "Data", None),
    ("Model", "Model", None),
    ("Traverse", "Traverse", None),
    ("Compare", "Compare", None),
    ("Map", "Latent map", MAP_READY),
]
INSTALL_TIMER = """() => { window.__bench = {start: 0};
  document.addEventListener('pointerdown', () => { window.__bench.start = performance.now(); }, true); }"""
PAGE_DRAWN = """([title, content]) => {
  const h = [...document.querySelectorAll('h1')].find((e) => e.innerText.trim() === title);
  if (!h || (content && !document.querySelector(content))) return false;
  window.__bench.end = performance.now(); return true; }"""
NAV_TEXT = "() => [...document.querySelectorAll('[data-testid=stSidebarNav] a')].map((a) => a.innerText.trim())"
WARMED = "umap-learn warmed up"
RAW_NAV = {"app", "data", "map", "model", "traverse", "compare"}  # the page list Streamlit makes from pages/ itself


def first_view(page, url: str, started: float) -> dict:
    """Open the app; poll the page (every 50 ms) for its first raw page list, its own page list, a spinner, the
    page's title and the map; returns seconds from `started` to each (None: never seen)."""
    page.goto(url, wait_until="commit")
    seen = {"raw_sidebar_s": None, "sidebar_s": None, "spinner_s": None, "title_s": None, "points_s": None}
    while not page.query_selector(MAP_READY):
        now = round(time.perf_counter() - started, 2)
        nav = set(page.evaluate(NAV_TEXT))
        found = {
            "raw_sidebar_s": bool(nav & RAW_NAV),
            "sidebar_s": bool(nav) and not nav & RAW_NAV,
            "spinner_s": page.query_selector("[data-testid=stSpinner]") is not None,
            "title_s": page.query_selector("h1") is not None,
            "points_s": page.query_selector(".lm-sketch") is not None,  # sketched while plotly.js loads
        }
        for what, there in found.items():
            if there and seen[what] is None:
                seen[what] = now
        if time.perf_counter() - started > 300:
            raise TimeoutError("no map within 300 s")
        page.wait_for_timeout(50)
    done = round(time.perf_counter() - started, 2)
    return seen | {"points_s": seen["points_s"] or done, "map_s": done}  # no sketch: plotly.js was there already


def switches(page) -> dict:
    page.evaluate(INSTALL_TIMER)
    result = {}
    for link, title, content in PAGES:
        page.locator("[data-testid=stSidebarNav]").get_by_text(link, exact=True).click()
        page.wait_for_function(PAGE_DRAWN, arg=[title, content], polling="raf", timeout=60_000)
        result[link] = round(page.evaluate("() => window.__bench.end - window.__bench.start"))
        page.wait_for_timeout(300)
    return result


def wait_for_warm_up(log_path: Path, wait_s: float) -> list[str]:
    """Wait until the server logs that its warm-up has ended (at most wait_s); its log lines saying so."""
    waited = time.perf_counter()
    while WARMED not in log_path.read_text() and time.perf_counter() - waited < wait_s:
        time.sleep(0.5)
    return [line for line in log_path.read_text().splitlines() if WARMED in line]


def warm_server(browser, url: str, log_path: Path, wait_s: float, sessions: int) -> dict:
    """New sessions on the server once warmed up: map_s of each, in a new tab of one browser context (plotly.js
    cached after the first) and in a new context (an empty cache), with medians and the load average."""
    waited = time.perf_counter()
    warmed = bool(wait_for_warm_up(log_path, wait_s))
    result = {"warmed_up": warmed, "waited_s": round(time.perf_counter() - waited, 1), "load_1min": os.getloadavg()[0]}
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.new_page().goto(url)  # fills this context's cache with plotly.js
    for kind in ("new_tab", "new_context"):
        runs = []
        for _ in range(sessions):
            if kind == "new_tab":
                page = context.new_page()
            else:
                page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            runs.append(first_view(page, url, time.perf_counter()))
            page.context.close() if kind == "new_context" else page.close()
        result[kind] = {
            "median_points_s": round(statistics.median(r["points_s"] for r in runs), 2),
            "median_map_s": round(statistics.median(r["map_s"] for r in runs), 2),
            "points_s": [r["points_s"] for r in runs],
            "map_s": [r["map_s"] for r in runs],
        }
    context.close()
    return result


def umap_time(page, log_path: Path, wait_s: float) -> dict:
    waited = time.perf_counter()
    warm_up = wait_for_warm_up(log_path, wait_s)
    page.wait_for_selector(MAP_READY)
    started = time.perf_counter()
    page.locator(".st-key-map_method").get_by_text("UMAP", exact=True).click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.lm-root .xtitle')].some((e) => e.textContent.startsWith('UMAP'))",
        polling=100,
        timeout=300_000,
    )
    page.wait_for_selector(MAP_READY, timeout=300_000)
    return {
        "umap_s": round(time.perf_counter() - started, 2),
        "waited_for_warm_up_s": round(started - waited, 1),
        "warm_up_log": warm_up[-1].split("] ")[-1] if warm_up else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--umap", action="store_true", help="also time the first UMAP of the new session")
    parser.add_argument(
        "--numba-cache", help="numba's cache folder (default: a new one, cold; 'unset': numba's own, beside its code)"
    )
    parser.add_argument("--warm-up-wait", type=float, default=300, help="seconds to wait for the server's warm-up")
    parser.add_argument("--sessions", type=int, default=5, help="new sessions timed on the warmed-up server")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="latent-first-view-"))
    env = {
        "LATENT_EXPLORER_HOME": str(work / "home"),
        "LATENT_EXPLORER_CACHE": str(work / "cache"),
    }
    if args.numba_cache != "unset":
        env["NUMBA_CACHE_DIR"] = args.numba_cache or str(work / "numba")
    result = {"benchmark": "first_view", "numba_cache": args.numba_cache or "new"}
    log_path = work / "server.log"
    with sync_playwright() as playwright, open(log_path, "w") as server_log:
        browser = playwright.chromium.launch(executable_path=chromium_path() or CHROMIUM, args=CHROMIUM_ARGS)
        started = time.perf_counter()
        url, process = start_server(server_log, env=env, timeout=180)
        result["start_to_healthy_s"] = round(time.perf_counter() - started, 2)
        try:
            first_context = browser.new_context(viewport={"width": 1440, "height": 1000})
            first = first_context.new_page()
            result["start_to"] = first_view(first, url, started)
            log(f"first view: {result['start_to']}")
            tab = first_context.new_page()  # a new session in a browser that has been here: plotly.js in its cache
            began = time.perf_counter()
            result["new_tab_to"] = first_view(tab, url, began)
            log(f"new session in the same browser: {result['new_tab_to']}")
            tab.close()
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            began = time.perf_counter()
            result["new_session_to"] = first_view(page, url, began)
            log(f"new session: {result['new_session_to']}")
            result["first_switch_ms"] = switches(page)
            log(f"first switches: {result['first_switch_ms']}")
            if args.umap:
                result |= umap_time(page, log_path, args.warm_up_wait)
            result["warm_server"] = warm_server(browser, url, log_path, args.warm_up_wait, args.sessions)
            log(f"warm server: {result['warm_server']}")
        finally:
            stop_server(process)
            browser.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
