"""lc.analogy: a - b + c over codes, images and class means, decoded."""

from __future__ import annotations

import numpy as np
import pytest

import latent_core as lc
from tests.builders import tiny_checkpoint


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> lc.LatentModel:
    return lc.load_model(tiny_checkpoint(tmp_path_factory.mktemp("analogy") / "tiny", latent_dim=3))


def test_the_result_is_a_minus_b_plus_c(model):
    a, b, c = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 0.0]), np.array([-2.0, 0.0, 4.0])
    result = lc.analogy(model, a, b, c)
    np.testing.assert_allclose(result.code, [-1.5, 3.0, 7.0])
    np.testing.assert_allclose(result.inputs, np.stack([a, b, c]))
    assert result.images.shape == (4, 8, 8, 1) and result.images.dtype == np.uint8
    np.testing.assert_array_equal(result.image, model.decode(result.code)[0])
    np.testing.assert_array_equal(result.images[:3], model.decode(np.stack([a, b, c])))


def test_images_are_encoded_to_their_posterior_means(model):
    images = np.random.default_rng(0).integers(0, 256, (3, 8, 8, 1), dtype=np.uint8)
    result = lc.analogy(model, images[0], images[1][..., 0], images[2])  # (H, W) grey images are taken too
    codes = model.encode(images)
    np.testing.assert_allclose(result.inputs, codes, atol=1e-6)
    np.testing.assert_allclose(result.code, codes[0] - codes[1] + codes[2], atol=1e-6)


def test_class_means_are_the_mean_codes_of_a_class(model):
    images = np.random.default_rng(1).integers(0, 256, (12, 8, 8, 1), dtype=np.uint8)
    labels = np.arange(12) % 3
    dataset = lc.ImageDataset(images, labels, name="toy")
    mean = lc.class_mean(model, dataset, 2)
    np.testing.assert_allclose(mean, model.encode(images[labels == 2]).mean(axis=0), atol=1e-6)
    with pytest.raises(lc.InvalidInputError, match="no images of class 5"):
        lc.class_mean(model, dataset, 5)
    with pytest.raises(lc.InvalidInputError, match="no labels"):
        lc.class_mean(model, lc.ImageDataset(images, name="toy"), 0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.zeros(4), "code of 3 values"),
        (np.zeros((8, 8, 3), dtype=np.uint8), r"shape \(8, 8, 1\)"),
        (np.array([np.inf, 0.0, 0.0]), "NaN or infinite"),
        ("a cat", "latent code or a uint8 image"),
    ],
)
def test_bad_inputs_are_refused(model, value, message):
    with pytest.raises(lc.InvalidInputError, match=message):
        lc.analogy(model, np.zeros(3), value, np.zeros(3))
