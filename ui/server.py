"""Start the app in a Streamlit subprocess on a free localhost port: the one launcher of the e2e tests and ui_bench.

Also holds the Chromium flags both use (Debian's chromium, never Playwright's own download), and how both find the
server's job worker processes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def worker_processes(server_pid: int) -> list:
    """The server's job worker processes (ui.workers, started with spawn), as psutil.Process objects: not the
    warm-up's umap-learn child (a busy process for a minute on a fresh numba cache) nor multiprocessing's resource
    tracker. psutil is a dev requirement, imported here only."""
    import psutil

    found = []
    for child in psutil.Process(server_pid).children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def chromium_path() -> str | None:
    """Debian's chromium at $CHROMIUM (default /usr/bin/chromium) or on PATH; None when there is none."""
    return CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    """Return once Streamlit answers its health check;
    raise RuntimeError if it exits or takes longer than `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer {url}/_stcore/health within {timeout:.0f} s")


def start_server(
    log, env: dict | None = None, timeout: float = 180, launcher: list[str] | None = None
) -> tuple[str, subprocess.Popen]:
    """`streamlit run app.py` on a free port (bound as .streamlit/config.toml says), output to the open file `log`;
    `env` is added to this process's environment; `launcher` is the command that takes Streamlit's command-line
    arguments (default `python -m streamlit`; a benchmark may wrap it). Returns (base url, process) once healthy."""
    port = free_port()
    launcher = launcher or [sys.executable, "-m", "streamlit"]
    process = subprocess.Popen(
        [*launcher, "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=REPO,
        env=os.environ | (env or {}),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    try:
        wait_healthy(url, process, timeout)
    except Exception:
        process.kill()
        raise
    return url, process


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
