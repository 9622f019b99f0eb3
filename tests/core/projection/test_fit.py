"""fit_projection: shapes, determinism, exact PCA, transform, progress and cancellation."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import latent_core
from latent_core import ProjectionCancelled, fit_projection


def blobs(n: int = 300, d: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian clusters: codes float32 (n, d) and labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    centres = rng.normal(scale=6.0, size=(3, d))
    return (centres[labels] + rng.normal(size=(n, d))).astype(np.float32), labels


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_every_fast_method_gives_float32_maps_in_2d_and_3d(method, dims):
    codes, _ = blobs()
    projection = fit_projection(codes, method=method, dims=dims, epochs=50 if method == "tsne" else None)
    assert projection.embedding.shape == (300, dims) and projection.embedding.dtype == np.float32
    assert np.isfinite(projection.embedding).all() and projection.embedding.std(axis=0).min() > 0
    assert projection.transform(codes[:5]).shape == (5, dims)
    z, confidence = projection.inverse(projection.embedding[:7], return_confidence=True)
    assert z.shape == (7, 6) and z.dtype == np.float32 and confidence.shape == (7,)


@pytest.mark.slow
@pytest.mark.parametrize("dims", [2, 3])
def test_umap_gives_float32_maps_in_2d_and_3d_and_uses_umaps_transform(dims):
    codes, _ = blobs()
    projection = fit_projection(codes, method="umap", dims=dims, epochs=50)
    assert projection.embedding.shape == (300, dims) and projection.embedding.dtype == np.float32
    assert projection.transform_kind == "umap"
    placed = projection.transform(codes[:20] + 0.01)
    assert placed.shape == (20, dims)
    spread = np.linalg.norm(projection.embedding.std(axis=0))
    assert np.median(np.linalg.norm(placed - projection.embedding[:20], axis=1)) < 0.5 * spread


def test_methods_keep_clusters_apart():
    codes, labels = blobs()
    for method in ("pca", "tsne"):
        embedding = fit_projection(codes, method=method, epochs=100 if method == "tsne" else None).embedding
        centres = np.array([embedding[labels == k].mean(axis=0) for k in range(3)])
        within = max(np.linalg.norm(embedding[labels == k] - centres[k], axis=1).mean() for k in range(3))
        between = min(np.linalg.norm(centres[a] - centres[b]) for a in range(3) for b in range(a + 1, 3))
        assert between > 2 * within, method


def test_same_seed_same_map_and_other_seed_other_tsne_map():
    codes, _ = blobs()
    first = fit_projection(codes, method="tsne", seed=1, epochs=50).embedding
    np.testing.assert_array_equal(first, fit_projection(codes, method="tsne", seed=1, epochs=50).embedding)
    assert not np.allclose(first, fit_projection(codes, method="tsne", seed=2, epochs=50).embedding)


def test_pca_round_trip_is_exact():
    rng = np.random.default_rng(0)
    plane = rng.normal(size=(200, 2)) @ rng.normal(size=(2, 5)) + rng.normal(size=5)  # rank-2 codes in 5-D
    projection = fit_projection(plane, method="pca")
    np.testing.assert_allclose(projection.inverse(projection.embedding), plane, atol=1e-4)
    points = rng.uniform(-20, 20, size=(50, 2))
    np.testing.assert_allclose(projection.transform(projection.inverse(points)), points, atol=1e-4)
    assert projection.transform_kind == "exact"
    np.testing.assert_allclose(projection.transform(plane), projection.embedding, atol=1e-5)


def test_pca_axes_are_ordered_by_variance():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(500, 4)) * np.array([1.0, 5.0, 0.1, 2.0])
    embedding = fit_projection(codes, method="pca").embedding
    np.testing.assert_allclose(embedding.std(axis=0), [5.0, 2.0], rtol=0.1)


def test_tsne_transform_places_codes_near_their_neighbours():
    codes, labels = blobs()
    projection = fit_projection(codes, method="tsne", epochs=100)
    assert projection.transform_kind == "knn"
    placed = projection.transform(codes + 0.01)
    centres = np.array([projection.embedding[labels == k].mean(axis=0) for k in range(3)])
    nearest_centre = np.linalg.norm(placed[:, None] - centres[None], axis=2).argmin(axis=1)
    assert (nearest_centre == labels).mean() > 0.99


def test_progress_rises_from_zero_to_exactly_one_with_messages():
    codes, _ = blobs()
    calls = []
    fit_projection(
        codes, method="tsne", epochs=50, on_progress=lambda fraction, message: calls.append((fraction, message))
    )
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and len(calls) >= 3
    assert all(0.0 <= f <= 1.0 for f in fractions) and fractions == sorted(fractions)
    assert all(isinstance(m, str) and m for _, m in calls) and any("t-SNE" in m for _, m in calls)


def test_should_stop_cancels_a_tsne_fit():
    codes, _ = blobs()
    polls = []

    def should_stop() -> bool:
        polls.append(1)
        return len(polls) > 3

    with pytest.raises(ProjectionCancelled):
        fit_projection(codes, method="tsne", should_stop=should_stop)


@pytest.mark.slow
def test_should_stop_cancels_umap_inside_its_epoch_loop():
    codes, _ = blobs(2000)
    seen = []

    def on_progress(fraction: float, message: str) -> None:
        seen.append(fraction)

    with pytest.raises(ProjectionCancelled, match="optimising"):
        fit_projection(
            codes,
            method="umap",
            epochs=2000,
            on_progress=on_progress,
            should_stop=lambda: bool(seen) and seen[-1] > 0.4,
        )
    assert max(seen) < 1.0


def test_import_latent_core_loads_neither_umap_nor_numba():
    script = (
        "import sys, latent_core; "
        "assert 'umap' not in sys.modules and 'numba' not in sys.modules and 'openTSNE' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_public_names_are_exported():
    for name in ("fit_projection", "Projection", "ProjectionCache", "ProjectionCancelled"):
        assert name in latent_core.__all__ and hasattr(latent_core, name)
