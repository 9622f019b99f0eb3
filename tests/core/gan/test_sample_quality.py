"""Sample quality without downloads: a classifier trained on the dataset, its Fréchet distance and class coverage."""

from __future__ import annotations

import numpy as np
import pytest

from latent_core import ImageDataset, InvalidInputError
from latent_core.evaluation.sample_quality import fit_classifier, frechet_distance, image_quality, sample_quality


class OneClassModel:
    """Stands in for a generator that collapsed onto one class: every code decodes to an image of class 3."""

    def __init__(self, dataset: ImageDataset, label: int):
        self.pool = dataset.images[dataset.labels == label]
        self.image_shape, self.latent_dim, self.name = dataset.image_shape, 4, "collapsed"

    def decode(self, codes):
        return self.pool[np.arange(len(codes)) % len(self.pool)]


def test_the_classifier_learns_the_dataset_and_is_cached(digits):
    first = fit_classifier(digits)
    assert first.accuracy > 0.9  # on digits it was not trained on
    assert fit_classifier(digits) is first
    assert first.real_mean.shape == (64,) and first.real_cov.shape == (64, 64)


def test_real_images_against_themselves_have_zero_distance_and_full_coverage(digits):
    quality = image_quality(digits.images, digits)
    assert quality["frechet_distance"] == pytest.approx(0.0, abs=1e-6)
    assert quality["class_coverage"] == 1.0 and quality["classes_found"] == 10
    assert quality["largest_class_share"] < 0.12
    assert quality["median_confidence"] > 0.9
    assert sum(quality["class_shares"].values()) == pytest.approx(1.0)


def test_a_generator_of_one_class_covers_one_class_in_ten(digits):
    quality = sample_quality(OneClassModel(digits, 3), digits, n=400)
    assert quality["class_coverage"] == pytest.approx(0.1)
    assert quality["largest_class"] == "3" and quality["largest_class_share"] > 0.9
    assert quality["samples"] == 400
    fair = image_quality(digits.images[np.random.default_rng(0).permutation(len(digits))[:400]], digits)
    assert quality["frechet_distance"] > 10 * fair["frechet_distance"]


def test_frechet_distance_of_known_gaussians():
    mean_a, mean_b = np.zeros(3), np.array([1.0, 2.0, 2.0])
    assert frechet_distance(mean_a, np.eye(3), mean_b, np.eye(3)) == pytest.approx(9.0)
    # equal means, covariances I and 4I: tr(I + 4I - 2 * 2I) = 1 per dimension
    assert frechet_distance(mean_a, np.eye(3), mean_a, 4 * np.eye(3)) == pytest.approx(3.0)


def test_quality_needs_labels_and_matching_images(digits, tiny_model):
    unlabelled = ImageDataset(digits.images[:50], name="plain")
    with pytest.raises(InvalidInputError, match="labelled with at least 2 classes"):
        sample_quality(tiny_model, unlabelled)
    with pytest.raises(InvalidInputError, match="uint8 images of shape"):
        image_quality(np.zeros((5, 9, 9, 1), np.uint8), digits)
    with pytest.raises(InvalidInputError, match="n=1 is invalid"):
        sample_quality(tiny_model, digits, n=1)


def test_a_vae_is_measured_the_same_way(digits, tiny_model):
    quality = sample_quality(tiny_model, digits, n=300, seed=1)
    assert quality["samples"] == 300 and np.isfinite(quality["frechet_distance"])
    assert quality == sample_quality(tiny_model, digits, n=300, seed=1)
