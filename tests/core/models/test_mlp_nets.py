"""The fully connected networks (Architecture.blocks="mlp"): two hidden layers each side and no convolutions,
chosen by TrainConfig.blocks, trained by train_model and saved and loaded like the conv nets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import latent_core
from latent_core.checkpoint.loading import load_checkpoint
from latent_core.datasets.shapes import make_shapes
from latent_core.models.nets import Architecture, Decoder, Encoder


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_mlp_networks_are_two_hidden_layers_each_side_without_convolutions():
    arch = Architecture(12, 10, 3, 4, hidden=32, blocks="mlp")
    pixels = 12 * 10 * 3
    encoder, decoder = Encoder(arch), Decoder(arch)
    assert n_params(encoder) == (pixels * 32 + 32) + (32 * 32 + 32) + (32 * 8 + 8)
    assert n_params(decoder) == (4 * 32 + 32) + (32 * 32 + 32) + (32 * pixels + pixels)
    modules = [*encoder.modules(), *decoder.modules()]
    assert not any(isinstance(m, nn.Conv2d | nn.ConvTranspose2d) for m in modules)
    assert sum(isinstance(m, nn.Linear) for m in modules) == 6


def test_mlp_decoder_gives_one_logit_per_pixel_that_depends_on_the_code():
    torch.manual_seed(0)
    arch = Architecture(8, 8, 1, 3, hidden=16, blocks="mlp")
    decoder = Decoder(arch)
    z = torch.randn(5, 3)
    logits = decoder(z)
    assert logits.shape == (5, 1, 8, 8)
    assert not torch.allclose(logits[0], logits[1])
    mean, logvar = Encoder(arch)(torch.rand(5, 1, 8, 8))
    assert mean.shape == logvar.shape == (5, 3)


def test_train_model_builds_trains_saves_and_reloads_an_mlp_vae(tmp_path):
    shapes = make_shapes(n=96, size=16)
    config = latent_core.TrainConfig(latent_dim=3, epochs=6, batch_size=32, hidden=64, blocks="mlp", learning_rate=3e-3)
    model = latent_core.train_model(shapes, config, threads=1)
    assert model.config["architecture"]["blocks"] == "mlp" and model.config["training"]["blocks"] == "mlp"
    history = model.history
    assert all(np.isfinite(h["train_loss"]) for h in history)
    assert history[-1]["train_loss"] < 0.8 * history[0]["train_loss"]
    loaded = load_checkpoint(model.save(tmp_path / "mlp"))
    images = shapes.images[:4]
    np.testing.assert_allclose(loaded.encode(images), model.encode(images), rtol=0, atol=1e-6)
    np.testing.assert_allclose(loaded.reconstruct(images), model.reconstruct(images), rtol=0, atol=1e-6)


def test_the_network_setting_defaults_to_residual_convolutions_and_refuses_unknown_ones():
    assert latent_core.TrainConfig().blocks == "residual"
    assert not latent_core.TrainConfig(kind="gan").applies("blocks")
    with pytest.raises(latent_core.InvalidInputError, match="dense"):
        latent_core.TrainConfig(blocks="dense").validate()
