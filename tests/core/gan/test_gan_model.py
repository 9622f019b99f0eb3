"""The GAN's networks: generator sizes, the spectrally normalised discriminator, the hinge losses."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load, save

from latent_core.models.gan import (
    GAN,
    Discriminator,
    GANConfig,
    Generator,
    InversionEncoder,
    discriminator_hinge_loss,
    generator_hinge_loss,
)
from latent_core.models.nets import Architecture


@pytest.mark.parametrize("size", [(8, 8), (28, 28), (32, 32), (13, 17), (9, 128), (128, 128)])
@pytest.mark.parametrize("channels", [1, 3])
def test_every_network_fits_the_image_size(size, channels):
    arch = Architecture(*size, channels, latent_dim=5, base_channels=4)
    logits = Generator(arch)(torch.randn(3, 5))
    assert logits.shape == (3, channels, *size)
    images = torch.sigmoid(logits)
    assert Discriminator(arch)(images).shape == (3,)
    mean, logvar = InversionEncoder(arch)(images)
    assert mean.shape == logvar.shape == (3, 5)


def test_the_discriminator_is_spectrally_normalised_and_survives_safetensors():
    arch = Architecture(16, 16, 1, 4, base_channels=8)
    torch.manual_seed(0)
    discriminator = Discriminator(arch)
    x = torch.rand(8, 1, 16, 16)
    for _ in range(30):  # power iterations converge while training
        discriminator(x)
    discriminator.eval()
    state = discriminator.state_dict()
    assert any(key.endswith("parametrizations.weight.original") for key in state)
    for module in discriminator.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            sigma = torch.linalg.matrix_norm(module.weight.detach().flatten(1), ord=2)
            assert sigma == pytest.approx(1.0, abs=0.05)
    again = Discriminator(arch)
    again.load_state_dict(load(save({k: v.contiguous() for k, v in state.items()})))
    again.eval()
    torch.testing.assert_close(again(x), discriminator(x), rtol=0, atol=0)


def test_hinge_losses():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-3.0, 0.0])
    assert discriminator_hinge_loss(real, fake).item() == pytest.approx(0.25 + 0.5)
    assert discriminator_hinge_loss(torch.ones(2) * 5, -torch.ones(2) * 5).item() == 0.0
    assert generator_hinge_loss(fake).item() == pytest.approx(1.5)


def test_a_gan_encodes_only_once_it_has_an_encoder():
    arch = Architecture(8, 8, 1, 3, base_channels=4)
    network = GAN(GANConfig(arch))
    assert network.encoder is None
    network.attach_encoder(InversionEncoder(arch))
    assert isinstance(network.encoder, InversionEncoder)
    assert GAN(GANConfig.from_dict({"architecture": arch.to_dict(), "inversion": {"steps": 5}})).encoder is not None
    assert GANConfig.from_dict({"architecture": arch.to_dict(), "gan": {"n_dis": 2}}).n_dis == 2
