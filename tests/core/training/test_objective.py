"""The loss a VAE trains on: the KL warm-up's weight and the free-bits floor change the loss, never the reported KL."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import latent_core
from latent_core.models import VAE, VAEConfig
from latent_core.models.nets import Architecture
from latent_core.models.vae import kl_penalty


def grads(network, x, seed, **options):
    network.zero_grad()
    terms = network.loss_terms(x, torch.Generator().manual_seed(seed), **options)
    terms["loss"].backward()
    return terms, [p.grad.clone() for p in network.encoder.parameters()]


@pytest.fixture
def vae():
    torch.manual_seed(0)
    arch = Architecture(height=8, width=8, channels=1, latent_dim=3, base_channels=4, hidden=16)
    return VAE(VAEConfig(arch, beta=2.0))


def test_free_bits_floor_stops_the_kl_gradient_of_a_dimension_below_it():
    kl = torch.tensor([[2.0, 0.1], [3.0, 0.3]], requires_grad=True)  # dimension 0 above 0.5 nats, dimension 1 below
    kl_penalty(kl, free_bits=0.5).backward()
    assert kl.grad.tolist() == [[0.5, 0.0], [0.5, 0.0]]
    kl.grad = None
    kl_penalty(kl, free_bits=0.0).backward()
    assert kl.grad.tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert kl_penalty(kl, 0.5).item() == pytest.approx(2.5 + 0.5) and kl_penalty(kl, 0).item() == pytest.approx(2.7)


def test_a_floor_above_every_dimension_leaves_only_the_reconstructions_gradient(vae):
    x = torch.rand(6, 1, 8, 8)
    floored, floored_grads = grads(vae, x, 1, free_bits=100.0)
    plain, plain_grads = grads(vae, x, 1)
    recon_only, recon_grads = grads(vae, x, 1, kl_weight=0.0)
    assert all(torch.allclose(a, b) for a, b in zip(floored_grads, recon_grads, strict=True))
    assert not all(torch.allclose(a, b) for a, b in zip(plain_grads, recon_grads, strict=True))
    assert floored["kl"].item() == pytest.approx(plain["kl"].item())  # the reported KL is the true one
    assert floored["loss"].item() == pytest.approx(plain["recon"].item() + 2.0 * 100.0 * 3)


def test_kl_weight_scales_the_kl_term_of_the_loss_only(vae):
    x = torch.rand(6, 1, 8, 8)
    half = vae.loss_terms(x, torch.Generator().manual_seed(3), kl_weight=0.5)
    full = vae.loss_terms(x, torch.Generator().manual_seed(3))
    assert half["kl"].item() == pytest.approx(full["kl"].item())
    assert half["loss"].item() == pytest.approx(full["recon"].item() + 0.5 * 2.0 * full["kl"].item(), rel=1e-5)


def test_history_kl_stays_the_true_kl_under_free_bits(digits):
    small = digits.subset(np.arange(200))
    model = latent_core.train_model(
        small, latent_dim=2, epochs=2, batch_size=50, hidden=16, base_channels=8, free_bits=10.0, kl_warmup_steps=0
    )
    for record in model.history:
        assert 0 < record["train_kl"] < 2 * 10.0  # the true KL, below the floor of 10 nats on each of 2 dimensions
        assert record["train_loss"] == pytest.approx(record["train_recon"] + 2 * 10.0, rel=1e-5)
        assert record["val_loss"] == pytest.approx(record["val_recon"] + record["val_kl"], rel=1e-5)  # no floor


def test_autoencoders_ignore_the_kl_settings(digits):
    small = digits.subset(np.arange(200))
    settings = {"kind": "ae", "latent_dim": 2, "epochs": 1, "hidden": 16, "base_channels": 8}
    plain = latent_core.train_model(small, **settings)
    shaped = latent_core.train_model(small, free_bits=3.0, kl_warmup_steps=1000, beta=7.0, **settings)
    assert plain.history[0]["train_loss"] == shaped.history[0]["train_loss"]
    assert shaped.config["training"]["kl_warmup_steps"] == 1000 and plain.config["training"]["kl_warmup_steps"] == 0
