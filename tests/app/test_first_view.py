"""A fast first view: app.py declares its pages before the heavy imports, and a server (never an AppTest) warms up
the pages' modules and umap-learn in a background thread at the lowest priority."""

from __future__ import annotations

import ast
import os
import sys
import threading
import tomllib
import types

import pytest
from streamlit import config as st_config

from tests.app.app_workspace import app, texts
from tests.paths import APP, REPO
from tests.waiting import until
from ui import sessions, warm_up


def statement_index(tree: ast.Module, found) -> int:
    return next(i for i, node in enumerate(tree.body) if found(node))


def test_the_page_list_and_a_spinner_come_before_the_heavy_imports():
    tree = ast.parse(APP.read_text())
    navigation = statement_index(tree, lambda n: "st.navigation(" in ast.unparse(n))
    spinner = statement_index(tree, lambda n: isinstance(n, ast.With) and "st.spinner" in ast.unparse(n))
    engine = statement_index(tree, lambda n: "from ui import" in ast.unparse(n) or "latent_core" in ast.unparse(n))
    assert navigation < engine and spinner <= engine  # the ui package imports torch and the engine
    imported = {  # before the page list: the standard library and streamlit only
        alias.name if isinstance(node, ast.Import) else node.module
        for node in tree.body[:navigation]
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {"__future__", "pathlib", "streamlit"}


def test_streamlits_own_page_list_is_off_until_app_py_declares_the_pages():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showSidebarNavigation"] is False  # a fresh server's first session gets no raw list
    tree = ast.parse(APP.read_text())
    navigation = statement_index(tree, lambda n: "st.navigation(" in ast.unparse(n))
    assert ast.unparse(tree.body[navigation - 1]) == "st.set_option('client.showSidebarNavigation', True)"
    at = app()
    assert not at.exception, texts(at.exception)
    assert st_config.get_option("client.showSidebarNavigation") is True  # so st.navigation shows the app's list


def test_an_app_test_runs_the_app_without_starting_the_warm_up():
    at = app()
    assert not at.exception, texts(at.exception)
    assert not sessions.serving()
    assert "latent-explorer-warm-up" not in {t.name for t in threading.enumerate()}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value is Linux's")
def test_the_warm_up_thread_runs_at_the_lowest_priority_and_leaves_the_servers_alone(monkeypatch):
    monkeypatch.setattr(warm_up, "done", threading.Event())
    monkeypatch.setattr(warm_up, "seconds", {})
    seen, order = {}, []

    def step(name: str, result):
        def run():
            seen[name] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            order.append(name)
            return result

        return run

    monkeypatch.setattr(warm_up, "load_page_modules", step("pages", 1.0))
    monkeypatch.setattr(warm_up, "compile_in_child", step("child started", step("child ended", 2.0)))
    # Step 3 starts a worker process, which inherits its starting thread's nice value: from the server's priority
    monkeypatch.setattr(warm_up.jobs, "runner", types.SimpleNamespace(start_worker_ahead=step("worker", True)))
    before = os.getpriority(os.PRIO_PROCESS, 0)
    warm_up.start().join(30)
    assert warm_up.done.is_set() and warm_up.seconds == {"child": 2.0, "pages": 1.0}
    assert until(lambda: "worker" in seen)
    # The page modules load while the child compiles (on a fresh numba cache, for a minute), not after it
    assert order == ["child started", "pages", "child ended", "worker"]
    assert {name: seen.pop(name) for name in ("worker",)} == {"worker": before}
    assert set(seen.values()) == {warm_up.WARM_UP_NICE}
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # the server's own threads keep their priority


def test_a_failed_warm_up_is_logged_and_changes_nothing(monkeypatch, caplog):
    monkeypatch.setattr(warm_up, "done", threading.Event())
    monkeypatch.setattr(warm_up, "seconds", {})
    monkeypatch.setattr(warm_up, "load_page_modules", lambda: 0.5)

    def fail():
        raise OSError("no child process")

    monkeypatch.setattr(warm_up, "compile_in_child", fail)
    warm_up.warm_up()  # never raises
    assert warm_up.done.is_set() and warm_up.seconds == {}
    monkeypatch.setattr(warm_up, "done", threading.Event())
    monkeypatch.setattr(warm_up, "compile_in_child", lambda: fail)  # the child started, and failed
    warm_up.warm_up()
    assert warm_up.done.is_set() and warm_up.seconds == {"pages": 0.5}


@pytest.mark.slow  # imports altair and the evaluation modules: 5-50 s on a busy 2-core machine
def test_the_page_modules_load_in_a_thread_without_a_script_run():
    result = {}
    thread = threading.Thread(target=lambda: result.update(seconds=warm_up.load_page_modules()))
    thread.start()
    thread.join(120)
    assert result["seconds"] >= 0 and all(name in sys.modules for name in warm_up.PAGE_MODULES)


def test_a_stopping_server_ends_the_warm_ups_child_process(monkeypatch):
    monkeypatch.setattr(warm_up, "CHILD_CODE", "import os, time; os.nice({nice}); time.sleep(60)")
    monkeypatch.setattr(warm_up, "_children", {})
    monkeypatch.setattr(warm_up, "_stopping", threading.Event())
    outcome = {}

    def run():
        try:
            warm_up.compile_in_child()()  # start, and wait for the child
        except RuntimeError as exc:
            outcome["error"] = str(exc)

    thread = threading.Thread(target=run)
    thread.start()
    assert until(lambda: "umap" in warm_up._children, timeout=30)
    child = warm_up._children["umap"]
    warm_up.stop()
    thread.join(10)
    assert not thread.is_alive() and child.poll() is not None
    assert "error" not in outcome  # killed because the server stops: not a failed warm-up, nothing logged as one
    with pytest.raises(RuntimeError, match="stopping"):
        warm_up.compile_in_child()  # none starts once the server stops
