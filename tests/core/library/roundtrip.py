"""The library's core round trip, run on SQLite (test_library.py) and on PostgreSQL (test_postgres.py)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from sqlalchemy import update

import latent_core as lc
from latent_core.library.library import token_sha256
from latent_core.library.schema import workspaces


def factored_dataset() -> lc.ImageDataset:
    """12 RGB images 8x8 with labels, label names and two factors (one float, one int)."""
    rng = np.random.default_rng(1)
    return lc.ImageDataset(
        rng.integers(0, 256, size=(12, 8, 8, 3), dtype=np.uint8),
        labels=np.arange(12) % 3,
        label_names=["cat", "dog", "émeu"],
        factors={"scale": rng.random(12), "angle": np.arange(12)},
        name="pets",
    )


def embeddings_with_images() -> lc.EmbeddingSet:
    rng = np.random.default_rng(2)
    return lc.EmbeddingSet(
        rng.normal(size=(10, 5)),
        labels=np.arange(10) % 2,
        label_names=["a", "b"],
        images=rng.integers(0, 256, size=(10, 8, 8, 1), dtype=np.uint8),
        name="vectors",
    )


def assert_same_images(a: lc.ImageDataset, b: lc.ImageDataset) -> None:
    assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels)
    assert a.label_names == b.label_names and set(a.factors) == set(b.factors)
    for name, values in a.factors.items():
        assert np.array_equal(np.asarray(values), b.factors[name]) and b.factors[name].dtype == np.asarray(values).dtype


def assert_same_embeddings(a: lc.EmbeddingSet, b: lc.EmbeddingSet) -> None:
    assert np.array_equal(a.vectors, b.vectors) and np.array_equal(a.labels, b.labels)
    assert a.label_names == b.label_names and np.array_equal(a.images, b.images)


def set_last_used(library: lc.Library, token: str, when: datetime) -> None:
    """Make a workspace look last used at `when`, as if days had passed."""
    with library.engine.begin() as conn:
        conn.execute(update(workspaces).where(workspaces.c.token_sha256 == token_sha256(token)).values(last_used=when))


def codes(model: lc.LatentModel, n: int = 6) -> np.ndarray:
    return np.random.default_rng(3).normal(size=(n, model.latent_dim)).astype(np.float32)


def check_round_trip(library: lc.Library, model: lc.LatentModel, tmp_path) -> None:
    """Datasets, embeddings and a model saved, listed, loaded, exported, renamed and deleted in one workspace,
    invisible from a second one, and seen by a second Library on the same database."""
    token, other = library.create_workspace(), library.create_workspace()
    assert library.valid_token(token) and library.has_workspace(token) and token != other
    images, vectors = factored_dataset(), embeddings_with_images()

    saved = library.save_dataset(token, images, "pets", report={"notes": ["resized"]})
    assert (saved.key, saved.name, saved.kind, saved.size, saved.shape) == ("data-1", "pets", "images", 12, (8, 8, 3))
    assert saved.report == {"notes": ["resized"]} and saved.bytes > images.images.nbytes
    assert_same_images(images, library.load_dataset(token, "data-1"))
    assert library.load_dataset(token, "data-1").name == "pets"
    embedded = library.save_dataset(token, vectors, "vectors")
    assert (embedded.key, embedded.kind, embedded.shape) == ("data-2", "embeddings", (5,))
    assert_same_embeddings(vectors, library.load_dataset(token, "data-2"))

    run = library.save_model(token, model, "first run", seconds=1.5)
    assert (run.key, run.name, run.source, run.kind, run.latent_dim, run.seconds) == (
        "run-1",
        "first run",
        "trained",
        model.kind,
        model.latent_dim,
        1.5,
    )
    assert run.epochs == len(model.history) and run.history == model.history and run.val_loss is not None
    assert run.dataset_fingerprint == model.config["dataset"]["fingerprint"]
    assert np.array_equal(library.load_model(token, "run-1").decode(codes(model)), model.decode(codes(model)))
    exported = library.export_model(token, "run-1", tmp_path / "run.zip")
    assert np.array_equal(lc.load_model(exported).decode(codes(model)), model.decode(codes(model)))
    assert library.export_model(token, "run-1") == exported.read_bytes()

    renamed = library.rename_model(token, "run-1", "  best so far ")
    assert renamed.name == "best so far" and library.model(token, "run-1").name == "best so far"
    assert [r.key for r in library.datasets(token)] == ["data-1", "data-2"]
    assert [r.key for r in library.models(token)] == ["run-1"]
    assert library.usage(token) == saved.bytes + embedded.bytes + run.bytes

    assert library.datasets(other) == [] and library.models(other) == []
    for lookup in (lambda: library.dataset(other, "data-1"), lambda: library.model(other, "run-1")):
        with pytest.raises(lc.InvalidInputError, match="is not in this workspace"):
            lookup()

    library.save_view(token, {"dataset": "data-1", "model": "run-1", "picks": [1, 2]})
    library.record_map(token, "data-1", "run-1", lc.ProjectionConfig(method="pca", dims=2), "f" * 32)
    with lc.Library(library.url, home=library.home) as second:
        assert [r.key for r in second.models(token)] == ["run-1"] and second.view(token)["picks"] == [1, 2]
        assert [(m.dataset_key, m.method) for m in second.maps(token)] == [("data-1", "pca")]
        again = second.save_model(token, model, "the same weights")
        assert again.key == "run-1"  # the same checkpoint in one workspace is the record it already has
    library.delete_model(token, "run-1")
    library.delete_dataset(token, "data-2")
    assert library.models(token) == [] and [r.key for r in library.datasets(token)] == ["data-1"]
    assert library.maps(token) == []
    with pytest.raises(lc.InvalidInputError, match="is not in this workspace"):
        library.load_model(token, "run-1")
