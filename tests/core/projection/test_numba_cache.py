"""umap-learn's compiled functions are kept in numba's on-disk cache, under the projection cache by default, so that
a restart (or a worker process) loads machine code instead of compiling umap-learn again."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from latent_core.projection import methods
from tests.paths import REPO

RUN_WARM_UP = (
    "import json, os; os.environ['OMP_NUM_THREADS'] = '1'; from latent_core.projection import methods; "
    "print(json.dumps({'seconds': methods.warm_up_umap(), 'folder': methods.numba_cache_dir()}))"
)


@pytest.fixture
def numba_setting(monkeypatch):
    """NUMBA_CACHE_DIR and numba's own setting as they were, after the test."""
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    if "numba" in sys.modules:
        from numba.core import config

        monkeypatch.setattr(config, "CACHE_DIR", config.CACHE_DIR)


def test_the_cache_folder_is_under_the_projection_cache_unless_numba_cache_dir_names_one(
    monkeypatch, tmp_path, numba_setting
):
    monkeypatch.setenv("LATENT_EXPLORER_CACHE", str(tmp_path / "projections"))
    assert methods.numba_cache_dir() == str(tmp_path / "projections" / "numba")
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "projections" / "numba")  # for workers started later
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert methods.numba_cache_dir() == str(tmp_path / "elsewhere")
    if "numba" in sys.modules:
        from numba.core import config

        assert config.CACHE_DIR == str(tmp_path / "elsewhere")  # numba read the variable at its import


def warm_up_in_a_new_process(folder) -> dict:
    env = os.environ | {"NUMBA_CACHE_DIR": str(folder), "NUMBA_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", RUN_WARM_UP], cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # compiles umap-learn and pynndescent from nothing: 20-150 s on a busy 2-core machine
def test_a_second_process_loads_umap_learns_machine_code_from_the_cache(tmp_path):
    first = warm_up_in_a_new_process(tmp_path / "numba")
    assert first["folder"] == str(tmp_path / "numba")
    umap_files = {p.name for p in (tmp_path / "numba").rglob("*.nbi") if "umap" in p.parent.name}
    # umap-learn marks one function cache=True; these are compiled on first use and kept only by import_umap
    for function in ("umap_.smooth_knn_dist", "umap_.compute_membership_strengths", "layouts.rdist"):
        assert any(name.startswith(f"{function}-") for name in umap_files), (function, sorted(umap_files))
    kept = {path: path.stat().st_mtime_ns for path in (tmp_path / "numba").rglob("*") if path.is_file()}
    warm_up_in_a_new_process(tmp_path / "numba")
    after = {path: path.stat().st_mtime_ns for path in (tmp_path / "numba").rglob("*") if path.is_file()}
    # The second process loaded every function from the cache: numba wrote no new machine code and no index.
    assert after == kept, sorted(str(p.relative_to(tmp_path)) for p in after if after.get(p) != kept.get(p))
