"""A browser context closed during background work, against a real server with a short disconnected-session TTL.

The session trains on the Model page (a training is kept in the workspace's library, so it goes on), keeps a refused
upload in its session folder, and fits a t-SNE map in a second worker (a map belongs to the session, so it is
cancelled). After the context closes, within the TTL plus a minute (the issue's bound; the reaper looks every
ui.sessions.REAP_S), the t-SNE worker is idle with no fit stored in the projection cache (so it was cancelled, not
finished) and the session folder is gone, while the training still runs.
Opening the workspace's link shows that training with Cancel, and cancelling it leaves every worker idle.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import psutil
import pytest

from tests.e2e.conftest import ARTIFACTS, SERVER_START_S
from tests.e2e.e2e_helpers import start_training
from tests.e2e.test_e2e_uploads import go_to
from ui.server import start_server, stop_server, worker_processes

pytestmark = pytest.mark.e2e

TTL_S = 2  # server.disconnectedSessionTTL for this server (Streamlit's default is 120)
ENDED_WITHIN_S = TTL_S + 60  # the issue: jobs cancelled and files removed within the expiry plus a minute
EPOCHS = "10000"  # digits run about 20 epochs a second: this training outlasts the test
SAMPLE_S, LOOKS = 2.0, 20  # each count of busy workers watches the server's children this long, this often
BUSY_SHARE = 0.05  # a child that used this share of a core is busy (an idle worker blocks on its pipe and uses ~0) ...
BUSY_RUNNABLE = 0.5  # ... and so is one found runnable at half the looks (workers run niced: a loaded machine may
# give a busy one little CPU, but it stays runnable)
last_sample: dict[int, tuple[float, float]] = {}  # pid -> (share of a core, share of looks runnable), for messages


def busy_workers(server_pid: int) -> int:
    """How many of the server's worker processes are busy. Not the warm-up's child (ui.server.worker_processes): it
    compiles umap-learn into this test's fresh numba cache for most of a minute, and counted, it made the training
    and the t-SNE fit look like two busy workers only once the fit had finished."""
    children = worker_processes(server_pid)
    cpu, runnable = {}, dict.fromkeys((child.pid for child in children), 0)
    for look in range(LOOKS + 1):
        for child in children:
            try:
                times = child.cpu_times()
                cpu.setdefault(child.pid, [times.user + times.system, 0.0])[1] = times.user + times.system
                runnable[child.pid] += look > 0 and child.status() == psutil.STATUS_RUNNING
            except psutil.Error:
                continue
        if look < LOOKS:
            time.sleep(SAMPLE_S / LOOKS)
    last_sample.clear()
    last_sample.update(
        {pid: (round((end - start) / SAMPLE_S, 2), runnable[pid] / LOOKS) for pid, (start, end) in cpu.items()}
    )
    return sum(share >= BUSY_SHARE or looks >= BUSY_RUNNABLE for share, looks in last_sample.values())


def tsne_fitted(cache: Path) -> bool:
    """True once a t-SNE fit has finished: latent_core's projection cache holds it (a cancelled fit stores nothing)."""
    return any(json.loads(meta.read_text()).get("method") == "tsne" for meta in cache.glob("*.json"))


def wait_for(condition, timeout: float, what: str) -> float:
    """Poll `condition()` until true; returns the seconds it took, fails the test after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.5)
    pytest.fail(f"not within {timeout:.0f} s: {what} (children: pid -> (core share, runnable share) {last_sample})")


def test_closing_a_context_cancels_its_map_and_removes_its_folder_while_its_kept_training_goes_on(browser, tmp_path):
    uploads, cache = tmp_path / "uploads", tmp_path / "cache"
    env = {
        "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(TTL_S),
        "LATENT_EXPLORER_JOBS": "2",  # the training and the t-SNE map each in a worker at once
        "LATENT_EXPLORER_UPLOADS": str(uploads),
        "LATENT_EXPLORER_HOME": str(tmp_path / "home"),
        "LATENT_EXPLORER_CACHE": str(cache),  # a fresh projection cache: the t-SNE fit really runs
    }
    with open(ARTIFACTS / "server-session-end.log", "w") as log:
        url, process = start_server(log, env=env, timeout=SERVER_START_S)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{url}/model")
            page.get_by_role("heading", name="Model", exact=True).wait_for()
            start_training(page, Epochs=EPOCHS)
            page.get_by_text(re.compile(rf"Epoch \d+/{EPOCHS}")).first.wait_for(timeout=120_000)
            (token,) = parse_qs(urlparse(page.url).query)["w"]

            go_to(page, "Data")  # a refused upload stays in the session's folder until the session ends
            page.locator(".st-key-upload_data input[type=file]").wait_for(state="attached")
            noise = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
            page.locator(".st-key-upload_data input[type=file]").set_input_files(
                {"name": "images.zip", "mimeType": "application/zip", "buffer": noise}
            )
            page.get_by_test_id("stAlertContentError").wait_for(timeout=30_000)
            assert len(list(uploads.glob("session-*"))) == 1, "the session's folder"
            # The 12,000 shapes: their t-SNE fit takes far longer than the session's end (the digits' 1,797 finished
            # first on a quiet machine, within the TTL and the reaper's round).
            page.get_by_role("combobox").first.click()
            page.get_by_role("option", name="shapes").click()
            page.locator("[data-testid=stSidebar]").get_by_text(re.compile(r"12,000 images")).wait_for(timeout=60_000)

            go_to(page, "Map")
            page.get_by_role("radio", name="t-SNE").click()
            page.get_by_text("Projecting 12,000 codes").first.wait_for(timeout=120_000)
            wait_for(lambda: busy_workers(process.pid) == 2, 60, "the training and the t-SNE fit both running")

            context.close()
            took = wait_for(
                lambda: not list(uploads.glob("session-*")) and busy_workers(process.pid) == 1,
                ENDED_WITHIN_S,
                "the ended session's t-SNE fit cancelled and its folder removed",
            )
            print(f"session ended: map cancelled and folder removed {took:.1f} s after the context closed")
            assert not tsne_fitted(cache), "the t-SNE worker went idle because its fit was cancelled, not finished"
            assert busy_workers(process.pid) == 1, "the kept training goes on"

            again = browser.new_context(viewport={"width": 1440, "height": 1000})
            page = again.new_page()
            page.set_default_timeout(60_000)
            # Back on the digits: the shipped shapes model, active with the shapes, would be evaluated in a worker
            page.goto(f"{url}/model?w={token}&dataset=digits")
            page.get_by_text(re.compile(rf"Epoch \d+/{EPOCHS}")).first.wait_for(timeout=60_000)
            page.locator(".st-key-cancel_training button").click()
            page.get_by_text(re.compile(r"Training cancelled after \d+ finished epoch")).wait_for(timeout=30_000)
            wait_for(lambda: busy_workers(process.pid) == 0, 30, "every worker idle once the training is cancelled")
            assert not list(uploads.glob("jobs-*/train-*")), "the cancelled training's exchange folder"
            assert not tsne_fitted(cache), "the cancelled fit never finished later either"
            again.close()
        finally:
            stop_server(process)
