"""Fixtures of the library tests: a library of each test's own, with a workspace in it."""

from __future__ import annotations

import pytest

import latent_core as lc


@pytest.fixture
def library(tmp_path) -> lc.Library:
    """A fresh SQLite library in tmp_path/home."""
    with lc.Library(home=tmp_path / "home") as library:
        yield library


@pytest.fixture
def token(library) -> str:
    return library.create_workspace()
