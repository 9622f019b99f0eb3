"""metrics.json beside a checkpoint: written atomically, read back into model.metrics, shown in the model card."""

from __future__ import annotations

import json

import pytest

import latent_core
from latent_core import evaluate
from latent_core.checkpoint.card import model_card
from latent_core.checkpoint.format import METRICS_FILE, write_metrics


@pytest.fixture(scope="module")
def evaluation(tiny_model, digits):
    return evaluate(tiny_model, digits, k=10)


def test_metrics_are_saved_beside_the_config_and_loaded_back(tiny_model, evaluation, tmp_path):
    tiny_model.save(tmp_path)
    assert latent_core.load_model(tmp_path).metrics is None
    path = write_metrics(tmp_path, evaluation)
    assert path == tmp_path / METRICS_FILE and not list(tmp_path.glob(".tmp-*"))
    loaded = latent_core.load_model(tmp_path)
    assert loaded.metrics == json.loads(json.dumps(evaluation.to_dict()))
    assert latent_core.Evaluation.from_dict(loaded.metrics) == evaluation
    card = (tmp_path / "README.md").read_text()
    assert "## Evaluation" in card and f"IWAE bound (k=10) | {evaluation.iwae_nll_nats:.2f} ±" in card


def test_saving_a_model_keeps_its_metrics_and_drops_stale_ones(tiny_model, evaluation, tmp_path):
    tiny_model.save(tmp_path / "a")
    write_metrics(tmp_path / "a", evaluation)
    loaded = latent_core.load_model(tmp_path / "a")
    loaded.save(tmp_path / "b")
    assert json.loads((tmp_path / "b" / METRICS_FILE).read_text()) == loaded.metrics
    tiny_model.save(tmp_path / "a")  # other weights into the same folder: the old figures no longer apply
    assert not (tmp_path / "a" / METRICS_FILE).exists()


def test_a_damaged_metrics_file_does_not_stop_loading(tiny_model, tmp_path):
    tiny_model.save(tmp_path)
    (tmp_path / METRICS_FILE).write_text("{not json")
    assert latent_core.load_model(tmp_path).metrics is None


def test_write_metrics_needs_a_checkpoint_folder(evaluation, tmp_path):
    with pytest.raises(latent_core.InvalidInputError, match="not a checkpoint folder"):
        write_metrics(tmp_path, evaluation)


def test_the_library_keeps_the_figures(tiny_model, evaluation, tmp_path):
    with latent_core.Library(home=tmp_path / "home") as library:
        token = library.create_workspace()
        record = library.save_model(token, tiny_model, name="tiny")
        stored = library.set_metrics(token, record.key, evaluation.to_dict())
        assert latent_core.Evaluation.from_dict(stored.metrics) == evaluation


def card_of(tiny_model, record: dict) -> str:
    config = dict(tiny_model.config, history=[{"epoch": 1, "train_loss": 30.0, **record}], best_epoch=1)
    return model_card(config)


def test_the_card_names_a_sampled_validation_figure_as_the_elbo(tiny_model):
    card = card_of(tiny_model, {"val_loss": 25.0, "val_recon": 20.0, "val_kl": 5.0, "kl_weight": 1.0})
    assert "Validation −ELBO (1 sample per image): 25.000 nats per image" in card
    assert (
        "Training objective (reconstruction + β·KL) at epoch 1: 30.000" in card and "25.000 on the validation" in card
    )
    assert "validation loss" not in card.lower()


def test_the_card_never_calls_a_posterior_mean_figure_a_loss_or_the_elbo(tiny_model):
    card = card_of(tiny_model, {"val_loss": 22.0, "val_recon": 18.0, "val_kl": 4.0})  # before sampled validation
    assert "reconstruction at the posterior mean plus KL: 22.000" in card and "not the ELBO" in card
    assert "validation loss" not in card.lower() and "22.000 on the validation" not in card
