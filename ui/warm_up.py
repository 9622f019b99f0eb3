"""The server's warm-up: what the pages load on first use, and umap-learn with numba's machine code, loaded in the
background at server start.

Without it a server's first switch to the Data page waited about 2 s for altair (st.bar_chart), the Model page
1-2 s for plotly's figure classes and the evaluation modules, and the first UMAP 15-60 s at "UMAP: loading
umap-learn" while numba compiled umap-learn's functions. `start()` (from ui.sessions.start, once per server
process, never under AppTest) starts a daemon thread at the lowest CPU priority that
1. starts `latent_core.projection.methods.warm_up_umap` in a child process at nice 19, which compiles into
   numba's on-disk cache (latent_core.projection.methods.numba_cache_dir) without holding this process's GIL,
2. meanwhile imports PAGE_MODULES and draws a small altair chart and plotly figure (their schemas and validators
   load on first use), and waits for the child. These imports hold the GIL for about 2 s: they came after the
   child once, and on a fresh numba cache that was a minute after the server's start, when sessions were
   clicking (load_bench's first 4+2 round: 84 of 584 server samples in a py-spy profile),
3. then, from a thread of its own at the server's priority (a child process inherits its starting thread's nice
   value, and the warm-up thread's 19 would stay the worker's for every later job), starts one job worker process
   ahead of the first job (ui.jobs.Runner.start_worker_ahead), which imports torch and the engine while
   nothing waits for it: started by the first job instead (a training, the map's hover atlas), that import kept
   the job waiting 1.7 s on a quiet machine.
Worker processes started later inherit NUMBA_CACHE_DIR and load umap-learn's machine code from that cache (5 s
instead of 15-60 s); this process imports umap-learn only when a fitted UMAP first comes back from a worker, so
the warm-up holds the GIL, which every session's script run needs, only for step 2 (about 2 s on a quiet machine).
A restart finds the cache and compiles nothing. A failure is logged and changes nothing else: a fit then compiles
as it would have.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from streamlit.logger import get_logger

from . import jobs

WARM_UP_NICE = 19
CHILD_TIMEOUT_S = 600
CHILD_CODE = "import os; os.nice({nice}); from latent_core.projection.methods import warm_up_umap; warm_up_umap()"

# Modules the pages import on first use (none registers a component at import, which needs a script run).
PAGE_MODULES = (
    "altair",
    "pyarrow",
    "plotly.io",
    "ui.upload_widgets",
    "ui.evaluation",
    "ui.evaluation_figures",
    "ui.forms",
    "ui.runs",
    "ui.analogies",
    "latent_core.gan_training",
)

log = get_logger(__name__)  # Streamlit's logger setup: its level (logger.level, default info) and the server's output
done = threading.Event()  # set when the warm-up has ended, whether it worked or not
_children: dict[str, subprocess.Popen] = {}
_child_lock = threading.Lock()
_stopping = threading.Event()
seconds: dict[str, float] = {}  # 'child' and 'pages': how long each step took


def lower_this_threads_priority() -> None:
    """nice 19 for the calling thread only (Linux: a thread is its own task); elsewhere it would renice the server."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WARM_UP_NICE)
        except OSError:
            pass


def load_page_modules() -> float:
    """Step 2: import PAGE_MODULES, and make an altair chart and a plotly figure of the kinds the pages draw, so that
    their schema and validators are loaded; returns the seconds it took."""
    started = time.perf_counter()
    for name in PAGE_MODULES:
        importlib.import_module(name)
    import altair as alt
    import pandas as pd
    import plotly.graph_objects as go

    alt.Chart(pd.DataFrame({"class": ["a"], "images": [1]})).mark_bar().encode(x="class", y="images").to_dict()
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[1, 0], mode="lines+markers", name="a", line={"color": "#4f46e5"})
    figure.add_bar(x=["z1"], y=[1.0], marker={"color": "#4f46e5"})
    figure.add_hline(y=0.01, line={"dash": "dot"}, annotation_text="0.01")
    figure.update_layout(
        height=200, margin={"l": 1}, xaxis_title="x", yaxis_title="y", legend={"orientation": "h", "y": 1.02}
    )
    figure.to_json()
    return time.perf_counter() - started


def compile_in_child() -> Callable[[], float]:
    """Step 1: start compiling into numba's on-disk cache in a niced child process; returns the call that waits for
    it to end and returns its wall time in seconds (raising when it failed)."""
    env = os.environ | {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    started = time.perf_counter()
    with _child_lock:
        if _stopping.is_set():
            raise RuntimeError("the server is stopping")
        child = _children["umap"] = subprocess.Popen(
            [sys.executable, "-c", CHILD_CODE.format(nice=WARM_UP_NICE)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def finish() -> float:
        try:
            _, errors = child.communicate(timeout=CHILD_TIMEOUT_S)
        finally:
            child.kill()  # after a timeout; nothing when it has ended
            child.wait()
        if child.returncode != 0 and not _stopping.is_set():  # killed by stop(): the server is stopping
            raise RuntimeError(f"the warm-up process ended with {child.returncode}: {errors.decode()[-500:]}")
        return time.perf_counter() - started

    return finish


def stop() -> None:
    """End the warm-up's child process, if it still runs (the server is stopping: ui.sessions.shutdown)."""
    with _child_lock:
        _stopping.set()
        child = _children.pop("umap", None)
    if child is not None and child.poll() is None:
        child.kill()


def warm_up() -> None:
    """The three steps (see the module docstring), logged; never raises."""
    from latent_core.projection.methods import numba_cache_dir

    lower_this_threads_priority()
    try:
        folder = numba_cache_dir()  # before any worker starts: they inherit NUMBA_CACHE_DIR
        finish_compiling = compile_in_child()
        try:  # while the child compiles: on a fresh cache it takes a minute, and these imports hold the GIL
            seconds["pages"] = load_page_modules()
            log.info("Page modules loaded in %.1f s", seconds["pages"])
        finally:
            seconds["child"] = finish_compiling()
            log.info(
                "umap-learn warmed up: compiled or loaded in %.1f s in a child process (cache %s)",
                seconds["child"],
                folder,
            )
    except Exception:  # the app works without it: the pages and the first UMAP load what they need then
        log.exception("The warm-up failed; the pages and the first UMAP will load what they need themselves")
    finally:
        done.set()


def start_worker_after_warm_up() -> None:
    """Step 3 (see the module docstring), once steps 1 and 2 have ended; never raises."""
    done.wait()
    try:
        if not _stopping.is_set() and jobs.runner.start_worker_ahead():
            log.info("A job worker process started ahead of the first job")
    except Exception:  # the first job starts its worker then
        log.exception("Starting a job worker ahead of the first job failed")


def start() -> threading.Thread:
    """Start the warm-up thread, and the thread of step 3 (daemons: they never hold up the server's exit)."""
    thread = threading.Thread(target=warm_up, name="latent-explorer-warm-up", daemon=True)
    thread.start()
    threading.Thread(target=start_worker_after_warm_up, name="latent-explorer-worker-ahead", daemon=True).start()
    return thread
