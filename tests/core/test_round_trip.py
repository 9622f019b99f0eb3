"""lc.round_trip: decode, encode again, and how far the codes and map positions moved."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import latent_core as lc
from latent_core.models import LatentNetwork
from tests.builders import tiny_checkpoint


class Flatten(nn.Module):
    """codes (N, 2) -> logits (N, 1, 1, 2): each code value is one pixel's logit."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z.reshape(-1, 1, 1, 2)


class Logit(nn.Module):
    """images (N, 1, 1, 2) in [0, 1] -> (logit of each pixel, zeros): the decoder's exact inverse."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = torch.logit(x.reshape(-1, 2), eps=1e-4)
        return mean, torch.zeros_like(mean)


def inverse_pair(encodes: bool = True) -> lc.LatentModel:
    encoder = Logit() if encodes else None
    arch = {"height": 1, "width": 2, "channels": 1, "latent_dim": 2, "base_channels": 4, "hidden": 8}
    return lc.LatentModel(LatentNetwork(Flatten(), encoder), {"kind": "vae", "name": "toy", "architecture": arch})


def codes(n: int = 40, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2, 2, (n, 2)).astype(np.float32)


def test_an_exact_inverse_lands_where_it_started():
    model = inverse_pair()
    projection = lc.fit_projection(codes(), method="pca")
    points = projection.embedding[:5] + 0.1
    trip = lc.round_trip(model, projection, points)
    assert trip.start_codes.shape == trip.codes.shape == (5, 2)
    assert trip.start_positions.shape == trip.positions.shape == (5, 2)
    assert trip.images.shape == (5, 1, 2, 1) and trip.images.dtype == np.uint8
    assert trip.latent_distance.shape == trip.map_distance.shape == (5,)
    np.testing.assert_allclose(trip.start_positions, points, atol=1e-5)
    # only the decoded images' rounding to 8 bits separates the codes
    assert trip.latent_distance.max() < 0.05
    assert trip.map_distance.max() < 0.05
    np.testing.assert_allclose(trip.codes, trip.start_codes, atol=0.05)


def test_distances_are_those_between_start_and_landing():
    model = inverse_pair()
    projection = lc.fit_projection(codes(), method="pca")
    start = np.array([[12.0, -12.0]], dtype=np.float32)  # saturated pixels (255 and 0): the encoder cannot get back
    trip = lc.round_trip(model, projection, codes=start)
    assert trip.latent_distance[0] == pytest.approx(np.linalg.norm(trip.codes[0] - start[0]), rel=1e-5)
    assert trip.map_distance[0] == pytest.approx(np.linalg.norm(trip.positions[0] - trip.start_positions[0]), rel=1e-5)
    assert trip.latent_distance[0] > 1.0
    assert "away in the latent space" in trip.describe(0)


def test_a_real_model_round_trip_from_codes_and_from_points_agree(tmp_path):
    model = lc.load_model(tiny_checkpoint(tmp_path / "tiny", latent_dim=2))  # a 2-D PCA of 2-D codes is exact
    projection = lc.fit_projection(np.random.default_rng(1).standard_normal((30, 2)), method="pca")
    from_codes = lc.round_trip(model, projection, codes=projection.codes[:4])
    from_points = lc.round_trip(model, projection, from_codes.start_positions)
    assert from_codes.codes.shape == (4, 2) and from_codes.positions.shape == (4, 2)
    np.testing.assert_allclose(from_points.start_codes, from_codes.start_codes, atol=1e-4)
    np.testing.assert_allclose(from_points.codes, from_codes.codes, atol=1e-4)


def test_a_model_without_an_encoder_is_refused():
    projection = lc.fit_projection(codes(), method="pca")
    with pytest.raises(lc.InvalidInputError, match="no encoder"):
        lc.round_trip(inverse_pair(encodes=False), projection, projection.embedding[:2])


@pytest.mark.parametrize(
    ("points", "given", "message"),
    [
        (np.zeros((2, 3)), {}, "2 coordinates"),
        (None, {"codes": np.zeros((2, 5))}, "2 values each"),
        (None, {}, "exactly one"),
        (np.zeros((1, 2)), {"codes": np.zeros((1, 2))}, "exactly one"),
        (np.array([[np.nan, 0.0]]), {}, "NaN"),
    ],
)
def test_wrong_shapes_are_refused(points, given, message):
    projection = lc.fit_projection(codes(), method="pca")
    with pytest.raises(lc.InvalidInputError, match=message):
        lc.round_trip(inverse_pair(), projection, points, **given)


def test_a_map_of_other_codes_is_refused():
    projection = lc.fit_projection(np.random.default_rng(0).standard_normal((20, 4)), method="pca")
    with pytest.raises(lc.InvalidInputError, match="make the map with this model"):
        lc.round_trip(inverse_pair(), projection, np.zeros((1, 2)))
