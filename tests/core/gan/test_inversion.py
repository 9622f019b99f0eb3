"""Inversion: the encoder trained after the generator, and `invert`'s per-image refinement."""

from __future__ import annotations

import numpy as np
import pytest

from latent_core import InvalidInputError, LatentModel
from latent_core.inversion import invert, pixel_mse
from latent_core.models.gan import GAN, GANConfig
from latent_core.models.nets import Architecture


def codes(n: int, d: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)


def test_inverting_generated_images_recovers_them(tiny_gan):
    images = tiny_gan.decode(codes(100, 4, 1))
    apart = float(((images / 255.0 - tiny_gan.decode(codes(100, 4, 2)) / 255.0) ** 2).mean())  # random pairs
    encoded = pixel_mse(tiny_gan, images, invert(tiny_gan, images, steps=0))
    refined = pixel_mse(tiny_gan, images, invert(tiny_gan, images, steps=50))
    assert encoded.mean() < 0.5 * apart  # 50 encoder steps only
    assert refined.mean() < 0.05 * apart
    assert np.all(refined <= encoded + 1e-7)  # each image keeps its best iterate


def test_zero_steps_give_the_encoders_codes_and_logvar_is_its_measured_error(tiny_gan, small_digits):
    images = small_digits.images[:20]
    np.testing.assert_array_equal(invert(tiny_gan, images, steps=0), tiny_gan.encode(images))
    mean, logvar = tiny_gan.encode_with_logvar(images)
    assert mean.shape == logvar.shape == (20, 4)
    np.testing.assert_array_equal(logvar, np.broadcast_to(logvar[0], logvar.shape))  # the same for every image
    assert np.all(np.isfinite(logvar)) and np.all(logvar < np.log(2.0))  # better than a guess from the prior


def test_refinement_is_batched_and_deterministic(tiny_gan, small_digits):
    images = small_digits.images[:30]
    whole = invert(tiny_gan, images, steps=10)
    np.testing.assert_allclose(invert(tiny_gan, images, steps=10, batch_size=7), whole, atol=1e-6)
    assert whole.dtype == np.float32 and whole.shape == (30, 4)


def test_a_model_without_encoder_is_inverted_from_the_prior_mean():
    arch = Architecture(8, 8, 1, 3, base_channels=4, blocks="plain")
    model = LatentModel(GAN(GANConfig(arch)), {"kind": "gan", "name": "bare", "architecture": arch.to_dict()})
    images = model.decode(codes(10, 3, 0))
    found = invert(model, images, steps=40)
    assert pixel_mse(model, images, found).mean() < pixel_mse(model, images, np.zeros((10, 3))).mean()


def test_a_vae_is_refined_too(tiny_model, digits):
    images = digits.images[:20]
    refined = pixel_mse(tiny_model, images, invert(tiny_model, images, steps=20))
    assert np.all(refined <= pixel_mse(tiny_model, images, tiny_model.encode(images)) + 1e-7)


@pytest.mark.parametrize(
    "options, words",
    [({"steps": -1}, "steps=-1 is invalid"), ({"lr": 0.0}, "lr=0.0 is invalid"), ({"batch_size": 0}, "batch_size=0")],
)
def test_bad_refinement_settings(tiny_gan, small_digits, options, words):
    with pytest.raises(InvalidInputError, match=words):
        invert(tiny_gan, small_digits.images[:2], **options)
