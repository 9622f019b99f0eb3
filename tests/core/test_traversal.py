"""Traversal maths: interpolation, directions, traversals and nearest neighbours."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from latent_core import InvalidInputError, LatentModel, directions, interpolate, interpolate_path, nearest, traverse
from latent_core.models import Architecture, LatentNetwork


@pytest.fixture
def pair() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=8).astype(np.float32), 2.5 * rng.normal(size=8).astype(np.float32)


@pytest.mark.parametrize("mode", ["linear", "slerp"])
def test_interpolation_keeps_both_endpoints(pair, mode):
    z0, z1 = pair
    path = interpolate(z0, z1, 7, mode)
    assert path.shape == (7, 8) and path.dtype == np.float32
    np.testing.assert_array_equal(path[0], z0)
    np.testing.assert_array_equal(path[-1], z1)


def test_linear_steps_are_equal(pair):
    steps = np.diff(interpolate(*pair, 11, "linear"), axis=0)
    np.testing.assert_allclose(steps, np.broadcast_to(steps[0], steps.shape), atol=1e-6)


def test_slerp_interpolates_norms_linearly_and_angles_evenly(pair):
    z0, z1 = pair
    path = interpolate(z0, z1, 21, "slerp").astype(np.float64)
    norms = np.linalg.norm(path, axis=1)
    np.testing.assert_allclose(norms, np.linspace(np.linalg.norm(z0), np.linalg.norm(z1), 21), rtol=1e-5)
    units = path / norms[:, None]
    angles = np.arccos(np.clip((units[:-1] * units[1:]).sum(axis=1), -1, 1))
    np.testing.assert_allclose(angles, angles[0], rtol=1e-3)
    linear = np.linalg.norm(interpolate(z0, z1, 21, "linear"), axis=1)
    assert linear[10] < norms[10]  # the straight line cuts through the low-norm middle


def test_slerp_on_the_unit_sphere_stays_on_it():
    path = interpolate([1, 0, 0], [0, 1, 0], 9, "slerp")
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(path[4], [np.sqrt(0.5), np.sqrt(0.5), 0], atol=1e-6)


def test_slerp_falls_back_to_a_line_through_the_origin_and_for_parallel_codes():
    np.testing.assert_allclose(interpolate([1, 0], [-1, 0], 3, "slerp"), [[1, 0], [0, 0], [-1, 0]], atol=1e-6)
    np.testing.assert_allclose(interpolate([0, 0], [2, 0], 3, "slerp"), [[0, 0], [1, 0], [2, 0]], atol=1e-6)
    np.testing.assert_allclose(interpolate([1, 1], [2, 2], 3, "slerp"), [[1, 1], [1.5, 1.5], [2, 2]], atol=1e-6)


def test_a_path_visits_every_waypoint_once():
    waypoints = np.random.default_rng(1).normal(size=(4, 5)).astype(np.float32)
    for mode in ("linear", "slerp"):
        path = interpolate_path(waypoints, 6, mode)
        assert path.shape == (3 * 6 + 1, 5)
        np.testing.assert_allclose(path[::6], waypoints, atol=1e-6)
        assert len(np.unique(path.round(5), axis=0)) == len(path)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: interpolate([0, 1], [1, 0], 1), "steps=1 is invalid"),
        (lambda: interpolate([0, 1], [1, 0], 5, "cubic"), "mode 'cubic' is unknown"),
        (lambda: interpolate([0, 1], [1, 0, 2], 5), "end code must be 2 values"),
        (lambda: interpolate([0, np.nan], [1, 0], 5), "NaN"),
        (lambda: interpolate_path(np.zeros((1, 3)), 4), "at least 2"),
        (lambda: interpolate_path(np.eye(3), 0), "steps_per_segment=0 is invalid"),
    ],
)
def test_bad_interpolation_input(call, words):
    with pytest.raises(InvalidInputError, match=words):
        call()


@pytest.fixture
def labelled() -> tuple[np.ndarray, np.ndarray]:
    """Two classes whose means differ along a known, non-axis direction."""
    rng = np.random.default_rng(0)
    labels = np.arange(400) % 2
    shift = np.array([3.0, -2.0, 1.0, 0.0, 0.0, 0.0])
    codes = rng.normal(size=(400, 6)) * np.array([1, 1, 1, 4, 4, 4]) + labels[:, None] * shift
    return codes.astype(np.float32), labels


def test_axes_are_the_identity(labelled):
    codes, _ = labelled
    np.testing.assert_array_equal(directions(codes, "axes"), np.eye(6))


def test_pca_directions_are_orthonormal_and_ordered(labelled):
    codes, _ = labelled
    vectors = directions(codes, "pca")
    assert vectors.shape == (6, 6) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors @ vectors.T, np.eye(6), atol=1e-5)
    variances = ((codes - codes.mean(0)) @ vectors.T).var(axis=0)
    assert np.all(np.diff(variances) <= 1e-6)


@pytest.mark.parametrize("method", ["mean_difference", "classifier"])
def test_attribute_direction_is_unit_and_separates_the_classes(labelled, method):
    codes, labels = labelled
    (vector,) = directions(codes, "attribute", labels=labels, positive=1, negative=0, method=method)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)
    scores = codes @ vector
    assert scores[labels == 1].mean() > scores[labels == 0].mean() + 2
    threshold = (scores[labels == 1].mean() + scores[labels == 0].mean()) / 2
    assert ((scores > threshold) == (labels == 1)).mean() > 0.85
    truth = np.array([3.0, -2.0, 1.0, 0, 0, 0]) / np.sqrt(14)
    assert vector @ truth > 0.9


def test_attribute_groups_may_be_lists_or_all_others():
    rng = np.random.default_rng(0)
    labels = np.arange(300) % 3
    codes = rng.normal(size=(300, 4)) + np.eye(4)[labels] * 5
    (towards_2,) = directions(codes, "attribute", labels=labels, positive=2)
    (from_0_1,) = directions(codes, "attribute", labels=labels, positive=[2], negative=[0, 1])
    np.testing.assert_allclose(towards_2, from_0_1, atol=1e-6)
    assert towards_2.argmax() == 2


@pytest.mark.parametrize(
    "options, words",
    [
        ({"kind": "random"}, "kind 'random' is unknown"),
        ({"kind": "attribute"}, "need labels"),
        ({"kind": "attribute", "labels": np.zeros(3), "positive": 1}, "one label per code"),
        ({"kind": "attribute", "labels": np.arange(10) % 2, "positive": 7}, "No code has a label in positive=7"),
        ({"kind": "attribute", "labels": np.arange(10) % 2, "positive": 1, "method": "svm"}, "method 'svm' is unknown"),
        ({"kind": "attribute", "labels": np.zeros(10, int), "positive": 0}, "negative group is empty"),
    ],
)
def test_bad_direction_input(options, words):
    with pytest.raises(InvalidInputError, match=words):
        directions(np.random.default_rng(0).normal(size=(10, 3)), **options)


def test_traverse_steps_along_the_direction():
    z, direction = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.0])
    codes = traverse(z, direction, [-2, 0, 0.5])
    assert codes.dtype == np.float32
    np.testing.assert_allclose(codes, [[1, 0, 3], [1, 2, 3], [1, 2.5, 3]])
    with pytest.raises(InvalidInputError, match="direction must be 3 values"):
        traverse(z, [1.0, 0.0], [1])
    with pytest.raises(InvalidInputError, match="traversal values"):
        traverse(z, direction, [np.inf])


def test_nearest_matches_brute_force():
    rng = np.random.default_rng(0)
    codes, queries = rng.normal(size=(500, 6)), rng.normal(size=(4, 6))
    indices, distances = nearest(codes, queries, k=7)
    assert indices.shape == (4, 7) and indices.dtype == np.int64 and distances.dtype == np.float32
    brute = np.linalg.norm(queries[:, None] - codes[None], axis=2)
    np.testing.assert_array_equal(indices, np.argsort(brute, axis=1)[:, :7])
    np.testing.assert_allclose(distances, np.sort(brute, axis=1)[:, :7], rtol=1e-5)
    one, one_distance = nearest(codes, codes[42], k=1)
    assert one.tolist() == [42] and one_distance[0] == 0


@pytest.mark.parametrize("k, words", [(0, "k=0 is invalid"), (501, "from 1 to 500"), (2.5, "k=2.5")])
def test_nearest_rejects_bad_k(k, words):
    with pytest.raises(InvalidInputError, match=words):
        nearest(np.zeros((500, 2)), np.zeros(2), k=k)


def model_around(decoder, latent_dim: int) -> LatentModel:
    """A LatentModel whose network is just `decoder` (codes (N, latent_dim) -> anything)."""
    arch = Architecture(8, 8, 1, latent_dim)
    return LatentModel(LatentNetwork(decoder), {"kind": "vae", "name": "probe", "architecture": arch.to_dict()})


def known_first_layer(latent_dim: int = 6, out: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (out, d) = U diag(s) Vᵀ with distinct singular values s, and its right singular vectors V (d, d)."""
    rng = np.random.default_rng(3)
    u, _ = np.linalg.qr(rng.normal(size=(out, latent_dim)))
    v, _ = np.linalg.qr(rng.normal(size=(latent_dim, latent_dim)))
    s = np.array([9.0, 6.0, 4.0, 2.5, 1.5, 0.5])[:latent_dim]
    return (u * s) @ v.T, s, v


