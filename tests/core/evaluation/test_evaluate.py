"""evaluate(model, dataset): held-out split, ELBO and IWAE bound, KL per dimension, collapse, autoencoders."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
import torch
from torch import nn

import latent_core
from latent_core import Evaluation, EvaluationCancelled, evaluate
from latent_core.datasets.shapes import make_shapes
from latent_core.evaluation import held_out
from latent_core.training import split


@pytest.fixture(scope="module")
def evaluated(tiny_model, digits) -> Evaluation:
    return evaluate(tiny_model, digits, k=50)


def test_the_held_out_images_are_the_models_validation_split(tiny_model, digits, evaluated):
    training = tiny_model.config["training"]
    _, validation = split(len(digits), training["validation_fraction"], training["seed"])
    index, name = held_out(tiny_model, digits)
    assert name == "validation" and np.array_equal(index, validation)
    assert evaluated.split == "validation" and evaluated.n_images == len(validation) == 180


def test_other_data_is_evaluated_whole_and_capped_by_a_seeded_sample(tiny_model, digits):
    other = latent_core.ImageDataset(digits.images[:300], name="other")
    assert held_out(tiny_model, other)[1] == "all"
    capped = evaluate(tiny_model, other, k=2, max_images=40)
    assert capped.split == "all" and capped.n_images == 40
    assert evaluate(tiny_model, other, k=2, max_images=40).to_dict() | {"seconds": 0} == capped.to_dict() | {
        "seconds": 0
    }


def test_the_iwae_bound_is_tighter_than_the_elbo(evaluated):
    e = evaluated
    assert e.k == 50 and 1 <= e.iwae_ess <= 50
    noise = 3 * math.hypot(e.elbo_se, e.iwae_se)
    assert e.iwae_nll_nats <= -e.elbo_nats + noise
    assert e.iwae_nll_nats < -e.elbo_nats  # on 180 images the gap (about a nat) is far above the noise
    assert math.isclose(-e.elbo_nats, e.elbo_recon_nats + e.elbo_kl_nats, rel_tol=1e-9)


def test_kl_per_dimension_sums_to_the_kl_part(evaluated, tiny_model):
    assert len(evaluated.kl_per_dim) == tiny_model.latent_dim
    assert math.isclose(sum(evaluated.kl_per_dim), evaluated.elbo_kl_nats, rel_tol=1e-6)
    assert evaluated.active_units == sum(v > 0.01 for v in evaluated.kl_per_dim)


def test_reconstruction_error_is_measured_at_the_posterior_mean(evaluated, tiny_model, digits):
    index, _ = held_out(tiny_model, digits)
    images = digits.images[index].astype(np.float64) / 255
    decoded = tiny_model.reconstruct(digits.images[index]).astype(np.float64) / 255  # rounded to uint8
    assert evaluated.recon_mse == pytest.approx(np.mean((decoded - images) ** 2), abs=2e-5)
    assert evaluated.mean_image_mse == pytest.approx(np.mean((images - images.mean(0)) ** 2), rel=1e-6)
    assert evaluated.recon_spread_ratio == pytest.approx(decoded.std(0).mean() / images.std(0).mean(), rel=0.2)


def test_binarize_thresholds_the_targets_at_one_half(tiny_model, digits):
    e = evaluate(tiny_model, digits, k=2, binarize=True)
    index, _ = held_out(tiny_model, digits)
    binary = (digits.images[index] >= 128).astype(np.float64)
    assert e.binarized and e.mean_image_mse == pytest.approx(np.mean(binary.var(0)), rel=1e-6)


def test_dimensions_the_model_ignores_are_inactive(tiny_model, digits, evaluated):
    model = copy.deepcopy(tiny_model)
    head = model.network.encoder.head  # rows: means, then log-variances
    d = model.latent_dim
    with torch.no_grad():
        for dim in (2, 3):
            for row in (dim, d + dim):
                head.weight[row] = 0
                head.bias[row] = 0
    e = evaluate(model, digits, k=2)
    assert e.kl_per_dim[2] == 0 and e.kl_per_dim[3] == 0
    assert e.kl_per_dim[:2] == pytest.approx(evaluated.kl_per_dim[:2], rel=1e-6)
    assert {2, 3} <= set(e.inactive_dims) and e.active_units == sum(v > 0.01 for v in evaluated.kl_per_dim[:2])


class ConstantDecoder(nn.Module):
    """Decodes every code to the same logits (1, C, H, W): a collapsed model."""

    def __init__(self, logits: torch.Tensor):
        super().__init__()
        self.logits = logits

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.logits.expand(len(z), *self.logits.shape[1:])


def test_a_decoder_that_ignores_its_code_is_reported_as_collapsed(tiny_model, digits):
    model = copy.deepcopy(tiny_model)
    model.network.decoder = ConstantDecoder(torch.zeros(1, 1, 8, 8))
    e = evaluate(model, digits, k=2)
    assert e.recon_spread_ratio == pytest.approx(0, abs=1e-6) and e.collapsed
    assert any("barely differ" in text for text in e.warnings())
    shipped = evaluate(latent_core.load_model("digits"), digits, k=2)
    assert shipped.recon_spread_ratio > 0.5 and not shipped.collapsed and shipped.warnings() == []


def test_an_autoencoder_has_no_density_figures(digits):
    model = latent_core.train_model(digits, kind="ae", latent_dim=3, epochs=1, hidden=32)
    e = evaluate(model, digits, k=5)
    density = ("elbo_nats", "elbo_se", "elbo_recon_nats", "elbo_kl_nats", "iwae_nll_nats", "iwae_se", "iwae_ess")
    assert all(getattr(e, name) is None for name in density)
    assert e.k is None and e.kl_per_dim is None and e.active_units is None and e.inactive_dims is None
    assert "autoencoder" in e.density_note and e.recon_mse > 0 and e.recon_spread_ratio > 0


def test_json_round_trip_without_nan(evaluated):
    figures = evaluated.to_dict()
    text = json.dumps(figures, allow_nan=False)
    assert Evaluation.from_dict(json.loads(text)) == evaluated
    broken = copy.deepcopy(evaluated)
    broken.elbo_se = float("nan")
    assert broken.to_dict()["elbo_se"] is None
    with pytest.raises(latent_core.InvalidInputError, match="lack"):
        Evaluation.from_dict({"model_name": "m"})


def test_progress_is_reported_and_should_stop_cancels(tiny_model, digits):
    seen = []
    evaluate(tiny_model, digits, k=2, on_progress=lambda fraction, message: seen.append(fraction))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(EvaluationCancelled):
        evaluate(tiny_model, digits, k=2, should_stop=lambda: True)


def test_bad_arguments_are_refused_in_words(tiny_model, digits):
    with pytest.raises(latent_core.InvalidInputError, match="importance samples"):
        evaluate(tiny_model, digits, k=0)
    with pytest.raises(latent_core.InvalidInputError, match="shape"):
        evaluate(tiny_model, make_shapes(n=5, size=16), k=2)


def test_shapes_data_gets_disentanglement_scores_and_a_readout():
    model = latent_core.train_model(make_shapes(n=240, size=16, seed=2), latent_dim=4, epochs=1, hidden=32)
    data = make_shapes(n=200, size=16, seed=3)  # fresh images: all 200 are held out
    e = evaluate(model, data, k=2)
    assert e.split == "all" and e.n_images == 200
    assert e.factor_names == ["shape", "scale", "x", "y"] and any("rotation" in n for n in e.factor_notes)
    for score in (e.mig, e.dci_disentanglement, e.dci_completeness, e.dci_informativeness, e.sap):
        assert 0 <= score <= 1
    assert e.readout["n_images"] == e.n_images and set(e.readout["identified"]) == {"square", "circle", "triangle"}
    skipped = evaluate(model, data, k=2, factors=False)
    assert skipped.mig is None and skipped.readout is None and skipped.factor_names is None
