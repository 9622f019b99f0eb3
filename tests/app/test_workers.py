"""The job queue in worker processes (ui.workers through ui.jobs.Runner): result handoff, the cap and its queue
order, cancel (queued and running), a worker killed with SIGKILL, per-session limits, sessions ending, close()."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import types

import pytest

import latent_core
from tests.app import worker_work
from tests.waiting import until
from ui.jobs import CANCELLED, FAILED, FINISHED, RUNNING, Job, Runner
from ui.workers import STOP_GRACE_S, TERM_WAIT_S, WORKER_NICE, ordinal, threads_per_worker, waiting_text

WAIT_S = 60  # the first call starts a worker (spawn + import torch)


@pytest.fixture(scope="module")
def runner():
    runner = Runner(workers={"work": 8}, processes=1, max_waiting=2)
    yield runner
    runner.close()


def test_a_worker_hands_back_progress_and_result(runner):
    job = runner.submit("work", "echo", runner.in_worker(worker_work.echo, [1, 2]))
    assert job.join(WAIT_S)
    value, pid = job.result()
    assert job.status == FINISHED and value == [1, 2]
    assert pid != os.getpid() and pid in runner.pool().pids()  # it ran in a worker, which stays for the next job
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICE)
    assert job.progress.message == "done"


def test_jobs_beyond_the_cap_wait_in_line_first_come_first_served(runner):
    blocker = runner.submit("work", "blocker", runner.in_worker(worker_work.until_stopped))
    assert until(lambda: blocker.progress.message == "looping")
    queued = [runner.submit("work", f"q{k}", runner.in_worker(worker_work.stamp)) for k in range(3)]
    assert until(lambda: [job.progress.message for job in queued] == [waiting_text(k) for k in (1, 2, 3)])
    assert all(job.waiting and job.status == RUNNING for job in queued) and not blocker.waiting
    blocker.cancel()
    assert all(job.join(WAIT_S) for job in queued)
    starts = [job.result() for job in queued]
    assert starts == sorted(starts) and starts[1] - starts[0] >= 0.25  # one at a time, in order
    assert blocker.status == CANCELLED and blocker.result() is None


def test_the_line_keeps_the_order_jobs_were_submitted_in_whichever_thread_asks_first(runner):
    blocker = runner.submit("work", "blocker-order", runner.in_worker(worker_work.until_stopped))
    assert until(lambda: blocker.progress.message == "looping")
    first, second = Job("work", "first"), Job("work", "second")  # numbered (Job.serial) in this order
    pool = runner.pool()
    calls = [threading.Thread(target=pool.call, args=(worker_work.stamp, (), job)) for job in (second, first)]
    calls[0].start()  # the later job's thread reaches the line first, as a busy machine may schedule them
    assert until(lambda: second.position == 1)
    calls[1].start()
    assert until(lambda: (first.position, second.position) == (1, 2))
    assert second.progress.message == waiting_text(2)
    blocker.cancel()
    for call in calls:
        call.join(WAIT_S)
    assert blocker.join(10) and not any(call.is_alive() for call in calls)


def test_a_queued_job_can_be_cancelled_and_never_runs(runner):
    blocker = runner.submit("work", "blocker2", runner.in_worker(worker_work.until_stopped))
    assert until(lambda: blocker.progress.message == "looping")
    queued = runner.submit("work", "never", runner.in_worker(worker_work.fail))
    assert until(lambda: queued.position == 1)
    queued.cancel()
    assert queued.join(5) and queued.status == CANCELLED and queued.error is None
    assert blocker.running  # the running job is not disturbed
    blocker.cancel()
    assert blocker.join(10) and blocker.status == CANCELLED


def test_an_error_in_the_worker_fails_the_job_and_the_worker_serves_on(runner):
    job = runner.submit("work", "fail", runner.in_worker(worker_work.fail), failure="The job failed")
    assert job.join(WAIT_S)
    assert job.status == FAILED and job.error == "The job failed: ValueError: broken on purpose"
    again = runner.submit("work", "echo-after-error", runner.in_worker(worker_work.echo, 3))
    assert again.join(WAIT_S) and again.result()[0] == 3


def test_a_killed_worker_fails_its_job_in_words_and_is_replaced(runner):
    job = runner.submit("work", "victim", runner.in_worker(worker_work.until_stopped, what="training"))
    assert until(lambda: job.progress.message == "looping")
    pid = runner.pool().pid_of(job)
    os.kill(pid, signal.SIGKILL)
    assert job.join(10)
    assert job.status == FAILED and job.died
    assert job.error == "The training worker stopped unexpectedly (killed by signal 9)."
    after = runner.submit("work", "after-kill", runner.in_worker(worker_work.echo, "ok"))
    assert after.join(WAIT_S) and after.result()[0] == "ok" and after.result()[1] != pid


def test_a_session_may_keep_only_so_many_jobs_waiting(runner):
    blocker = runner.submit("work", "blocker3", runner.in_worker(worker_work.until_stopped), owner="s1")
    assert until(lambda: blocker.progress.message == "looping")
    waiting = [runner.submit("work", f"w{k}", runner.in_worker(worker_work.stamp), owner="s1") for k in range(2)]
    assert until(lambda: all(job.position for job in waiting))
    refused = runner.submit("work", "w2", runner.in_worker(worker_work.stamp), owner="s1")
    assert refused.status == FAILED and "already has 2 jobs waiting" in refused.error
    assert isinstance(refused.future.exception(), latent_core.InvalidInputError)
    other = runner.submit("work", "other", runner.in_worker(worker_work.stamp), owner="s2")  # another session may
    assert other.status == RUNNING
    cancelled = runner.release("s1")  # the session ends: its jobs are cancelled
    assert set(cancelled) == {blocker, *waiting}
    assert all(job.join(10) and job.status == CANCELLED for job in [blocker, *waiting])
    assert other.join(WAIT_S) and other.status == FINISHED


def test_a_lasting_job_or_one_another_session_shares_goes_on_when_its_session_ends(runner):
    lasting = runner.submit("work", "lasting", runner.in_worker(worker_work.until_stopped), owner="a", lasting=True)
    shared = runner.submit("work", "shared", runner.in_worker(worker_work.stamp), owner="a")
    assert runner.submit("work", "shared", lambda job: None, owner="b") is shared
    assert runner.release("a") == []
    assert lasting.running and shared.running and not lasting.cancelled and not shared.cancelled
    lasting.cancel()  # one worker: the shared job waits for it
    assert lasting.join(10)
    assert shared.join(WAIT_S) and shared.status == FINISHED


def test_a_worker_started_ahead_takes_the_first_job_at_the_workers_priority_and_close_ends_it():
    runner = Runner(workers={"work": 4}, processes=2)
    try:
        assert runner.start_worker_ahead() and not runner.start_worker_ahead()  # one at most, before any job
        (ahead,) = runner.pool().pids()
        lowered = min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICE)
        assert until(lambda: os.getpriority(os.PRIO_PROCESS, ahead) == lowered)  # once it has imported the engine
        job = runner.submit("work", "echo", runner.in_worker(worker_work.echo, "first"))
        assert job.join(WAIT_S) and job.result() == ("first", ahead)  # no new process for the first job
        assert runner.pool().pids() == [ahead]
    finally:
        runner.close()
    assert until(lambda: not alive(ahead), 3) and not runner.start_worker_ahead()  # none once closed


def test_a_job_that_comes_while_a_worker_starts_ahead_never_makes_the_pool_larger_than_its_size():
    runner = Runner(workers={"work": 4}, processes=1)
    try:
        ahead = threading.Thread(target=runner.start_worker_ahead)
        ahead.start()  # the process starts outside the pool's lock: the job may come before or during it
        job = runner.submit("work", "echo", runner.in_worker(worker_work.echo, "x"))
        ahead.join(WAIT_S)
        assert job.join(WAIT_S) and job.status == FINISHED
        assert runner.pool().pids() == [job.result()[1]]  # one worker, which ran the job
    finally:
        runner.close()


def test_close_cancels_running_jobs_and_ends_every_worker():
    runner = Runner(workers={"work": 4}, processes=2)
    running = runner.submit("work", "r", runner.in_worker(worker_work.until_stopped))
    assert until(lambda: running.progress.message == "looping")
    pids = runner.pool().pids()
    started = time.monotonic()
    runner.close()
    assert time.monotonic() - started < 2
    assert running.join(5) and running.status == CANCELLED
    for pid in pids:
        assert until(lambda pid=pid: not alive(pid), 3), f"worker {pid} still runs"


def test_close_terminates_a_worker_that_ignores_its_stop_flag_and_waits_for_all_together():
    runner = Runner(workers={"work": 4}, processes=2)
    deaf = [runner.submit("work", f"deaf{k}", runner.in_worker(worker_work.ignores_stop)) for k in range(2)]
    assert until(lambda: all(job.progress.message == "deaf" for job in deaf))
    pids = runner.pool().pids()
    assert len(pids) == 2
    started = time.monotonic()
    runner.close()
    took = time.monotonic() - started
    # grace and SIGTERM wait are shared by both workers (0.3 + 0.3 s), not paid once per worker
    assert took < STOP_GRACE_S + TERM_WAIT_S + 1.0, f"close() took {took:.2f} s"
    assert not [pid for pid in pids if alive(pid)]
    assert all(job.join(5) and job.status == CANCELLED for job in deaf)


def test_a_worker_does_not_run_the_servers_main_script(tmp_path, monkeypatch):
    """In the server, __main__ is Streamlit's module for app.py; spawn would run it again in every worker."""
    marker = tmp_path / "ran"
    script = tmp_path / "app_like.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\nraise SystemExit('the main script ran in a worker')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    runner = Runner(workers={"work": 2}, processes=1)
    try:
        job = runner.submit("work", "echo", runner.in_worker(worker_work.echo, "clean"))
        assert job.join(WAIT_S) and job.status == FINISHED and job.result()[0] == "clean"
    finally:
        runner.close()
    assert not marker.exists()
    assert sys.modules["__main__"] is main  # put back once the worker started


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is not running
        return stat.read().split()[2] != "Z"


def test_queue_words_and_thread_shares():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"
    ]  # fmt: skip
    assert waiting_text(2) == "Waiting: 2nd in line"
    assert threads_per_worker(1, cores=2) == 1 and threads_per_worker(3, cores=16) == 5
    assert threads_per_worker(8, cores=2) == 1
