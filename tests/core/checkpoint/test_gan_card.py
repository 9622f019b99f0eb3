"""A GAN's model card names it as a GAN, lists only the settings a GAN uses and shows its figures; the shipped GANs
(built by `make models`) meet the shapes goal on the figures their training recorded."""

from __future__ import annotations

import json

import pytest

import latent_core
from latent_core.checkpoint.card import model_card
from latent_core.checkpoint.discovery import shipped_dir

IGNORED_BY_A_GAN = ("beta", "hidden", "likelihood", "schedule", "warmup_steps", "kl_warmup_steps", "free_bits")


def shipped_config(name: str) -> dict:
    return json.loads((shipped_dir() / name / "config.json").read_text())


@pytest.mark.parametrize("name", ["gan-digits", "gan-shapes"])
def test_a_gan_card_names_a_gan_its_settings_and_its_figures(name):
    card = model_card(shipped_config(name))
    assert card.splitlines()[2].startswith("A GAN (generative adversarial network")
    settings = next(line for line in card.splitlines() if line.startswith("- Settings: "))
    assert "n_dis=1" in settings and "base_channels=32" in settings and "latent_dim=16" in settings
    assert not any(f"{field}=" in settings for field in IGNORED_BY_A_GAN), settings
    for figure in ("Fréchet distance", "class coverage", "largest class's share", "median classifier confidence"):
        assert f"| {figure}" in card
    assert "| inversion error, held-out images" in card
    assert (shipped_dir() / name / "README.md").read_text().startswith(card.split("\nMade with")[0])


def test_settings_that_a_gan_ignores_do_not_apply_to_it():
    config = latent_core.TrainConfig(kind="gan")
    assert not any(config.applies(field) for field in IGNORED_BY_A_GAN)
    assert (
        config.applies("n_dis") and config.applies("base_channels") and not latent_core.TrainConfig().applies("n_dis")
    )


def test_the_shipped_shapes_gan_covers_every_shape_none_above_45_percent_with_confident_samples():
    """The issue's goal, on the 500 samples its training measured at the last epoch (3 of 3 shapes, largest 44.0%,
    median confidence 0.95; on 2,000 samples: largest 43.4%, confidence 0.95)."""
    last = shipped_config("gan-shapes")["history"][-1]
    assert last["class_coverage"] == 1.0
    assert last["largest_class_share"] <= 0.45
    assert last["median_confidence"] >= 0.8


@pytest.mark.parametrize("name", ["gan-digits", "gan-shapes"])
def test_a_shipped_gan_is_a_few_megabytes_and_can_place_images(name):
    assert sum(p.stat().st_size for p in (shipped_dir() / name).iterdir()) < 3 * 2**20
    model = latent_core.load_model(name)
    assert model.kind == "gan" and model.can_encode
