"""Background work end to end in the app's code: a training in a worker process that is killed (SIGKILL), a
training found again by a new session of its workspace, sessions that end (the reaper) and the private Streamlit
API the reaper reads."""

from __future__ import annotations

import inspect
import os
import signal
import time

import numpy as np
import pytest

from tests.waiting import until
from ui import jobs, session_files, sessions, state, training
from ui.jobs import CANCELLED, FAILED, RUNNING

LONG = {"kind": "vae", "latent_dim": 3, "beta": 1.0, "epochs": 500, "batch_size": 128, "learning_rate": 1e-3, "seed": 0}


def test_a_killed_training_worker_is_reported_in_words_and_the_previous_model_stays_active(ws):
    before = ws.model_key
    training.start(ws, LONG)
    assert until(lambda: ws.job.progress.payload is not None)  # training in its worker
    pid = jobs.runner.pool().pid_of(ws.job)
    assert pid is not None and pid != os.getpid()
    os.kill(pid, signal.SIGKILL)
    assert ws.job.join(10) and ws.job.status == FAILED
    training.collect(ws)
    assert ws.messages[-1] == (
        "error",
        "The training worker stopped unexpectedly (killed by signal 9); the previous model stays active.",
    )
    assert ws.model_key == before and ws.model is not None
    codes = ws.model.encode(ws.dataset.images[:4])  # the previous model still serves
    assert codes.shape == (4, ws.model.latent_dim) and np.isfinite(codes).all()
    training.start(ws, LONG | {"epochs": 1})  # and the next training gets a fresh worker
    assert ws.job.join(120) and ws.job.result() is not None
    assert pid not in jobs.runner.pool().pids()


def test_a_new_session_of_the_workspace_finds_its_training_and_never_starts_a_second(ws):
    training.start(ws, LONG)
    first = ws.job
    reopened = state.Workspace(ws.dataset_key, ws.dataset, ws.token)  # a reload: same token, a new session
    training.attach(reopened)
    assert reopened.job is first and first.status == RUNNING
    training.start(reopened, LONG)
    assert reopened.job is first
    assert reopened.messages[-1] == ("warning", "A model is already training; cancel it or wait for it to finish.")
    first.cancel()
    assert first.join(30) and first.status == CANCELLED


def test_the_reaper_cancels_the_jobs_and_removes_the_folders_of_ended_sessions(monkeypatch, tmp_path):
    monkeypatch.setenv("LATENT_EXPLORER_UPLOADS", str(tmp_path))
    gone = jobs.runner.submit("projection", ("reaper-test", "gone"), lambda job: job.should_stop() or time.sleep(30))
    gone_lasting = jobs.runner.submit(
        "training", ("reaper-test", "kept"), lambda job: until(job.should_stop, 30), owner="s-gone", lasting=True
    )
    gone.owners.add("s-gone")
    live = jobs.runner.submit(
        "projection", ("reaper-test", "live"), lambda job: until(job.should_stop, 30), owner="s-live"
    )
    folders = {}
    for session in ("s-gone", "s-live"):
        monkeypatch.setattr(jobs, "current_session", lambda session=session: session)
        files = session_files.SessionFiles()
        folders[session] = files.folder.path
    # Sessions of earlier tests (AppTest's) may still own running background work: they count as live here.
    others = sessions.tracked_sessions() - {"s-gone", "s-live"}
    monkeypatch.setattr(sessions, "live_sessions", lambda: {"s-live"} | others)
    assert "s-gone" in sessions.tracked_sessions()
    assert sessions.reap() == ["s-gone"]
    assert gone.cancelled and not gone_lasting.cancelled and not live.cancelled
    assert not folders["s-gone"].exists() and folders["s-live"].exists()
    assert sessions.reap() == []  # once
    for job in (gone_lasting, live):
        job.cancel()
    session_files.remove_folders("s-live")
    assert not folders["s-live"].exists()


def test_the_private_session_list_the_reaper_reads_is_still_there():
    """Fails when Streamlit changes what ui.sessions.live_sessions reads (Runtime._session_mgr.list_sessions)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.session_manager import SessionInfo
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

    assert "self._session_mgr = " in inspect.getsource(Runtime.__init__)
    assert callable(WebsocketSessionManager.list_sessions)
    assert "session" in inspect.signature(SessionInfo).parameters
    assert sessions.live_sessions() is None  # no runtime in a test process


def test_under_apptests_mock_runtime_the_reaper_finds_no_session_list_and_logs_nothing(monkeypatch, caplog):
    """While an AppTest script runs, Runtime's instance is AppTest's MagicMock(spec=Runtime), without a session
    manager: the reaper thread (started by app.py) must take that as 'no sessions known', not fail every round."""
    from unittest.mock import MagicMock

    from streamlit.runtime import Runtime

    monkeypatch.setattr(Runtime, "_instance", MagicMock(spec=Runtime))  # as AppTest sets it (app_test.py)
    assert Runtime.exists() and not sessions.serving()
    assert sessions.live_sessions() is None
    with caplog.at_level("ERROR", logger="ui.sessions"):
        assert sessions.reap() == []
    assert not caplog.records


@pytest.fixture(autouse=True)
def no_training_left():
    yield
    job = jobs.runner.find_running(lambda job: job.kind == "training")
    if job is not None:
        job.cancel()
        job.join(30)
