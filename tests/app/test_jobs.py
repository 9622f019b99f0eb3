"""The job runner (ui.jobs) on its own: submit, progress, result, failure, cancel, shared keys and the bounded store."""

from __future__ import annotations

import os
import threading
import time

import pytest

import latent_core
from ui import jobs
from ui.jobs import CANCELLED, FAILED, FINISHED, RUNNING, Progress, Runner

WAIT_S = 10


@pytest.fixture
def runner():
    return Runner(workers={"work": 2, "solo": 1}, keep=2)


def gated(gate: threading.Event, value=None):
    """Work that waits for `gate`, then returns `value`."""

    def work(job):
        assert gate.wait(WAIT_S), "the test never opened the gate"
        return value

    return work


def test_a_job_runs_in_the_background_and_hands_over_its_result(runner):
    gate = threading.Event()
    job = runner.submit("work", "k", gated(gate, 42))
    assert job.status == RUNNING and job.running and job.result() is None and job.error is None
    assert not job.join(0.05)
    gate.set()
    assert job.join(WAIT_S)
    assert (job.status, job.result(), job.error) == (FINISHED, 42, None)
    assert job.future.done() and job.future.result() == 42


def test_progress_is_what_the_work_last_reported(runner):
    reported, gate = threading.Event(), threading.Event()

    def work(job):
        job.report(0.25, "a quarter", payload={"loss": [3.0, 2.0]})
        reported.set()
        assert gate.wait(WAIT_S)
        return "done"

    job = runner.submit("work", "k", work, message="queued")
    assert reported.wait(WAIT_S)
    assert job.progress == Progress(0.25, "a quarter", {"loss": [3.0, 2.0]})
    gate.set()
    job.join(WAIT_S)
    assert job.progress.message == "a quarter"  # the last report stays readable after the end


def test_progress_starts_with_the_message_given(runner):
    gate = threading.Event()
    job = runner.submit("solo", "first", gated(gate))
    queued = runner.submit("solo", "second", gated(gate), message="waiting for a worker")
    assert queued.progress == Progress(0.0, "waiting for a worker", None)
    gate.set()
    assert job.join(WAIT_S) and queued.join(WAIT_S)


def test_a_user_error_is_reported_in_its_own_words(runner):
    def work(job):
        raise latent_core.InvalidInputError("learning_rate must be positive.")

    job = runner.submit("work", "k", work)
    job.join(WAIT_S)
    assert (job.status, job.result(), job.error) == (FAILED, None, "learning_rate must be positive.")


def test_an_unexpected_error_is_named_after_the_failure_text(runner):
    def work(job):
        raise RuntimeError("out of memory")

    job = runner.submit("work", "k", work, failure="The projection failed")
    job.join(WAIT_S)
    assert job.status == FAILED
    assert job.error == "The projection failed: RuntimeError: out of memory"
    assert isinstance(job.future.exception(), RuntimeError)


def test_a_failure_stays_until_forgotten_so_that_asking_again_tries_again(runner):
    calls = []

    def work(job):
        calls.append(1)
        raise latent_core.InvalidInputError("bad codes")

    job = runner.submit("work", "k", work)
    job.join(WAIT_S)
    assert runner.submit("work", "k", work) is job and len(calls) == 1  # the page can still say why
    job.forget()
    again = runner.submit("work", "k", work)
    again.join(WAIT_S)
    assert again is not job and len(calls) == 2 and again.error == "bad codes"


def test_cancel_stops_the_work_and_asking_again_starts_afresh(runner):
    started, stopped = threading.Event(), threading.Event()

    def work(job):
        started.set()
        while not job.should_stop():
            time.sleep(0.01)
        stopped.set()
        raise latent_core.ProjectionCancelled("stopped")

    job = runner.submit("work", "k", work)
    assert started.wait(WAIT_S)
    job.cancel()
    assert job.cancelled and runner.find("k") is None  # forgotten at once, before the work has noticed
    assert job.join(WAIT_S) and stopped.is_set()
    assert (job.status, job.result(), job.error) == (CANCELLED, None, None)
    started.clear()
    fresh = runner.submit("work", "k", work)
    assert fresh is not job and started.wait(WAIT_S)
    fresh.cancel()
    fresh.join(WAIT_S)


def test_work_that_returns_after_a_cancel_is_cancelled(runner):
    def work(job):
        while not job.should_stop():
            time.sleep(0.01)
        return "a partial model"

    job = runner.submit("work", "k", work)
    job.cancel()
    job.join(WAIT_S)
    assert job.status == CANCELLED and job.result() is None


def test_a_job_waiting_for_a_worker_can_be_cancelled_before_it_starts(runner):
    gate, ran = threading.Event(), []
    first = runner.submit("solo", "first", gated(gate))
    queued = runner.submit("solo", "second", lambda job: ran.append(1))
    queued.cancel()
    gate.set()
    assert first.join(WAIT_S) and queued.join(WAIT_S)
    assert queued.status == CANCELLED and queued.future.cancelled()
    assert ran == []


