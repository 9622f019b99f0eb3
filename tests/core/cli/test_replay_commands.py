"""The `replay` and `analogy` subcommands of `python -m latent_core`."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from latent_core import analogy, class_mean
from latent_core.cli import main
from latent_core.imaging import image_grid


def test_replay_writes_a_gif_of_the_runs_frames(checkpoint, tiny_model, tmp_path, capsys):
    out = tmp_path / "replay.gif"
    assert main(["replay", "--model", str(checkpoint), "--dataset", "digits", "--size", "150", "--out", str(out)]) == 0
    picture = Image.open(out)
    assert picture.format == "GIF" and picture.n_frames == tiny_model.training_map.frame_count
    assert picture.size == (150, 168)
    assert f"wrote {tiny_model.training_map.frame_count} frames of 1,797 images" in capsys.readouterr().out


def test_replay_refuses_a_model_without_a_map_and_other_data(checkpoint, tmp_path, capsys):
    assert main(["replay", "--model", "digits", "--out", str(tmp_path / "r.gif")]) == 2  # the shipped model
    assert "has no map over training" in capsys.readouterr().err
    assert main(["replay", "--model", str(checkpoint), "--dataset", "shapes", "--out", str(tmp_path / "r.gif")]) == 2
    assert "trained on other images" in capsys.readouterr().err
    assert main(["replay", "--model", str(checkpoint), "--out", str(tmp_path / "r.png")]) == 2
    assert not (tmp_path / "r.gif").exists()


@pytest.mark.parametrize("classes", [False, True])
def test_analogy_writes_a_b_c_and_the_result(checkpoint, tiny_model, digits, tmp_path, classes):
    out = tmp_path / "analogy.png"
    flags = ["--a", "3", "--b", "5", "--c", "7", "--scale", "1"] + (["--classes"] if classes else [])
    assert main(["analogy", "--model", str(checkpoint), "--dataset", "digits", *flags, "--out", str(out)]) == 0
    if classes:
        picked = [class_mean(tiny_model, digits, label) for label in (3, 5, 7)]
    else:
        picked = [digits.images[i] for i in (3, 5, 7)]
    expected = image_grid(analogy(tiny_model, *picked).images, cols=4, pad=1)
    np.testing.assert_array_equal(np.asarray(Image.open(out)), expected[..., 0])


def test_analogy_refuses_an_index_outside_the_dataset(checkpoint, tmp_path, capsys):
    flags = ["--a", "0", "--b", "1", "--c", "99999"]
    assert (
        main(["analogy", "--model", str(checkpoint), "--dataset", "digits", *flags, "--out", str(tmp_path / "a.png")])
        == 2
    )
    assert "--c 99999 is not an image of 'digits'" in capsys.readouterr().err
