"""The shipped models' stored figures (models/<name>/metrics.json, written by `make models`) meet their goals.

These read numbers kept in the repo, so they are fast; `make models` measures them again when it rebuilds.
"""

from __future__ import annotations

import json

import pytest

import latent_core
from latent_core.checkpoint.discovery import shipped_dir
from latent_core.evaluation.result import Evaluation

SHIPPED = ("digits", "shapes", "mnist")
READOUT_GOAL = 0.95  # share of squares and triangles identified as such in shapes reconstructions
ROTATION_GOAL_DEG = 10.0  # median rotation error of squares and triangles, modulo their symmetry
MNIST_GOAL_NATS = 95.0  # binarised IWAE NLL (k=100) of the 1,000 held-out MNIST test images


def stored(name: str) -> tuple[Evaluation, dict]:
    folder = shipped_dir() / name
    return Evaluation.from_dict(json.loads((folder / "metrics.json").read_text())), json.loads(
        (folder / "config.json").read_text()
    )


def test_every_shipped_model_has_parsable_metrics_measured_on_its_own_kind_of_images():
    assert set(SHIPPED) <= set(latent_core.shipped_models())
    for name in SHIPPED:
        evaluation, config = stored(name)
        assert evaluation.model_name == config["name"] == name
        assert len(evaluation.kl_per_dim) == config["architecture"]["latent_dim"]
        assert evaluation.recon_mse < 0.5 * evaluation.mean_image_mse
        assert "## Evaluation" in (shipped_dir() / name / "README.md").read_text()


def test_digits_has_no_inactive_dimension_and_an_iwae_bound_with_k_1000_on_its_validation_split():
    evaluation, config = stored("digits")
    assert evaluation.split == "validation" and evaluation.dataset_fingerprint == config["dataset"]["fingerprint"]
    assert evaluation.k == 1000 and evaluation.iwae_nll_nats is not None
    assert evaluation.inactive_dims == [] and evaluation.active_units == config["architecture"]["latent_dim"]


def test_shapes_reconstructions_keep_shape_position_scale_and_rotation():
    """What the shipped shapes model (fully connected networks, 400 epochs: 34,000 steps) achieves: 96.0% of squares
    and 99.7% of triangles read as their shape (the 200-epoch model before: 86.7% and 93.0%), rotation errors 1.1 and
    1.4 degrees. MIG's aim is the strict xfail below. The conv model shipped before that read every square and
    triangle as a circle (0% and 0%, rotation errors at chance: 23 and 28 degrees) with MIG 0.158: it traded shape
    and rotation for axis-aligned codes, this one the other way round."""
    evaluation, _ = stored("shapes")
    readout = evaluation.readout
    assert evaluation.split == "validation" and readout["n_images"] >= 1000
    assert readout["position_error_px"] < 0.5 and readout["scale_error"] < 0.05
    assert readout["identified"]["circle"] >= READOUT_GOAL
    for shape in ("square", "triangle"):
        assert readout["rotation_error_deg"][shape]["median"] < ROTATION_GOAL_DEG, shape
        assert readout["identified"][shape] >= READOUT_GOAL, shape
    assert evaluation.mig > 0.02  # 0.030 (0.046 at 200 epochs): position and scale are spread over several axes


@pytest.mark.xfail(
    strict=True,
    reason="aim not met: the shipped shapes model's MIG is 0.030 (aim 0.25); its codes spread position and scale "
    "over several axes (β-TCVAE's total-correlation term, tc_weight 1 or 5, did not raise it: README 'Shipped models')",
)
def test_shapes_aim_the_codes_are_disentangled():
    evaluation, _ = stored("shapes")
    assert evaluation.mig >= 0.25


def test_mnist_binarised_nll_on_the_last_1000_test_images():
    evaluation, _ = stored("mnist")
    assert evaluation.binarized and evaluation.n_images == 1000 and evaluation.split == "all"
    assert evaluation.k == 100  # k=1000 would take over an hour of evaluation on the shared 2-core machine
    assert evaluation.iwae_nll_nats <= MNIST_GOAL_NATS and evaluation.active_units == 32


def test_any_other_shipped_model_with_metrics_has_parsable_ones():
    for name in set(latent_core.shipped_models()) - set(SHIPPED):
        path = shipped_dir() / name / "metrics.json"
        if path.is_file():
            assert Evaluation.from_dict(json.loads(path.read_text())).model_name, name


@pytest.mark.parametrize("name, mib", [("digits", 5), ("shapes", 5), ("mnist", 8)])
def test_a_shipped_model_is_a_few_megabytes_at_most(name, mib):
    """mnist's 7.2 MiB are mostly its two 3,136 x 256 fully connected layers (7x7x64 feature maps)."""
    assert sum(p.stat().st_size for p in (shipped_dir() / name).iterdir()) < mib * 2**20
