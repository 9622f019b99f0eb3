"""MIG, DCI and SAP on sanity cases: codes that are the factors score near 1, random codes near 0."""

from __future__ import annotations

import numpy as np
import pytest

from latent_core.evaluation.disentanglement import discretize, disentanglement_scores, usable_factors

N = 600


def shapes_like_factors(rng) -> dict[str, np.ndarray]:
    return {
        "shape": rng.integers(0, 3, N),
        "scale": rng.uniform(0.3, 0.55, N).astype(np.float32),
        "x": rng.uniform(-0.45, 0.45, N).astype(np.float32),
        "y": rng.uniform(-0.45, 0.45, N).astype(np.float32),
    }


def test_codes_equal_to_the_factors_score_near_one(rng):
    factors = shapes_like_factors(rng)
    exact = np.stack([factors[name] for name in factors], axis=1).astype(np.float64)
    spare = 0.01 * rng.standard_normal((N, 2))  # two unused dimensions, as a VAE has
    codes = np.concatenate([exact + 0.002 * rng.standard_normal(exact.shape), spare], axis=1)
    scores = disentanglement_scores(codes, factors)
    assert scores.factor_names == ("shape", "scale", "x", "y")
    assert scores.mig > 0.8
    assert scores.dci_disentanglement > 0.85 and scores.dci_completeness > 0.85
    assert scores.dci_informativeness > 0.8
    assert scores.sap > 0.9


def test_random_codes_score_near_zero(rng):
    factors = shapes_like_factors(rng)
    scores = disentanglement_scores(rng.standard_normal((N, 6)), factors)
    assert scores.mig < 0.03
    assert scores.dci_disentanglement < 0.1 and scores.dci_completeness < 0.1
    assert scores.sap < 0.03
    assert scores.dci_informativeness < 0.5  # chance is 1/3 for shape and 1/20 for each continuous factor


def test_a_rotated_code_is_informative_but_entangled(rng):
    factors = shapes_like_factors(rng)
    exact = np.stack([factors[name] for name in factors], axis=1).astype(np.float64)
    exact = (exact - exact.mean(0)) / exact.std(0)
    mixed = exact @ np.linalg.qr(rng.standard_normal((4, 4)))[0]  # every code mixes every factor
    scores = disentanglement_scores(mixed, factors)
    aligned = disentanglement_scores(exact, factors)
    assert scores.mig < aligned.mig - 0.4 and scores.dci_disentanglement < aligned.dci_disentanglement - 0.4


def test_discretize_makes_twenty_equal_width_bins(rng):
    values = rng.uniform(0, 1, 10_000)
    bins = discretize(values)
    assert bins.min() == 1 and bins.max() == 20 and len(np.unique(bins)) == 20
    assert discretize(np.array([0.0, 0.5, 1.0])).tolist() == [1, 11, 20]


def test_usable_factors_leaves_out_what_no_code_could_score(rng):
    factors = shapes_like_factors(rng) | {
        "rotation": rng.uniform(0, 6.3, N),
        "constant": np.zeros(N),
        "name": np.array(["a"] * N),
    }
    kept, notes = usable_factors(factors, latent_dim=4)
    assert list(kept) == ["shape", "scale", "x", "y"]
    assert len(notes) == 3 and any("rotation" in n for n in notes) and any("same value" in n for n in notes)
    assert usable_factors({"rotation": factors["rotation"]}, 4)[0] == {"rotation": factors["rotation"]}


@pytest.mark.parametrize("latent_dim, n", [(1, N), (4, 10)])
def test_no_scores_for_one_dimension_or_a_handful_of_images(rng, latent_dim, n):
    kept, notes = usable_factors({"x": rng.uniform(size=n)}, latent_dim)
    assert kept == {} and len(notes) == 1
