"""The β-TCVAE term: the minibatch estimate of the codes' total correlation, its weight in the loss, the setting that
turns it on, and checkpoints saved before it existed."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
import torch

import latent_core
from latent_core.model import images_to_tensor
from latent_core.models import VAE, VAEConfig
from latent_core.models.nets import Architecture
from latent_core.models.vae import kl_penalty, total_correlation


def posterior_draws(means: torch.Tensor, std: float, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(z, mean, logvar), each (M, d): one draw of N(mean_i, std^2 I) for each row of means (M, d)."""
    noise = torch.randn(means.shape, generator=torch.Generator().manual_seed(seed))
    return means + std * noise, means, torch.full_like(means, 2 * math.log(std))


def test_independent_dimensions_have_a_total_correlation_near_zero():
    means = 0.6 * torch.randn(512, 4, generator=torch.Generator().manual_seed(0))  # independent across dimensions
    tc = total_correlation(*posterior_draws(means, 0.8, seed=1)).item()
    assert abs(tc) < 0.05


def test_codes_whose_dimensions_are_all_equal_have_a_large_total_correlation():
    m, d = 512, 4
    shared = torch.randn(m, 1, generator=torch.Generator().manual_seed(0)).expand(m, d)  # every dimension the same
    tc = total_correlation(*posterior_draws(shared, 0.1, seed=1)).item()
    # a Gaussian with correlation 1 / 1.01 between every pair has TC 0.5 * log(1.01^4 / (0.01^3 * 1.04)) = 10.4 nats;
    # the batch mixture of M components has at most (d - 1) log M = 18.7
    assert 5.0 < tc < (d - 1) * math.log(m)


def test_partly_correlated_dimensions_give_about_the_gaussian_figure():
    m, d = 512, 4
    shared = 0.6 * torch.randn(m, 1, generator=torch.Generator().manual_seed(0)).expand(m, d)
    tc = total_correlation(*posterior_draws(shared, 0.8, seed=1)).item()
    rho = 0.36 / (0.36 + 0.64)  # correlation between any two dimensions of z
    gaussian = -0.5 * math.log((1 - rho) ** (d - 1) * (1 + (d - 1) * rho))  # 0.30 nats
    assert 0.5 * gaussian < tc < 1.5 * gaussian


def vae(tc_weight: float, beta: float = 2.0) -> VAE:
    torch.manual_seed(0)
    arch = Architecture(height=8, width=8, channels=1, latent_dim=3, base_channels=4, hidden=16)
    return VAE(VAEConfig(arch, beta=beta, tc_weight=tc_weight))


def test_a_zero_weight_leaves_the_loss_exactly_recon_plus_beta_kl():
    x = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    network = vae(0.0)
    terms = network.loss_terms(x, torch.Generator().manual_seed(3), kl_weight=0.5, free_bits=0.1)
    recon, kl = network.elbo_parts(x, torch.Generator().manual_seed(3))
    assert set(terms) == {"loss", "recon", "kl"} and network.TERMS == ("loss", "recon", "kl")
    assert terms["loss"].item() == (recon.mean() + 0.5 * 2.0 * kl_penalty(kl, 0.1)).item()


def test_a_positive_weight_adds_the_weighted_tc_estimate_and_reports_it():
    x = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    plain = vae(0.0).loss_terms(x, torch.Generator().manual_seed(3), kl_weight=0.5)
    network = vae(5.0)  # same seed: the same weights
    terms = network.loss_terms(x, torch.Generator().manual_seed(3), kl_weight=0.5)
    assert network.TERMS == ("loss", "recon", "kl", "tc")
    assert terms["recon"].item() == plain["recon"].item() and terms["kl"].item() == plain["kl"].item()
    assert terms["tc"].item() != 0
    assert terms["loss"].item() == pytest.approx(plain["loss"].item() + 0.5 * 5.0 * terms["tc"].item(), rel=1e-6)


@pytest.mark.parametrize("weight", [-1.0, math.nan, 1001.0])
def test_an_invalid_weight_is_refused_with_a_sentence(weight):
    with pytest.raises(latent_core.InvalidInputError, match="tc_weight"):
        latent_core.TrainConfig(tc_weight=weight).validate()


def test_the_weight_is_a_vae_setting_only():
    assert latent_core.TrainConfig().applies("tc_weight")
    assert not latent_core.TrainConfig(kind="ae").applies("tc_weight")
    assert not latent_core.TrainConfig(kind="gan").applies("tc_weight")


def test_a_tc_training_records_its_weight_and_tc_columns_and_reloads(digits, tmp_path):
    small = digits.subset(np.arange(200))
    settings = {"latent_dim": 3, "epochs": 1, "batch_size": 50, "hidden": 16, "base_channels": 8}
    model = latent_core.train_model(small, tc_weight=4.0, **settings)
    record = model.history[0]
    assert model.config["tc_weight"] == 4.0 and model.config["training"]["tc_weight"] == 4.0
    assert record["train_tc"] > 0 and record["val_tc"] > 0
    assert record["val_loss"] == pytest.approx(record["val_recon"] + record["val_kl"] + 4.0 * record["val_tc"])
    again = latent_core.load_model(model.save(tmp_path / "tc"))
    assert again.network.config.tc_weight == 4.0 and "tc" in again.network.TERMS
    assert "tc_weight·TC" in (tmp_path / "tc" / "README.md").read_text()
    autoencoder = latent_core.train_model(small, kind="ae", tc_weight=4.0, **settings)
    assert autoencoder.config["tc_weight"] == 0.0 and "train_tc" not in autoencoder.history[0]


def test_a_checkpoint_saved_before_the_tc_term_loads_without_it(tiny_model, digits, tmp_path):
    folder = tiny_model.save(tmp_path / "now")
    config = json.loads((folder / "config.json").read_text())
    del config["tc_weight"], config["training"]["tc_weight"]  # as config.json was written before the setting
    old = tmp_path / "old"
    shutil.copytree(folder, old)
    (old / "config.json").write_text(json.dumps(config))
    loaded = latent_core.load_model(old)
    assert loaded.network.config.tc_weight == 0.0 and loaded.network.TERMS == ("loss", "recon", "kl")
    x = images_to_tensor(digits.images[:8])
    assert torch.equal(loaded.network.scores(x), tiny_model.network.scores(x))
