"""Learning-rate warm-up and cosine schedule, and the KL warm-up's weight, per optimisation step."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import latent_core
from latent_core.training_schedule import kl_weight, lr_factor, lr_scheduler


def test_lr_rises_over_the_warm_up_then_follows_a_cosine_to_zero():
    total, warmup = 1000, 100
    assert lr_factor(0, total, warmup, "cosine") == pytest.approx(1 / 100)
    assert lr_factor(49, total, warmup, "cosine") == pytest.approx(0.5)
    assert lr_factor(99, total, warmup, "cosine") == lr_factor(100, total, warmup, "cosine") == 1.0
    assert lr_factor(550, total, warmup, "cosine") == pytest.approx(0.5)  # half-way through the cosine
    assert lr_factor(total - 1, total, warmup, "cosine") == pytest.approx(0.5 * (1 + math.cos(math.pi * 899 / 900)))
    assert lr_factor(total - 1, total, warmup, "cosine") < 1e-4
    assert lr_factor(total - 1, total, warmup, "constant") == 1.0
    assert lr_factor(0, total, 0, "cosine") == 1.0  # no warm-up: the peak from the first step


def test_the_scheduler_sets_the_optimisers_learning_rate_per_step():
    weight = torch.nn.Parameter(torch.zeros(3))
    optimizer = torch.optim.Adam([weight], lr=0.01)
    scheduler = lr_scheduler(optimizer, total_steps=50, warmup_steps=10, schedule="cosine")
    rates = []
    for _ in range(50):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates[0] == pytest.approx(0.001) and rates[9] == pytest.approx(0.01) and rates[10] == pytest.approx(0.01)
    assert rates[-1] < 0.0001 and all(a >= b for a, b in zip(rates[10:], rates[11:], strict=False))


def test_a_training_ends_with_the_learning_rate_near_zero_under_cosine_and_at_its_peak_when_constant(digits):
    small = digits.subset(np.arange(200))
    settings = {"latent_dim": 2, "epochs": 3, "batch_size": 32, "hidden": 16, "base_channels": 8, "warmup_steps": 4}
    cosine = latent_core.train_model(small, **settings)
    constant = latent_core.train_model(small, schedule="constant", **settings)
    assert cosine.history[0]["lr"] < 1e-3 and cosine.history[-1]["lr"] < 1e-5
    assert constant.history[-1]["lr"] == pytest.approx(1e-3)


def test_kl_weight_rises_linearly_over_its_warm_up():
    assert kl_weight(0, 100) == 0.0
    assert kl_weight(25, 100) == pytest.approx(0.25)
    assert kl_weight(100, 100) == kl_weight(5000, 100) == 1.0
    assert kl_weight(0, 0) == 1.0  # off


def test_the_history_records_the_kl_weight_of_each_epochs_last_step(digits):
    small = digits.subset(np.arange(330))  # 297 training images: 10 steps per epoch at 32
    model = latent_core.train_model(
        small, latent_dim=2, epochs=3, batch_size=32, hidden=16, base_channels=8, kl_warmup_steps=20
    )
    assert [round(h["kl_weight"], 2) for h in model.history] == [0.45, 0.95, 1.0]
