"""ui.state.leave_pages_folder_mode patches Streamlit's private PagesManager;
these tests fail when Streamlit changes underneath it.

No supported API switches off the old pages/-folder mode for an app that calls st.navigation
(Streamlit 1.67); if one appears, replace the patch and these tests with it.
"""

from __future__ import annotations

import inspect

import streamlit.commands.navigation as navigation
from streamlit.runtime.pages_manager import PagesManager

from tests.paths import REPO


def test_streamlit_still_puts_an_app_with_a_pages_folder_in_the_old_mode(monkeypatch):
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    PagesManager(str(REPO / "app.py"))
    assert PagesManager.uses_pages_directory is True


def test_st_navigation_still_leaves_that_mode_through_the_same_flag():
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation)


def test_the_patch_clears_the_flag(monkeypatch):
    from ui import state

    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
    state.leave_pages_folder_mode()  # nothing to do: no rerun asked for outside a script run
    assert PagesManager.uses_pages_directory is False
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    monkeypatch.setattr(state.st, "rerun", lambda: None)
    state.leave_pages_folder_mode()
    assert PagesManager.uses_pages_directory is False
