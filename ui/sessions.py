"""Sessions that end and a server that stops: the explicit cleanup of their jobs, workers and folders.

`start()` (called by app.py on every run, acting once per server process) starts the reaper: a
daemon thread that every REAP_S compares the sessions the Streamlit runtime still holds (connected,
or disconnected and still within server.disconnectedSessionTTL) with the sessions that own jobs or
folders. For each session that has ended, its jobs are released (ui.jobs.Runner.release: those not
lasting and not shared are cancelled) and its folders removed. Every STOP_POLL_S it also looks
whether the runtime is stopping (SIGTERM, Ctrl+C): then it cancels every job, ends the worker
processes and removes every session folder and the jobs' exchange folder, so that the server
exits within about a second. The same shutdown runs at interpreter exit (`at_exit`), in case the thread missed it,
and then ends the server process without the interpreter's slow teardown. In a server (not under AppTest),
`start()` also starts the warm-up of umap-learn and numba (ui.warm_up).

The runtime's session list is private Streamlit API (Runtime._session_mgr.list_sessions); it is
read in `live_sessions` only, and tests/app/test_sessions.py fails if Streamlit changes it.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import threading
import time

from . import jobs, session_files, views, warm_up, workers

REAP_S = 5.0
STOP_POLL_S = 0.1
SHUTDOWN_WAIT_S = 3.0
VIEWS_FLUSH_S = 1.0

log = logging.getLogger(__name__)
_started = threading.Event()
_start_lock = threading.Lock()
_stopped = threading.Event()  # a shutdown has begun
_shut = threading.Event()  # ... and ended


def live_sessions() -> set[str] | None:
    """The ids of the sessions the runtime holds, connected or waiting to reconnect; None without a server's runtime:
    none, or AppTest's mock, which has no session manager (the reaper raised and logged a traceback every round; the
    likely trigger of a CI run's SystemError from CPython 3.11's thread-unsafe AST depth check, as another thread
    compiled a page)."""
    from streamlit.runtime import Runtime

    if not serving():
        return None
    manager = Runtime.instance()._session_mgr  # noqa: SLF001 - the one use of the private session manager
    return {info.session.id for info in manager.list_sessions()}


def runtime_stopping() -> bool:
    """True once the Streamlit runtime is stopping or stopped."""
    from streamlit.runtime import Runtime, RuntimeState

    if not Runtime.exists():
        return False
    return Runtime.instance().state in (RuntimeState.STOPPING, RuntimeState.STOPPED)


def tracked_sessions() -> set[str]:
    """The sessions that own a job or a folder."""
    owners = {owner for job in jobs.runner.jobs() for owner in job.owners}
    return {s for s in owners | session_files.sessions_with_folders() if s is not None}


def end_session(session: str) -> None:
    """A session has ended: cancel its jobs that are not kept or shared, and remove its folders."""
    cancelled = jobs.runner.release(session)
    removed = session_files.remove_folders(session)
    log.info("Session %s ended: %d job(s) cancelled, %d folder(s) removed", session, len(cancelled), removed)


def reap() -> list[str]:
    """End every tracked session the runtime no longer holds; returns their ids."""
    live = live_sessions()
    if live is None:
        return []
    ended = sorted(tracked_sessions() - live)
    for session in ended:
        end_session(session)
    return ended


def shutdown() -> None:
    """The server stops: end the warm-up's child process, cancel every job, end the workers, remove every session
    folder and the jobs' folder.

    Runs once; a second call (the exit hook, while the reaper's call is still under way) waits for the first to
    finish, because the interpreter stops the reaper's daemon thread once the exit hooks have returned.
    """
    if _stopped.is_set():
        _shut.wait(SHUTDOWN_WAIT_S)
        return
    _stopped.set()
    started = time.monotonic()
    try:
        warm_up.stop()
        views.writer.flush(timeout=VIEWS_FLUSH_S)  # the views of the last clicks
        jobs.runner.close()
        closed = time.monotonic()
        session_files.remove_folders(every=True)
        shutil.rmtree(jobs.jobs_folder(), ignore_errors=True)
        log.info(
            "Shutdown: jobs and workers stopped in %.2f s, folders removed in %.2f s",
            closed - started,
            time.monotonic() - closed,
        )
    finally:
        _shut.set()


def at_exit() -> None:
    """The interpreter exits: shut down (or wait for the reaper's shutdown). In the server, once the runtime has
    stopped, the process then ends at once (os._exit after flushing the logs and output): everything it owns is
    cleaned up by now, and the interpreter's own teardown (torch, numba's LLVM, every module) would take another
    0.4-1.4 s of a SIGTERM's stop, depending on how busy the machine is."""
    shutdown()
    if runtime_stopping():
        logging.shutdown()
        workers.leave()


def _watch() -> None:
    next_reap = time.monotonic() + REAP_S
    while not _stopped.is_set():
        try:
            if runtime_stopping():
                shutdown()
                return
            if time.monotonic() >= next_reap:
                next_reap = time.monotonic() + REAP_S
                reap()
        except Exception:  # the reaper must outlive a bad round
            log.exception("Cleaning up ended sessions failed")
        time.sleep(STOP_POLL_S)


def serving() -> bool:
    """True in a Streamlit server; False without a runtime and under AppTest (whose runtime is a mock)."""
    from streamlit.runtime import Runtime

    return Runtime.exists() and type(Runtime.instance()) is Runtime


def start() -> None:
    """Start the reaper and the shutdown hook, once per process, and in a server the warm-up (ui.warm_up)."""
    with _start_lock:
        if _started.is_set():
            return
        _started.set()
    atexit.register(at_exit)
    threading.Thread(target=_watch, name="latent-explorer-reaper", daemon=True).start()
    if serving():
        warm_up.start()
