"""Pixel likelihoods: the auto rule, their nats, and how a model's likelihood is saved and loaded."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

import latent_core
from latent_core import ImageDataset
from latent_core.models import build_network, choose_likelihood, make_likelihood
from latent_core.models.likelihoods import Bernoulli, ContinuousBernoulli, Gaussian, log_normaliser


def binary_images(n=40, share_grey=0.0, seed=0):
    """uint8 (n, 8, 8, 1) black-and-white blocks, with `share_grey` of the pixels set to mid-grey."""
    rng = np.random.default_rng(seed)
    images = (rng.random((n, 8, 8, 1)) < 0.3).astype(np.uint8) * 255
    images[rng.random(images.shape) < share_grey] = 128
    return images


def test_auto_picks_bernoulli_for_near_binary_images_and_gaussian_for_grey_ones():
    assert choose_likelihood(binary_images()) == "bernoulli"
    assert choose_likelihood(binary_images(share_grey=0.05)) == "bernoulli"
    assert choose_likelihood(binary_images(share_grey=0.2)) == "gaussian"
    assert choose_likelihood(np.random.default_rng(0).integers(0, 256, (40, 8, 8, 1), dtype=np.uint8)) == "gaussian"
    near_black = np.full((10, 8, 8, 1), 30, np.uint8)  # within 32 levels of black: ink on paper, scanned darkly
    assert choose_likelihood(near_black) == "bernoulli"


def test_training_records_the_likelihood_auto_chose(digits):
    settings = {"latent_dim": 2, "epochs": 1, "hidden": 16, "base_channels": 8}
    binary = latent_core.train_model(ImageDataset(binary_images(60)), **settings)
    grey = latent_core.train_model(digits.subset(np.arange(100)), **settings)  # 8x8 digits are 71% near-binary
    chosen = latent_core.train_model(digits.subset(np.arange(100)), likelihood="continuous_bernoulli", **settings)
    assert binary.config["likelihood"] == "bernoulli" and isinstance(binary.network.likelihood, Bernoulli)
    assert grey.config["likelihood"] == "gaussian" and isinstance(grey.network.likelihood, Gaussian)
    assert grey.config["training"]["likelihood"] == "auto"  # what was asked, beside what it became
    assert chosen.config["likelihood"] == "continuous_bernoulli"


@pytest.fixture
def batch():
    rng = torch.Generator().manual_seed(0)
    x = torch.rand((5, 3, 6, 6), generator=rng)
    x[0] = 0.0  # black, white and exact 0.5 pixels, and extreme logits
    x[1] = 1.0
    x[2, :, :3] = 0.5
    logits = torch.randn((5, 3, 6, 6), generator=rng) * 4
    logits[3] = 60.0
    logits[4] = -60.0
    return logits, x


def best_case_nats(name: str, x: torch.Tensor) -> torch.Tensor:
    """The fewest nats each image could cost, float (N,): every pixel's nats at the best logit on a fine grid."""
    likelihood = make_likelihood(name, channels=1)  # every channel's scale starts equal
    pixels = x.reshape(1, -1)
    grid = torch.linspace(-30, 30, 6001).reshape(-1, 1).expand(-1, pixels.shape[1])
    per_pixel = likelihood.nats(grid.reshape(-1, 1, 1, 1), pixels.expand_as(grid).reshape(-1, 1, 1, 1))
    return per_pixel.reshape(grid.shape).min(dim=0).values.reshape(len(x), -1).sum(1)


@pytest.mark.parametrize("name", ["bernoulli", "gaussian", "continuous_bernoulli"])
def test_every_likelihoods_nats_are_finite_and_no_lower_than_the_best_case(batch, name):
    logits, x = batch
    nats = make_likelihood(name, channels=3).nats(logits, x)
    assert nats.shape == (5,) and torch.isfinite(nats).all()
    assert (nats >= best_case_nats(name, x) - 1e-3).all()


def test_the_lower_bounds_are_the_textbook_ones(batch):
    _, x = batch
    p = x.clamp(1e-7, 1 - 1e-7)
    entropy = -(p * p.log() + (1 - p) * (1 - p).log()).flatten(1).sum(1)  # Bernoulli: the pixels' own entropy
    assert torch.allclose(best_case_nats("bernoulli", x), entropy, atol=1e-2)
    assert make_likelihood("bernoulli", 3).nats(torch.logit(p), x).allclose(entropy, atol=1e-3)
    gaussian = make_likelihood("gaussian", 3)  # at the mean, only the normaliser: D * (log sigma + log(2 pi) / 2)
    floor = x[0].numel() * (math.log(0.1) + 0.5 * math.log(2 * math.pi))
    assert gaussian.nats(torch.logit(p), x).allclose(torch.full((5,), floor), atol=1e-2)


@pytest.mark.parametrize("logit", [-20.0, -3.0, -1e-4, 0.0, 1e-3, 0.5, 8.0])
def test_the_continuous_bernoulli_is_a_density_on_0_1(logit):
    x = torch.linspace(0, 1, 200_001, dtype=torch.float64).reshape(-1, 1, 1, 1)
    logits = torch.full_like(x, logit)
    density = torch.exp(-ContinuousBernoulli().nats(logits, x))
    assert torch.trapezoid(density, x.flatten()).item() == pytest.approx(1.0, abs=1e-3)
    assert torch.isfinite(log_normaliser(torch.tensor([0.0, 1e-8, -1e-8, 80.0, -80.0]))).all()


def test_old_configs_without_a_likelihood_build_bernoulli_networks(tiny_model):
    config = {key: value for key, value in tiny_model.config.items() if key != "likelihood"}
    network = build_network(config)
    assert isinstance(network.likelihood, Bernoulli)
    assert not any(name.startswith("likelihood") for name in network.state_dict())


def test_an_old_bernoulli_checkpoint_without_the_key_still_loads(tmp_path, digits):
    model = latent_core.train_model(
        digits.subset(np.arange(100)), latent_dim=2, epochs=1, hidden=16, base_channels=8, likelihood="bernoulli"
    )
    folder = model.save(tmp_path / "old")
    config_file = folder / "config.json"
    config = json.loads(config_file.read_text())
    del config["likelihood"]
    config_file.write_text(json.dumps(config))
    loaded = latent_core.load_model(folder)
    assert isinstance(loaded.network.likelihood, Bernoulli)
    np.testing.assert_array_equal(loaded.encode(digits.images[:5]), model.encode(digits.images[:5]))


def test_a_gaussian_models_learned_scale_survives_save_and_load(tmp_path, digits):
    model = latent_core.train_model(
        digits.subset(np.arange(100)), latent_dim=2, epochs=2, hidden=16, base_channels=8, likelihood="gaussian"
    )
    scale = model.network.likelihood.log_scale.detach().clone()
    assert scale.shape == (1,) and scale.item() != pytest.approx(math.log(0.1))  # it was learned
    loaded = latent_core.load_model(model.save(tmp_path / "gaussian"))
    assert loaded.config["likelihood"] == "gaussian"
    assert torch.equal(loaded.network.likelihood.log_scale, scale)
    x = latent_core.model.images_to_tensor(digits.images[:20])
    with torch.no_grad():
        np.testing.assert_allclose(loaded.network.scores(x), model.network.scores(x), rtol=1e-6)


def test_an_unknown_likelihood_in_a_config_is_refused_in_words(tiny_model):
    with pytest.raises(latent_core.InvalidInputError, match="likelihood 'poisson' is unknown"):
        build_network({**tiny_model.config, "likelihood": "poisson"})
