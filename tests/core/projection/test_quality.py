"""Map quality figures: trustworthiness, continuity, kNN recall and the inverse's held-out error."""

from __future__ import annotations

import numpy as np
import pytest

from latent_core import fit_projection
from latent_core.projection.quality import continuity, knn_recall, trustworthiness


def test_a_lossless_map_scores_perfectly():
    rng = np.random.default_rng(0)
    plane = rng.normal(size=(400, 2)) @ rng.normal(size=(2, 6))  # rank 2: PCA loses nothing
    quality = fit_projection(plane, method="pca").quality()
    assert quality["trustworthiness"] == pytest.approx(1.0) and quality["continuity"] == pytest.approx(1.0)
    assert quality["knn_recall"] == pytest.approx(1.0)
    assert quality["inverse_error"] < 1e-5
    assert quality["n_neighbors"] == 10 and quality["sample_size"] == 400 and quality["holdout_size"] == 40


def test_a_random_map_scores_badly():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(500, 6))
    scrambled = rng.normal(size=(500, 2))
    assert trustworthiness(codes, scrambled) < 0.6
    assert knn_recall(codes, scrambled) < 0.05
    assert knn_recall(codes, codes[:, :2]) < 0.5  # two of six dimensions lose most neighbours
    assert knn_recall(codes, codes) == 1.0


def test_tsne_beats_pca_on_clustered_codes_and_the_sample_is_bounded():
    rng = np.random.default_rng(0)
    labels = np.arange(600) % 6
    codes = rng.normal(scale=5, size=(6, 8))[labels] + rng.normal(size=(600, 8))
    pca = fit_projection(codes, method="pca").quality(max_points=300)
    tsne = fit_projection(codes, method="tsne", epochs=100).quality(max_points=300)
    assert tsne["knn_recall"] > pca["knn_recall"] and tsne["trustworthiness"] > pca["trustworthiness"]
    assert tsne["sample_size"] == 300 and 0 < tsne["inverse_error"] < 1
    assert all(0.0 <= tsne[key] <= 1.0 for key in ("trustworthiness", "knn_recall"))


def test_continuity_is_trustworthiness_with_the_spaces_swapped_and_catches_torn_neighbourhoods():
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(0, 4 * np.pi, 400))
    circle = np.c_[np.cos(t), np.sin(t)]  # a closed curve in the latent space ...
    cut = np.c_[t, np.zeros_like(t)]  # ... laid out as a line: the ends' neighbours are torn apart
    assert continuity(circle, cut) == pytest.approx(trustworthiness(cut, circle))
    assert continuity(circle, cut) < continuity(circle, circle) == pytest.approx(1.0)
