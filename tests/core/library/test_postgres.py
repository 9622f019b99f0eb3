"""The library on PostgreSQL: the core round trip, two servers on one database, keys under concurrency, gc.

LATENT_EXPLORER_TEST_PG names the database as a SQLAlchemy URL (.ci/run starts Debian's postgresql and sets
it). Without it the module is skipped, except under CI=true, where a missing database is a failure.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

import latent_core as lc
from tests.core.library.roundtrip import check_round_trip, embeddings_with_images, factored_dataset, set_last_used

URL = os.environ.get("LATENT_EXPLORER_TEST_PG", "")


@pytest.fixture
def pg_library(tmp_path):
    if not URL:
        if os.environ.get("CI"):
            pytest.fail("CI=true but LATENT_EXPLORER_TEST_PG is unset: .ci/run starts PostgreSQL and sets it.")
        pytest.skip("LATENT_EXPLORER_TEST_PG is unset (a PostgreSQL URL); .ci/run sets it")
    with lc.Library(URL, home=tmp_path / "home") as library:
        assert library.engine.dialect.name == "postgresql"
        yield library


def test_round_trip_on_postgres(pg_library, tiny_model, tmp_path):
    check_round_trip(pg_library, tiny_model, tmp_path)


def test_two_servers_number_keys_and_keep_one_record_per_content(pg_library):
    token = pg_library.create_workspace()
    with lc.Library(URL, home=pg_library.home) as second, ThreadPoolExecutor(4) as pool:
        saves = [
            pool.submit(library.save_dataset, token, data, f"set {i}")
            for i, library in enumerate([pg_library, second] * 3)
            for data in [lc.ImageDataset(factored_dataset().images // (i + 2), name="copy")]
        ]
        keys = sorted(future.result().key for future in saves)
    assert keys == sorted(f"data-{n}" for n in range(1, 7))
    assert len(pg_library.datasets(token)) == 6
    with lc.Library(URL, home=pg_library.home) as second, ThreadPoolExecutor(4) as pool:
        same = [
            pool.submit(library.save_dataset, token, embeddings_with_images(), "same")
            for library in [pg_library, second] * 2
        ]
        assert len({future.result().key for future in same}) == 1
    assert len(pg_library.datasets(token)) == 7


def test_gc_on_postgres_removes_idle_workspaces(pg_library):
    idle, kept = pg_library.create_workspace(), pg_library.create_workspace()
    unique = lc.EmbeddingSet(np.random.default_rng().normal(size=(5, 3)))  # no other test's rows use its file
    pg_library.save_dataset(idle, unique, "vectors")
    for token in (idle, kept):
        set_last_used(pg_library, token, datetime.now(UTC) - timedelta(days=100))
    pg_library.touch(kept)
    counts = pg_library.gc(idle_days=90, grace_s=0)
    assert counts["files"] == 1 and counts["datasets"] >= 1 and counts["workspaces"] >= 1
    assert not pg_library.has_workspace(idle) and pg_library.has_workspace(kept)
