"""Fixtures of the CLI tests: the tiny model saved as a checkpoint folder, once per test module."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, tiny_model) -> Path:
    folder = tmp_path_factory.mktemp("ckpt")
    tiny_model.save(folder)
    return folder