def linear_start(weight: np.ndarray, activation: nn.Module) -> nn.Sequential:
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
    return nn.Sequential(layer, activation, nn.Linear(weight.shape[0], 64))


def test_sefa_directions_are_orthonormal_and_recover_the_first_layers_singular_vectors():
    weight, _, v = known_first_layer()
    found = directions(np.zeros((1, 6)), "sefa", model=model_around(linear_start(weight, nn.ReLU()), 6))
    assert found.shape == (6, 6) and found.dtype == np.float32
    np.testing.assert_allclose(found @ found.T, np.eye(6), atol=1e-5)
    np.testing.assert_allclose(np.abs(found @ v), np.eye(6), atol=1e-5)  # row k is ± the k-th singular vector


def test_sefa_reads_a_transposed_conv_on_a_1x1_map():
    class ConvStart(nn.Module):
        def __init__(self):
            super().__init__()
            self.up = nn.ConvTranspose2d(4, 3, 2)

        def forward(self, z):
            return self.up(z.view(-1, 4, 1, 1))

    decoder = ConvStart()
    weight = decoder.up.weight.detach().double().reshape(4, -1).T.numpy()  # (out * kh * kw, d)
    _, _, vt = np.linalg.svd(weight)
    found = directions(np.zeros((1, 4)), "sefa", model=model_around(decoder, 4))
    np.testing.assert_allclose(np.abs(found @ vt.T), np.eye(4), atol=1e-4)


