"""Crash safety and sharing: a save killed with SIGKILL leaves no half entry; two processes share one database."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import latent_core as lc
from latent_core.library.store import DATASET_SUFFIX, dataset_arrays, dataset_hash, folder_hash
from tests.paths import REPO

pytestmark = pytest.mark.slow


def saver(*args) -> subprocess.Popen:
    """python -m tests.core.library.saver ARGS, from the repository root, one thread for torch."""
    env = os.environ | {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.core.library.saver", *map(str, args)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def check_consistent(library: lc.Library, token: str) -> None:
    """Every row's files exist, load and match their hash; every visible object is whole (a row's, or an orphan
    whose content matches its name); the SQLite file passes its integrity check."""
    with library.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    for record in library.datasets(token):
        data = library.load_dataset(token, record.key)
        assert dataset_hash(*dataset_arrays(data)) == record.content_hash and len(data) == record.size
    for record in library.models(token):
        assert folder_hash(record.path) == record.content_hash
        assert library.load_model(token, record.key).latent_dim == record.latent_dim
    for content_hash, path in library.store.entries():
        if path.name.endswith(DATASET_SUFFIX):
            with np.load(path, allow_pickle=False) as arrays:
                assert dataset_hash("images", {name: arrays[name] for name in arrays.files}) == content_hash
        else:
            assert folder_hash(path) == content_hash and lc.load_model(path).latent_dim == 16
    keys = [r.key for r in library.datasets(token) + library.models(token)]
    assert len(keys) == len(set(keys))


def test_a_save_killed_with_sigkill_leaves_no_half_entry(library, token):
    rng = random.Random(0)
    for _ in range(4):
        process = saver("crash", library.home, token)
        assert process.stdout.readline().startswith("saving")
        time.sleep(rng.uniform(0.2, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()
        check_consistent(library, token)
    saved = library.datasets(token) + library.models(token)
    assert saved, "the saver never finished a save: give it longer before the kill"
    counts = library.gc(grace_s=0)
    assert list(library.store.tmp.iterdir()) == []
    referenced = {r.content_hash for r in saved}
    assert {h for h, _ in library.store.entries()} == referenced and counts["workspaces"] == 0
    check_consistent(library, token)
    assert library.save_dataset(token, lc.ImageDataset(np.ones((4, 8, 8), np.uint8)), "after").key.startswith("data-")


def test_two_processes_sharing_one_database_see_each_others_records(library, token):
    processes = [saver("share", library.home, token, name, 3, 6) for name in ("north", "south")]
    outputs = [json.loads(p.communicate(timeout=300)[0]) for p in processes]
    assert all(p.returncode == 0 for p in processes)
    names = {f"{side}-{i}" for side in ("north", "south") for i in range(3)}
    for seen in outputs:
        assert {name for _, name in seen["datasets"]} == names
        assert sorted(key for key, _ in seen["datasets"]) == sorted(f"data-{n}" for n in range(1, 7))
        assert {name for _, name in seen["models"]} == {"north-model", "south-model"}
    assert [r.key for r in library.models(token)] == ["run-1", "run-2"]
