"""encode_to_parquet on a 2-worker LocalCluster: the same codes as model.encode, retries after a killed worker,
corrupt images skipped or stopping the job, and the CLI's --data form."""

from __future__ import annotations

import os
import signal

import numpy as np
import pyarrow.parquet as pq
import pytest

import latent_core
from latent_core.cli import main
from latent_core.datasets.shapes import SHAPE_NAMES
from latent_core.distributed import EncodeConfig, encode_to_parquet
from latent_core.distributed.encode import read_codes_meta, stack_codes

from .conftest import write_image_folder

pytestmark = pytest.mark.slow


def test_codes_equal_single_process_encode(engine, image_table, shapes_5000, tmp_path):
    out = tmp_path / "codes.parquet"
    result = encode_to_parquet(image_table, "shapes", out, EncodeConfig(partition_size=512), engine=engine)
    table = pq.read_table(out)
    model = latent_core.load_model("shapes")
    assert result.rows == len(table) == 5000
    np.testing.assert_array_equal(table.column("index").to_numpy(), np.arange(5000))
    np.testing.assert_array_equal(table.column("label").to_numpy(), shapes_5000.labels)
    assert table.column("source").to_pylist()[:2] == ["img00000.png", "img00001.png"]
    np.testing.assert_allclose(stack_codes(table, 10), model.encode(shapes_5000.images), rtol=0, atol=1e-5)
    meta = read_codes_meta(out)
    assert meta["latent_dim"] == 10 and meta["image_shape"] == [32, 32, 1]
    assert meta["data"]["kind"] == "parquet" and meta["model"].endswith("shapes")


def test_a_killed_worker_is_retried_and_nothing_is_lost_or_doubled(engine, image_table, tmp_path):
    out = tmp_path / "codes.parquet"
    killed = []

    def kill_one_worker(done: int, total: int) -> None:
        if not killed:
            pid = next(iter(engine.pids().values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    encode_to_parquet(
        image_table, "shapes", out, EncodeConfig(partition_size=100), engine=engine, on_progress=kill_one_worker
    )
    assert killed
    index = pq.read_table(out, columns=["index"]).column("index").to_numpy()
    assert len(index) == 5000 and len(np.unique(index)) == 5000
    np.testing.assert_array_equal(index, np.arange(5000))


@pytest.fixture
def corrupt_folder(tmp_path, shapes_5000):
    """60 shapes in class folders, plus a truncated PNG and a text file in the first image's class folder."""
    folder = write_image_folder(tmp_path / "images", shapes_5000.images[:60], shapes_5000.labels[:60])
    first = folder / SHAPE_NAMES[shapes_5000.labels[0]]
    (first / "broken.png").write_bytes((first / "00000.png").read_bytes()[:60])
    (first / "notes.txt").write_text("not an image")
    return folder, f"{first.name}/broken.png"


def test_a_corrupt_image_is_skipped_and_reported_by_path(engine, corrupt_folder, tmp_path):
    folder, broken = corrupt_folder
    result = encode_to_parquet(
        folder, "shapes", tmp_path / "codes.parquet", EncodeConfig(partition_size=16), engine=engine
    )
    assert result.rows == 60
    assert [name for name, _ in result.problems] == [broken]
    assert "truncated or corrupt" in result.problems[0][1]
    assert [name for name, _ in result.passed] == [broken.replace("broken.png", "notes.txt")]
    table = pq.read_table(tmp_path / "codes.parquet")
    assert broken not in table.column("source").to_pylist()
    assert sorted(set(table.column("label").to_pylist())) == [0, 1, 2]


def test_cli_on_error_skip_and_stop(corrupt_folder, tmp_path, capsys):
    folder, broken = corrupt_folder
    out = tmp_path / "codes.parquet"
    args = ["encode", "--data", str(folder), "--model", "shapes", "--out", str(out), "--workers", "1"]
    assert main(args + ["--on-error", "skip"]) == 0
    captured = capsys.readouterr()
    assert f"skipped {broken}: is truncated or corrupt" in captured.err
    assert "wrote 60 codes of dimension 10" in captured.out
    assert pq.read_metadata(out).num_rows == 60

    out.unlink()
    assert main(args + ["--on-error", "stop"]) == 2
    error = capsys.readouterr().err
    assert f"error: Image '{broken}' is truncated or corrupt" in error and "--on-error skip" in error
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


def test_cli_refuses_mixed_forms(tmp_path, capsys):
    out = tmp_path / "codes.parquet"
    assert main(["encode", "--dataset", "digits", "--model", "digits", "--out", str(out), "--workers", "2"]) == 2
    assert "--workers need --data" in capsys.readouterr().err
    assert main(["encode", "--data", str(tmp_path), "--model", "shapes", "--out", str(tmp_path / "c.npy")]) == 2
    assert "must end in .parquet" in capsys.readouterr().err
    assert main(["encode", "--data", str(tmp_path / "nothing"), "--model", "shapes", "--out", str(out)]) == 2
    assert "is not an existing folder or file" in capsys.readouterr().err
