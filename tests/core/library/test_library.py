"""Library on SQLite: round trips, keys, isolation, tokens, dedup, quotas, names, views and maps."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

import latent_core as lc
from latent_core.library.library import GRACE_S
from tests.core.library.roundtrip import check_round_trip, codes, factored_dataset, set_last_used


def object_files(library: lc.Library) -> list:
    return sorted(p for shard in (library.home / "objects").iterdir() for p in shard.iterdir())


def test_round_trip(library, tiny_model, tmp_path):
    check_round_trip(library, tiny_model, tmp_path)


def test_the_database_is_sqlite_in_wal_mode_under_home(library):
    assert library.url == f"sqlite:///{library.home / 'library.sqlite3'}"
    with library.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_home_and_url_default_to_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_EXPLORER_HOME", str(tmp_path / "h"))
    with lc.Library() as library:
        assert library.home == tmp_path / "h" and (tmp_path / "h" / "library.sqlite3").is_file()
    monkeypatch.setenv("LATENT_EXPLORER_DB", f"sqlite:///{tmp_path / 'other.db'}")
    with lc.Library() as library:
        library.create_workspace()
        assert (tmp_path / "other.db").is_file() and (library.home / "objects").is_dir()


def test_keys_count_up_per_kind_and_per_workspace_and_are_never_reused(library, token, digits, tiny_model):
    other = library.create_workspace()
    assert library.save_dataset(token, digits, "digits").key == "data-1"
    assert library.save_dataset(token, factored_dataset(), "pets").key == "data-2"
    assert library.save_dataset(other, factored_dataset(), "pets").key == "data-1"
    assert library.save_model(token, tiny_model, "a").key == "run-1"
    uploaded = lc.train_model(digits, latent_dim=2, epochs=1, batch_size=256, seed=1, hidden=16)
    assert library.save_model(token, uploaded, "b", source="uploaded").key == "checkpoint-1"
    library.delete_model(token, "run-1")
    assert library.save_model(token, tiny_model, "a again", parent="checkpoint-1").key == "run-2"
    assert library.model(token, "run-2").parent == "checkpoint-1"
    assert [m.key for m in library.models(token)] == ["checkpoint-1", "run-2"]


@pytest.mark.parametrize(
    "bad", ["", "abc", "g" * 32, "A" * 32, "a" * 31, "a" * 33, "a" * 10_000, None, 12, b"0" * 32, "0" * 31 + "\n"]
)
def test_bad_tokens_find_no_workspace_and_raise_in_words(library, token, bad):
    assert not library.valid_token(bad) and not library.has_workspace(bad)
    with pytest.raises(lc.InvalidInputError, match="workspace link is not valid"):
        library.datasets(bad)
    with pytest.raises(lc.InvalidInputError, match="workspace link is not valid"):
        library.save_dataset(bad, factored_dataset(), "pets")


def test_an_unknown_token_and_another_workspaces_key_find_nothing(library, token, tiny_model):
    unknown = "0" * 32
    assert library.valid_token(unknown) and not library.has_workspace(unknown)
    with pytest.raises(lc.InvalidInputError, match="No workspace has this link"):
        library.models(unknown)
    library.save_model(token, tiny_model, "mine")
    other = library.create_workspace()
    for key in ("run-1", "../run-1", str(library.model(token, "run-1").path), token):
        with pytest.raises(lc.InvalidInputError, match="is not in this workspace"):
            library.load_model(other, key)


def test_the_same_content_is_stored_once(library, token, tiny_model):
    first = library.save_dataset(token, factored_dataset(), "pets")
    assert library.save_dataset(token, factored_dataset(), "pets, again") == first
    other = library.create_workspace()
    theirs = library.save_dataset(other, factored_dataset(), "their pets")
    assert theirs.content_hash == first.content_hash and theirs.name == "their pets"
    library.save_model(token, tiny_model, "run")
    library.save_model(other, tiny_model, "run")
    assert len(object_files(library)) == 2 and len(library.datasets(token)) == 1


def test_over_the_quota_a_save_is_refused_in_words_and_nothing_is_written(library, token, tiny_model, monkeypatch):
    kept = library.save_dataset(token, factored_dataset(), "pets")
    monkeypatch.setenv("LATENT_EXPLORER_QUOTA_BYTES", str(kept.bytes + 1000))
    before = object_files(library)
    big = lc.ImageDataset(np.zeros((40, 16, 16, 1), np.uint8), name="big")
    with pytest.raises(lc.InvalidInputError, match="quota.*LATENT_EXPLORER_QUOTA_BYTES"):
        library.save_dataset(token, big, "big")
    with pytest.raises(lc.InvalidInputError, match="quota.*LATENT_EXPLORER_QUOTA_BYTES"):
        library.save_model(token, tiny_model, "run")
    assert object_files(library) == before and list((library.home / "tmp").iterdir()) == []
    assert library.datasets(token) == [kept] and library.models(token) == [] and library.usage(token) == kept.bytes
    assert library.save_dataset(token, factored_dataset(), "pets") == kept  # what it has costs nothing more
    monkeypatch.setenv("LATENT_EXPLORER_QUOTA_BYTES", str(2 * big.images.nbytes))
    assert library.save_dataset(library.create_workspace(), big, "big").key == "data-1"  # quotas are per workspace


@pytest.mark.parametrize("bad", ["", "   ", "x" * 81, "tab\there", "new\nline", None, 3])
def test_rename_takes_1_to_80_printable_characters(library, token, tiny_model, bad):
    library.save_model(token, tiny_model, "run")
    with pytest.raises(lc.InvalidInputError, match="1 to 80 printable characters"):
        library.rename_model(token, "run-1", bad)
    assert library.rename_model(token, "run-1", "x" * 80).name == "x" * 80


def test_names_given_by_programs_are_made_to_fit(library, token):
    record = library.save_dataset(token, factored_dataset(), "a\tlong name " * 20)
    assert len(record.name) <= 80 and record.name.isprintable() and record.name.endswith("…")
    assert library.save_dataset(token, lc.ImageDataset(np.ones((3, 8, 8), np.uint8), name="ones"), "").name == "ones"


def test_deleted_files_go_at_the_next_gc(library, token, tiny_model):
    run = library.save_model(token, tiny_model, "run")
    library.delete_model(token, run.key)
    assert run.path.is_dir() and library.gc()["files"] == 0  # young files wait for the grace period
    assert library.gc(grace_s=0)["files"] == 1 and not run.path.exists()
    with pytest.raises(lc.InvalidInputError, match="'run-1' is not in this workspace"):
        library.delete_model(token, run.key)


def test_views_are_json_objects(library, token):
    assert library.view(token) == {}
    library.save_view(token, {"dataset": "data-1", "sliders": [0.5, -1.0], "colour": "label"})
    assert library.view(token)["sliders"] == [0.5, -1.0]
    for bad in ([1, 2], {"x": object()}, {"x": float("nan")}, {"x": "y" * 2_000_000}):
        with pytest.raises(lc.InvalidInputError, match="workspace view"):
            library.save_view(token, bad)


def test_the_same_map_is_recorded_once(library, token):
    config = lc.ProjectionConfig(method="umap", dims=3, neighbors=10)
    for _ in range(3):
        library.record_map(token, "data-1", "run-1", config, "c" * 32)
    library.record_map(token, "data-1", "run-1", lc.ProjectionConfig(method="pca"), "c" * 32)
    recorded = library.maps(token)
    assert [(m.method, m.dims) for m in recorded] == [("umap", 3), ("pca", 2)]
    assert recorded[0].settings == config.to_dict() and recorded[0].codes_fingerprint == "c" * 32


def test_loaded_models_decode_as_saved(library, token, tiny_model):
    library.save_model(token, tiny_model, "run")
    with lc.Library(home=library.home) as reopened:
        assert np.array_equal(
            reopened.load_model(token, "run-1").decode(codes(tiny_model)), tiny_model.decode(codes(tiny_model))
        )


def make_idle(library, token, days: int) -> None:
    set_last_used(library, token, datetime.now(UTC) - timedelta(days=days))


def test_gc_removes_idle_workspaces_and_files_only_they_used(library, token, tiny_model, monkeypatch):
    kept = library.create_workspace()
    shared = library.save_dataset(token, factored_dataset(), "pets")
    library.save_dataset(kept, factored_dataset(), "pets")
    run = library.save_model(token, tiny_model, "run")
    library.record_map(token, "data-1", "run-1", lc.ProjectionConfig(), "a" * 32)
    make_idle(library, token, 91)
    make_idle(library, kept, 89)
    counts = library.gc(grace_s=0)  # LATENT_EXPLORER_IDLE_DAYS: 90 by default
    assert (counts["workspaces"], counts["datasets"], counts["models"], counts["maps"], counts["files"]) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert not library.has_workspace(token) and library.has_workspace(kept)
    assert not run.path.exists() and library.store.path(shared.content_hash, ".npz").is_file()
    monkeypatch.setenv("LATENT_EXPLORER_IDLE_DAYS", "30")
    assert library.gc()["workspaces"] == 1 and library.counts() == {
        "workspaces": 0,
        "datasets": 0,
        "models": 0,
        "maps": 0,
    }


def test_gc_leaves_young_leftovers_to_saves_under_way_and_removes_old_ones(library, token):
    orphan = library.store.path("ab" * 16, ".npz")
    orphan.parent.mkdir()
    orphan.write_bytes(b"left by a save killed after its file and before its row")
    leftover = library.store.tmp / "0123"
    leftover.mkdir()
    (leftover / "data.npz").write_bytes(b"half a file")
    assert library.gc()["files"] == 0 and orphan.exists() and leftover.exists()
    old = time.time() - 2 * GRACE_S
    for path in (orphan, leftover):
        os.utime(path, (old, old))
    counts = library.gc()
    assert (counts["files"], counts["temp"]) == (1, 1) and not orphan.exists() and not leftover.exists()


def test_the_default_home_is_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("LATENT_EXPLORER_HOME")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert lc.Settings().home == Path.home() / ".local" / "share" / "latent-explorer"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert lc.Settings().home == tmp_path / "latent-explorer"
    assert (lc.Settings().db_url, lc.Settings().quota_bytes, lc.Settings().idle_days) == (None, 2 * 1024**3, 90)
    read = lc.Settings.from_env({"LATENT_EXPLORER_DB": " sqlite:///x.db ", "LATENT_EXPLORER_QUOTA_BYTES": "1000"})
    assert read.db_url == "sqlite:///x.db" and read.quota_bytes == 1000


def test_reads_do_not_wait_for_a_writer(library, token):
    with library.engine.begin() as writer:  # holds SQLite's write lock until the block ends
        writer.exec_driver_sql("UPDATE workspaces SET view = '{}'")
        start = time.monotonic()
        assert library.datasets(token) == [] and library.has_workspace(token) and library.view(token) == {}
        assert time.monotonic() - start < 5


def test_metrics_reports_and_exports_take_what_programs_give(library, token, tiny_model, tmp_path):
    library.save_model(token, tiny_model, "run")
    figures = {"trustworthiness": np.float32(0.5), "recall": np.float64("nan"), "per_class": np.arange(3)}
    assert library.set_metrics(token, "run-1", figures).metrics == {
        "trustworthiness": 0.5,
        "recall": None,
        "per_class": [0, 1, 2],
    }
    report = lc.LoadReport("pets.zip", "images", notes=["resized"], skipped=[("a.txt", "is text")])
    assert library.save_dataset(token, factored_dataset(), "pets", report).report["skipped"] == [["a.txt", "is text"]]
    assert library.export_model(token, "run-1", tmp_path / "new" / "run.zip").is_file()
    with pytest.raises(lc.InvalidInputError, match="is a folder"):
        library.export_dataset(token, "data-1", tmp_path)


def test_a_runs_validation_objective_is_the_kept_epochs_not_the_last(library, token, tiny_model):
    model = lc.LatentModel(tiny_model.network, dict(tiny_model.config))
    model.config["history"] = [
        {"epoch": 1, "val_loss": 30.0},
        {"epoch": 2, "val_loss": 20.0},
        {"epoch": 3, "val_loss": 25.0},
    ]
    model.config["best_epoch"] = 2
    assert library.save_model(token, model, "early stopped").val_loss == 20.0
    del model.config["best_epoch"]
    assert library.save_model(token, model, "no best epoch").val_loss == 25.0