def test_ganspace_directions_are_unit_and_ordered_by_variance():
    weight, s, v = known_first_layer()
    model = model_around(linear_start(weight, nn.LeakyReLU(1.0)), 6)  # a linear early layer: PCA axes are W's
    found = directions(np.zeros((1, 6)), "ganspace", model=model)
    assert found.shape == (6, 6) and found.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(found, axis=1), 1.0, atol=1e-5)
    spread = np.linalg.norm(found.astype(np.float64) @ weight.T, axis=1)  # activation change per unit move
    assert np.all(np.diff(spread) < 0)
    np.testing.assert_allclose(spread, s, rtol=0.05)
    assert np.all(np.abs(found @ v).max(axis=1) > 0.99)


def test_ganspace_on_a_generator_with_batch_norm_and_relu():
    from latent_core.models.gan import GAN, GANConfig

    arch = Architecture(16, 16, 1, 5, base_channels=8)
    torch.manual_seed(0)
    model = LatentModel(GAN(GANConfig(arch)), {"kind": "gan", "name": "g", "architecture": arch.to_dict()})
    found = directions(np.zeros((1, 5)), "ganspace", model=model)
    assert found.shape == (5, 5)
    np.testing.assert_allclose(np.linalg.norm(found, axis=1), 1.0, atol=1e-5)
    assert not model.network.training  # reading the activations left the network in eval mode
    np.testing.assert_array_equal(found, directions(np.zeros((1, 5)), "ganspace", model=model))


@pytest.mark.parametrize(
    "model, words",
    [
        (None, "pass the model"),
        (model_around(nn.Sequential(nn.Tanh(), nn.Linear(6, 10)), 6), "Tanh layer that is not linear"),
        (model_around(nn.Sequential(nn.Linear(5, 10)), 5), "6 values each but model 'probe' has 5"),
    ],
)
@pytest.mark.parametrize("kind", ["sefa", "ganspace"])
def test_decoder_directions_need_a_model_whose_first_layer_is_linear(kind, model, words):
    with pytest.raises(InvalidInputError, match=words):
        directions(np.zeros((2, 6)), kind, model=model)


def test_waypoints_along_a_line_come_in_order_and_spread_evenly():
    from latent_core.traversal import waypoints_along

    t = np.random.default_rng(0).permutation(101).astype(np.float32)  # positions 0..100 along a line, shuffled
    codes = np.outer(t, [1.0, 2.0, -0.5]) + np.random.default_rng(1).normal(0, 1e-3, (101, 3))
    chosen = t[waypoints_along(codes, 5)]
    assert sorted(chosen) == [0, 25, 50, 75, 100] and (list(chosen) in ([0, 25, 50, 75, 100], [100, 75, 50, 25, 0]))
    small = waypoints_along(codes[:4], 8)
    assert sorted(small) == [0, 1, 2, 3] and np.all(np.diff(t[small]) > 0) | np.all(np.diff(t[small]) < 0)


@pytest.mark.parametrize("count", [1, 2.5, "8"])
def test_waypoints_along_rejects_a_bad_count(count):
    from latent_core.traversal import waypoints_along

    with pytest.raises(InvalidInputError, match="at least 2 waypoints"):
        waypoints_along(np.zeros((10, 2)), count)


def test_a_code_index_answers_as_nearest_does_for_many_searches():
    from latent_core.traversal import CodeIndex

    rng = np.random.default_rng(3)
    codes, queries = rng.normal(size=(500, 6)), rng.normal(size=(20, 6))
    index = CodeIndex(codes)
    for query in queries:
        expected = nearest(codes, query, k=4)
        found = index.nearest(query, k=4)
        np.testing.assert_array_equal(found[0], expected[0])
        np.testing.assert_array_equal(found[1], expected[1])
    with pytest.raises(InvalidInputError, match="need 6 values"):
        index.nearest(np.zeros(5))
