"""The model subcommands of `python -m latent_core`: train, info, encode, decode."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import latent_core
from latent_core.cli import main


def test_train_writes_a_loadable_checkpoint(tmp_path, capsys):
    out = tmp_path / "m"
    assert (
        main(
            [
                "train",
                "--dataset",
                "digits",
                "--out",
                str(out),
                "--epochs",
                "1",
                "--latent-dim",
                "3",
                "--hidden",
                "32",
                "--name",
                "tiny",
            ]
        )
        == 0
    )
    model = latent_core.load_model(out)
    assert model.latent_dim == 3 and model.name == "tiny" and len(model.history) == 1
    assert "validation loss" in capsys.readouterr().out


def test_train_shows_a_progress_bar_on_stderr(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "latent_core",
            "train",
            "--dataset",
            "digits",
            "--out",
            str(tmp_path / "m"),
            "--epochs",
            "2",
            "--hidden",
            "32",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "training on digits" in result.stderr and "epoch" in result.stderr


def test_info_reports_model_and_dataset_as_json(checkpoint, capsys):
    assert main(["info", "--model", str(checkpoint), "--dataset", "digits", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"]["latent_dim"] == 4 and report["model"]["image_shape"] == [8, 8, 1]
    assert report["dataset"]["size"] == 1797 and sum(report["dataset"]["class_counts"]) == 1797


def test_encode_to_npy_and_csv(checkpoint, tmp_path, tiny_model, digits):
    assert main(["encode", "--model", str(checkpoint), "--dataset", "digits", "--out", str(tmp_path / "z.npy")]) == 0
    codes = np.load(tmp_path / "z.npy", allow_pickle=False)
    np.testing.assert_allclose(codes, tiny_model.encode(digits.images), atol=1e-5)
    assert main(["encode", "--model", str(checkpoint), "--dataset", "digits", "--out", str(tmp_path / "z.csv")]) == 0
    lines = (tmp_path / "z.csv").read_text().splitlines()
    assert lines[0] == "z0,z1,z2,z3,label" and len(lines) == 1798
    assert lines[1].split(",")[-1] == str(digits.labels[0])


def test_decode_codes_and_prior_draws_to_png(checkpoint, tmp_path, tiny_model):
    z = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    assert (
        main(
            [
                "decode",
                "--model",
                str(checkpoint),
                "--codes",
                str(tmp_path / "z.npy"),
                "--out",
                str(tmp_path / "a.png"),
                "--cols",
                "3",
                "--scale",
                "1",
            ]
        )
        == 0
    )
    grid = np.asarray(Image.open(tmp_path / "a.png"))
    assert grid.shape == (2 * 8 + 1, 3 * 8 + 2)
    assert np.array_equal(grid[:8, :8], tiny_model.decode(z[:1])[0, ..., 0])
    np.savetxt(tmp_path / "z.csv", z[:2], delimiter=",", header="a,b,c,d", comments="")
    assert (
        main(
            [
                "decode",
                "--model",
                str(checkpoint),
                "--codes",
                str(tmp_path / "z.csv"),
                "--out",
                str(tmp_path / "b.png"),
                "--scale",
                "1",
            ]
        )
        == 0
    )
    assert np.asarray(Image.open(tmp_path / "b.png")).shape == (8, 17)
    assert main(["decode", "--model", str(checkpoint), "--random", "4", "--out", str(tmp_path / "c.png")]) == 0
    assert Image.open(tmp_path / "c.png").size[0] > 8


@pytest.mark.parametrize(
    "argv, words",
    [
        (["info", "--model", "no/such/dir"], "does not exist"),
        (["encode", "--model", "digits", "--dataset", "nope", "--out", "x.npy"], "neither a built-in"),
        (["decode", "--model", "digits", "--random", "0", "--out", "x.png"], "out of range"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(argv, words, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "latent_core", *argv], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error:") and words in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["train", "info", "encode", "decode"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0 and "usage" in capsys.readouterr().out


def test_commands_on_a_users_file_report_how_it_was_read(tmp_path, capsys):
    images = np.random.default_rng(0).random((20, 8, 8)).astype(np.float32)
    np.save(tmp_path / "faces.npy", images)
    assert main(["info", "--dataset", str(tmp_path / "faces.npy"), "--json"]) == 0
    captured = capsys.readouterr()
    assert "faces.npy" in captured.err and "[0, 1]" in captured.err
    assert json.loads(captured.out)["dataset"]["size"] == 20
