"""Fixtures of the app tests: a Workspace holding digits with the tiny model saved in tmp_path and active."""

from __future__ import annotations

import pytest

from tests.app.app_workspace import workspace_for
from ui import state


@pytest.fixture
def ws(digits, tiny_model, tmp_path) -> state.Workspace:
    return workspace_for(digits, tiny_model, tmp_path)
