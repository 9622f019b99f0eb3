"""ui.views.ViewWriter: views kept from a thread of its own, the latest per workspace; flush waits for them; a failed
write is logged and the writer goes on."""

from __future__ import annotations

import logging
import threading

from ui.views import ViewWriter


class Library:
    """A stand-in library: records each save; the first one waits for `release` while `hold` is set."""

    def __init__(self, hold: bool = False):
        self.saved: list[tuple[str, dict]] = []
        self.started, self.release = threading.Event(), threading.Event()
        self.hold = hold

    def save_view(self, token: str, view: dict) -> None:
        if self.hold and not self.saved:
            self.started.set()
            assert self.release.wait(10)
        if view.get("bad"):
            raise ValueError("not JSON")
        self.saved.append((token, view))


def test_views_are_written_and_flush_waits_for_them():
    library, writer = Library(), ViewWriter()
    writer.put(library, "a", {"n": 1})
    writer.put(library, "b", {"n": 2})
    assert writer.flush("a") and writer.flush()
    assert sorted(library.saved) == [("a", {"n": 1}), ("b", {"n": 2})]


def test_views_put_while_one_is_written_collapse_to_the_latest():
    library, writer = Library(hold=True), ViewWriter()
    writer.put(library, "a", {"n": 1})
    assert library.started.wait(10)  # the writer holds {"n": 1}: the next three clicks' views wait
    for n in (2, 3, 4):
        writer.put(library, "a", {"n": n})
    assert not writer.flush("a", timeout=0.05)  # still being written
    library.release.set()
    assert writer.flush("a")
    assert library.saved == [("a", {"n": 1}), ("a", {"n": 4})]  # the views in between were never worth a write


def test_a_failed_write_is_logged_and_the_writer_goes_on(caplog):
    library, writer = Library(), ViewWriter()
    with caplog.at_level(logging.ERROR, logger="ui.views"):
        writer.put(library, "a", {"bad": True})
        assert writer.flush("a")
        writer.put(library, "a", {"n": 5})
        assert writer.flush("a")
    assert library.saved == [("a", {"n": 5})]
    assert "Keeping a workspace's view failed" in caplog.text
