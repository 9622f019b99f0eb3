"""`latent-core library list|show|export|gc` on the library LATENT_EXPLORER_HOME names."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

import latent_core as lc
from latent_core.cli import main
from latent_core.library.store import dataset_from_arrays
from tests.core.library.roundtrip import assert_same_images, codes, factored_dataset, set_last_used


@pytest.fixture
def saved(library, token, tiny_model, monkeypatch):
    """The fixture library (made the CLI's by LATENT_EXPLORER_HOME) holding data-1 and run-1."""
    monkeypatch.setenv("LATENT_EXPLORER_HOME", str(library.home))
    monkeypatch.delenv("LATENT_EXPLORER_DB", raising=False)
    library.save_dataset(token, factored_dataset(), "pets")
    library.save_model(token, tiny_model, "first run", seconds=2.0)
    return token


def test_list_prints_a_table_or_json(saved, capsys):
    assert main(["library", "list", "--workspace", saved]) == 0
    out = capsys.readouterr().out
    assert "data-1" in out and "pets" in out and "run-1" in out and "first run" in out
    assert "1 datasets, 1 models" in out
    assert main(["library", "list", "--workspace", saved, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [d["key"] for d in listed["datasets"]] == ["data-1"] and listed["models"][0]["seconds"] == 2.0


def test_show_prints_one_record(saved, capsys):
    assert main(["library", "show", "--workspace", saved, "run-1"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["name"] == "first run" and shown["source"] == "trained" and shown["history"]


def test_export_writes_a_checkpoint_zip_or_the_dataset(saved, tiny_model, tmp_path):
    assert main(["library", "export", "--workspace", saved, "run-1", "--out", str(tmp_path / "run.zip")]) == 0
    assert np.array_equal(
        lc.load_model(tmp_path / "run.zip").decode(codes(tiny_model)), tiny_model.decode(codes(tiny_model))
    )
    assert main(["library", "export", "--workspace", saved, "data-1", "--out", str(tmp_path / "pets.npz")]) == 0
    with np.load(tmp_path / "pets.npz", allow_pickle=False) as arrays:
        assert_same_images(factored_dataset(), dataset_from_arrays(arrays, "pets"))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["list", "--workspace", "nope"], "workspace link is not valid"),
        (["list", "--workspace", "0" * 32], "No workspace has this link"),
        (["show", "--workspace", "{token}", "run-9"], "'run-9' is not in this workspace"),
        (["show", "--workspace", "{token}", "data-7"], "'data-7' is not in this workspace"),
        (["export", "--workspace", "{token}", "../etc", "--out", "{tmp}/x.zip"], "is not in this workspace"),
        (["export", "--workspace", "{token}", "run-1", "--out", "{tmp}"], "is a folder"),
        (["gc", "--idle-days", "-1"], "--idle-days must be 0 or more"),
    ],
)
def test_bad_tokens_and_keys_exit_2_with_one_line(saved, tmp_path, capsys, argv, message):
    argv = [a.format(token=saved, tmp=tmp_path) for a in argv]
    assert main(["library", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("error: ")


def test_gc_removes_idle_workspaces_and_their_files(saved, library, capsys):
    kept = library.create_workspace()
    set_last_used(library, saved, datetime.now(UTC) - timedelta(days=40))
    assert main(["library", "gc", "--idle-days", "50"]) == 0
    assert "removed: 0 maps, 0 datasets, 0 models, 0 workspaces" in capsys.readouterr().out
    assert main(["library", "gc", "--idle-days", "30"]) == 0
    assert "1 datasets, 1 models, 1 workspaces" in capsys.readouterr().out.replace("0 maps, ", "")
    assert not library.has_workspace(saved) and library.has_workspace(kept)