def test_workers_of_a_kind_are_bounded(runner):
    gate, lock, running, most = threading.Event(), threading.Lock(), [0], [0]

    def work(job):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        gate.wait(WAIT_S)
        with lock:
            running[0] -= 1

    batch = [runner.submit("work", k, work) for k in range(5)]
    time.sleep(0.2)
    assert sum(job.status == RUNNING for job in batch) == 5  # waiting ones count as running
    gate.set()
    assert all(job.join(WAIT_S) for job in batch)
    assert most[0] == 2


def test_two_requests_for_the_same_key_share_one_job(runner):
    gate, calls = threading.Event(), []

    def work(job):
        calls.append(1)
        assert gate.wait(WAIT_S)
        return object()

    first = runner.submit("work", ("projection", "fp"), work)
    second = runner.submit("work", ("projection", "fp"), work)
    assert second is first
    gate.set()
    first.join(WAIT_S)
    assert runner.submit("work", ("projection", "fp"), work) is first  # kept once finished
    assert runner.result(("projection", "fp")) is first.result() and len(calls) == 1


def test_finished_results_are_kept_up_to_the_bound_least_recently_used_first_out(runner):
    for key in "abc":
        runner.submit("work", key, lambda job, key=key: key.upper()).join(WAIT_S)
        if key == "b":
            assert runner.result("a") == "A"  # asking for 'a' makes 'b' the oldest
    assert runner.result("a") == "A" and runner.result("c") == "C"
    assert runner.find("b") is None and runner.result("b") is None


def test_running_jobs_are_never_evicted(runner):
    gate = threading.Event()
    slow = runner.submit("work", "slow", gated(gate, "slow"))
    for key in "abcd":
        runner.submit("work", key, lambda job, key=key: key).join(WAIT_S)
    assert runner.find("slow") is slow
    gate.set()
    slow.join(WAIT_S)
    assert runner.result("slow") == "slow"


def test_jobs_not_kept_leave_the_store_when_they_end_and_are_collected_once(runner):
    gate = threading.Event()
    job = runner.submit("work", "training", gated(gate, "model"), keep=False)
    assert runner.find("training") is job and not job.collect()  # nothing to collect while it runs
    gate.set()
    job.join(WAIT_S)
    assert runner.find("training") is None and job.result() == "model"
    assert job.collect() and job.collected and not job.collect()


def test_clear_forgets_ended_jobs_only(runner):
    gate = threading.Event()
    runner.submit("work", "done", lambda job: 1).join(WAIT_S)
    running = runner.submit("work", "running", gated(gate))
    runner.clear()
    assert runner.find("done") is None and runner.find("running") is running
    gate.set()
    running.join(WAIT_S)


def test_an_unknown_kind_is_refused(runner):
    with pytest.raises(ValueError, match="training"):
        runner.submit("training", "k", lambda job: None)


def test_poll_redraws_while_the_job_runs_and_reruns_the_page_once_when_it_ends():
    from streamlit.testing.v1 import AppTest

    def page():
        import streamlit as st

        from ui import jobs

        job = st.session_state["job"]
        st.session_state["runs"] += 1
        jobs.poll(lambda: st.caption(f"{job.status}: {job.progress.message}"), job)

    gate = threading.Event()
    at = AppTest.from_function(page)
    at.session_state["job"] = Runner(workers={"work": 1}).submit("work", "k", gated(gate, "done"), message="waiting")
    at.session_state["runs"] = 0
    at.run()
    assert [c.value for c in at.caption] == ["running: waiting"] and at.session_state["runs"] == 1
    gate.set()
    assert at.session_state["job"].join(WAIT_S)
    at.run()
    assert [c.value for c in at.caption] == ["finished: waiting"] and at.session_state["runs"] == 3  # one rerun
    at.run()
    assert at.session_state["runs"] == 4  # and only once


def test_a_running_jobs_progress_redraws_at_most_once_a_second_and_an_ended_one_not_at_all(monkeypatch):
    """Each redraw is a script run in the server; at 0.5 s two training panels took 30 ms of CPU a second each from
    map clicks (benchmarks/load_bench.py), so the default interval is 1 s; a caller may still ask for another."""
    import streamlit as st

    intervals = []

    def fragment(function, run_every=None):
        intervals.append(run_every)
        return lambda *args, **kwargs: None

    monkeypatch.setattr(st, "fragment", fragment)
    gate = threading.Event()
    job = Runner(workers={"work": 1}).submit("work", "k", gated(gate))
    jobs.poll(lambda: None, job)
    jobs.poll(lambda: None, job, every=0.25)
    gate.set()
    assert job.join(WAIT_S)
    jobs.poll(lambda: None, job)
    assert intervals == [1.0, 0.25, None]


def test_closing_another_runner_leaves_the_servers_jobs_folder_to_be_made():
    """Only the server's own runner (ui.jobs.runner) closing stops the jobs' exchange folder from being made again."""
    Runner(workers={"work": 1}).close()
    folder = jobs.jobs_folder()
    assert folder.is_dir() and folder.name == f"jobs-{os.getpid()}"
