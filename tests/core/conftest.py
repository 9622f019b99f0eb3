"""Fixtures of the engine tests: a projection cache folder of each test's own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """LATENT_EXPLORER_CACHE points at tmp_path/cache (not made yet), with the cache's default size."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("LATENT_EXPLORER_CACHE", str(folder))
    monkeypatch.delenv("LATENT_EXPLORER_CACHE_MAX_BYTES", raising=False)
    return folder
