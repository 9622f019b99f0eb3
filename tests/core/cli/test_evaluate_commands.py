"""`python -m latent_core evaluate`: a table or one JSON object, and --save writes metrics.json."""

from __future__ import annotations

import json
import shutil
import zipfile

import latent_core
from latent_core.cli import main


def test_evaluate_prints_one_json_object(checkpoint, capsys):
    assert main(["evaluate", "--model", str(checkpoint), "--dataset", "digits", "-k", "5", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["split"] == "validation" and figures["n_images"] == 180 and figures["k"] == 5
    assert figures["iwae_nll_nats"] > 0 and len(figures["kl_per_dim"]) == 4
    assert not (checkpoint / "metrics.json").exists()


def test_evaluate_prints_a_table_and_saves_on_request(checkpoint, tmp_path, capsys):
    folder = tmp_path / "ckpt"
    shutil.copytree(checkpoint, folder)
    args = ["evaluate", "--model", str(folder), "--dataset", "digits", "-k", "3", "--max-images", "50", "--save"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "| −log p(x), IWAE bound (k=3) |" in out and "On 50 held-out validation images of 'digits'" in out
    saved = latent_core.load_model(folder).metrics
    assert saved["n_images"] == 50 and saved["k"] == 3
    assert "## Evaluation" in (folder / "README.md").read_text()


def test_evaluate_binarize_and_errors_in_words(checkpoint, tmp_path, capsys):
    assert main(["evaluate", "--model", str(checkpoint), "--dataset", "digits", "-k", "2", "--binarize", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["binarized"] is True
    assert main(["evaluate", "--model", str(checkpoint), "--dataset", "digits", "-k", "0"]) == 2
    assert "importance samples" in capsys.readouterr().err
    archive = tmp_path / "ckpt.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in checkpoint.iterdir():
            z.write(path, path.name)
    assert main(["evaluate", "--model", str(archive), "--dataset", "digits", "--save"]) == 2
    assert "checkpoint folder" in capsys.readouterr().err
