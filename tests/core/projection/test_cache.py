"""ProjectionCache: hits return the same map quickly, never unpickle, stay bounded, survive deletion."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from latent_core import ProjectionCache, ProjectionCancelled, fit_projection
from latent_core.projection import methods


@pytest.fixture
def codes() -> np.ndarray:
    rng = np.random.default_rng(0)
    return (rng.normal(size=(300, 6)) + 4 * (np.arange(300) % 3)[:, None]).astype(np.float32)


def refuse_to_fit(monkeypatch) -> None:
    def fail(*args):
        raise AssertionError("fitted although the map is cached")

    monkeypatch.setattr(methods, "FIT", {"pca": fail, "tsne": fail, "umap": fail})
    monkeypatch.setattr("latent_core.projection.fit.FIT", methods.FIT)


@pytest.mark.parametrize("method, dims", [("pca", 2), ("pca", 3), ("tsne", 2), ("tsne", 3)])
def test_a_hit_returns_the_same_coordinates_without_fitting(codes, cache_dir, monkeypatch, method, dims):
    first = fit_projection(codes, method=method, dims=dims, epochs=50 if method == "tsne" else None, cache=True)
    assert len(list(cache_dir.glob("*.npz"))) == 1 and len(list(cache_dir.glob("*.json"))) == 1
    refuse_to_fit(monkeypatch)
    messages = []
    start = time.perf_counter()
    again = fit_projection(
        codes,
        method=method,
        dims=dims,
        epochs=50 if method == "tsne" else None,
        cache=True,
        on_progress=lambda fraction, message: messages.append((fraction, message)),
    )
    assert time.perf_counter() - start < 0.5
    np.testing.assert_array_equal(again.embedding, first.embedding)
    assert messages == [(1.0, "loaded from the cache")]
    points = first.embedding[:5] + 0.1
    np.testing.assert_allclose(again.inverse(points), first.inverse(points), atol=1e-6)
    np.testing.assert_allclose(again.transform(codes[:5]), first.transform(codes[:5]), atol=1e-5)


def test_entries_are_plain_arrays_and_json(codes, cache_dir):
    fit_projection(codes, method="pca", cache=True)
    (arrays,) = cache_dir.glob("*.npz")
    with np.load(arrays, allow_pickle=False) as stored:
        assert sorted(stored.files) == ["components", "embedding", "mean"]
        assert all(stored[name].dtype != object for name in stored.files)
    meta = json.loads(arrays.with_suffix(".json").read_text())
    assert meta["method"] == "pca" and meta["dims"] == 2 and meta["points"] == 300


def test_other_codes_settings_or_seed_miss(codes, cache_dir):
    fit_projection(codes, method="tsne", epochs=10, cache=True)
    fit_projection(codes, method="tsne", epochs=10, perplexity=20, cache=True)
    fit_projection(codes, method="tsne", epochs=11, cache=True)
    fit_projection(codes, method="pca", cache=True)
    fit_projection(codes, method="pca", seed=1, cache=True)
    fit_projection(codes, method="pca", dims=3, cache=True)
    fit_projection(codes[:-1], method="pca", cache=True)
    fit_projection(
        codes, method="pca", neighbors=30, perplexity=5, cache=True
    )  # not PCA settings: same map, same entry
    assert len(list(cache_dir.glob("*.npz"))) == 7


def test_cache_argument_may_be_a_folder_or_an_instance(codes, tmp_path, cache_dir):
    fit_projection(codes, cache=tmp_path / "elsewhere")
    assert len(list((tmp_path / "elsewhere").glob("*.npz"))) == 1 and not cache_dir.exists()
    store = ProjectionCache(tmp_path / "third")
    fit_projection(codes, cache=store)
    assert store.size() > 0 and len(store.entries()) == 1
    fit_projection(codes, cache=False)
    assert not cache_dir.exists()


def test_least_recently_used_entries_are_evicted_beyond_max_bytes(codes, tmp_path):
    store = ProjectionCache(tmp_path / "small", max_bytes=10**9)
    for seed in range(3):
        fit_projection(codes, method="pca", seed=seed, cache=store)  # PCA ignores the seed, but the key holds it
    entry_bytes = store.size() // 3
    time.sleep(0.01)
    used = fit_projection(codes, method="pca", seed=0, cache=store)  # a hit marks seed 0 as recently used
    first_key = store.key(used.fingerprint, used.config)
    store.max_bytes = int(2.5 * entry_bytes)
    fit_projection(codes, method="pca", seed=3, cache=store)  # a fourth entry: two must go
    keys = [key for _, _, key in store.entries()]
    assert len(keys) == 2 and store.size() <= store.max_bytes
    assert first_key in keys  # seed 0 was used last before seed 3, so seeds 1 and 2 were evicted


def test_max_bytes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LATENT_EXPLORER_CACHE_MAX_BYTES", "12345")
    assert ProjectionCache(tmp_path).max_bytes == 12345
    monkeypatch.setenv("LATENT_EXPLORER_CACHE_MAX_BYTES", "lots")
    from latent_core import InvalidInputError

    with pytest.raises(InvalidInputError, match="LATENT_EXPLORER_CACHE_MAX_BYTES"):
        ProjectionCache(tmp_path)


def test_deleting_or_corrupting_the_cache_is_safe(codes, cache_dir):
    first = fit_projection(codes, method="pca", cache=True)
    (arrays,) = cache_dir.glob("*.npz")
    arrays.write_bytes(b"not a zip file")
    again = fit_projection(codes, method="pca", cache=True)
    np.testing.assert_array_equal(again.embedding, first.embedding)
    with np.load(arrays, allow_pickle=False) as stored:  # rewritten whole
        assert "embedding" in stored.files
    ProjectionCache().clear()
    assert not list(cache_dir.glob("*.npz"))
    import shutil

    shutil.rmtree(cache_dir)
    np.testing.assert_array_equal(fit_projection(codes, method="pca", cache=True).embedding, first.embedding)


def test_a_cancelled_fit_stores_nothing(codes, cache_dir):
    with pytest.raises(ProjectionCancelled):
        fit_projection(codes, method="tsne", cache=True, should_stop=lambda: True)
    assert not cache_dir.exists() or not list(cache_dir.glob("*.npz"))
