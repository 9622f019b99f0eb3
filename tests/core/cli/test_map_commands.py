"""The map subcommands of `python -m latent_core`: project, grid, interpolate."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from latent_core import fit_projection
from latent_core.cli import main

pytestmark = pytest.mark.usefixtures("cache_dir")


def test_project_writes_csv_with_labels_and_prints_quality(checkpoint, tmp_path, capsys, tiny_model, digits, cache_dir):
    out = tmp_path / "map.csv"
    assert (
        main(["project", "--model", str(checkpoint), "--dataset", "digits", "--method", "pca", "--out", str(out)]) == 0
    )
    lines = out.read_text().splitlines()
    assert lines[0] == "x,y,label" and len(lines) == len(digits) + 1
    table = np.loadtxt(out, delimiter=",", skiprows=1)
    expected = fit_projection(tiny_model.encode(digits.images), method="pca").embedding
    np.testing.assert_allclose(table[:, :2], expected, atol=1e-4)
    np.testing.assert_array_equal(table[:, 2], digits.labels)
    printed = capsys.readouterr().out
    assert "trustworthiness@10 0." in printed and "kNN recall@10" in printed and "inverse relative L2 error" in printed
    assert len(list(cache_dir.glob("*.npz"))) == 1


def test_project_writes_3d_npz(checkpoint, tmp_path, digits):
    out = tmp_path / "map.npz"
    assert (
        main(
            [
                "project",
                "--model",
                str(checkpoint),
                "--dataset",
                "digits",
                "--dims",
                "3",
                "--out",
                str(out),
                "--no-cache",
            ]
        )
        == 0
    )
    with np.load(out, allow_pickle=False) as stored:
        assert stored["embedding"].shape == (len(digits), 3) and stored["embedding"].dtype == np.float32
        np.testing.assert_array_equal(stored["labels"], digits.labels)


def test_grid_writes_a_png_of_decoded_images(checkpoint, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert (
        main(
            [
                "grid",
                "--model",
                str(checkpoint),
                "--dataset",
                "digits",
                "--method",
                "tsne",
                "--rows",
                "3",
                "--cols",
                "5",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    picture = np.asarray(Image.open(out))
    assert picture.shape == (3 * 9 - 1, 5 * 9 - 1) and picture.max() > 0
    assert "3x5 grid" in capsys.readouterr().out
    assert (
        main(
            [
                "grid",
                "--model",
                str(checkpoint),
                "--dataset",
                "digits",
                "--rows",
                "2",
                "--cols",
                "2",
                "--scale",
                "3",
                "--bounds",
                "-1",
                "1",
                "-1",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert Image.open(out).size == (3 * 17, 3 * 17)


def test_interpolate_writes_a_strip_and_a_gif(checkpoint, tmp_path, tiny_model, digits):
    strip = tmp_path / "strip.png"
    assert (
        main(
            [
                "interpolate",
                "--model",
                str(checkpoint),
                "--dataset",
                "digits",
                "--start",
                "0",
                "--end",
                "7",
                "--steps",
                "6",
                "--mode",
                "linear",
                "--scale",
                "1",
                "--out",
                str(strip),
            ]
        )
        == 0
    )
    picture = np.asarray(Image.open(strip))
    assert picture.shape == (8, 6 * 9 - 1)
    ends = tiny_model.encode(digits.images[[0, 7]])
    np.testing.assert_array_equal(picture[:, :8], tiny_model.decode(ends[:1])[0, ..., 0])
    np.testing.assert_array_equal(picture[:, -8:], tiny_model.decode(ends[1:])[0, ..., 0])
    gif = tmp_path / "path.gif"
    assert (
        main(
            [
                "interpolate",
                "--model",
                str(checkpoint),
                "--dataset",
                "digits",
                "--start",
                "3",
                "--end",
                "4",
                "--out",
                str(gif),
            ]
        )
        == 0
    )
    animation = Image.open(gif)
    assert animation.format == "GIF" and animation.n_frames == 2 * 10 - 2  # forward, then back


@pytest.mark.parametrize(
    "argv, words",
    [
        (["interpolate", "--start", "0", "--end", "5000", "--out", "x.png"], "--end 5000 is not an image of 'digits'"),
        (["interpolate", "--start", "0", "--end", "1", "--steps", "1", "--out", "x.png"], "steps=1 is invalid"),
        (["interpolate", "--start", "0", "--end", "1", "--out", "x.jpg"], "must end in .png or .gif"),
        (["project", "--dims", "4", "--out", "x.csv"], "dims=4 is not supported"),
        (["project", "--out", "x.txt"], "must end in .csv or .npz"),
        (["grid", "--rows", "0", "--out", "x.png"], "rows=0 is invalid"),
        (["grid", "--bounds", "1", "0", "0", "1", "--out", "x.png"], "x_min < x_max"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_status_2(checkpoint, tmp_path, capsys, argv, words):
    argv = [argv[0], "--model", str(checkpoint), "--dataset", "digits", *argv[1:]]
    assert main(argv) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("error:") and words in last


def test_bad_input_from_the_shell_prints_no_traceback(checkpoint, tmp_path):
    command = [
        sys.executable,
        "-m",
        "latent_core",
        "grid",
        "--model",
        str(checkpoint),
        "--dataset",
        "digits",
        "--rows",
        "0",
        "--out",
        "x.png",
    ]
    env = dict(os.environ, LATENT_EXPLORER_CACHE=str(tmp_path / "cache"))
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 2
    assert result.stderr == "error: Grid rows=0 is invalid; it must be a whole number from 1 to 100.\n"


def test_every_map_command_has_help(capsys):
    for command in ("project", "grid", "interpolate"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        assert "--model" in capsys.readouterr().out
