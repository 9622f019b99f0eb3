"""Exports: the Map page's points as CSV and Parquet, the Traverse page's code as .npy (tables and AppTest)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import latent_core
from latent_core.traversal import directions
from tests.app.app_workspace import app, texts
from tests.app.downloads import capture_downloads
from ui import exports, projections, state, workspaces

READERS = {"csv": lambda data: pd.read_csv(io.BytesIO(data)), "parquet": lambda data: pd.read_parquet(io.BytesIO(data))}


def read_back(parts: dict, kind: str) -> pd.DataFrame:
    return READERS[kind](exports.build(parts, kind))


def assert_table_is_the_map(table: pd.DataFrame, ws: state.Workspace, embedding: np.ndarray, prefix: str) -> None:
    """Every column of an exported table equals what the map shows: rows, labels, coordinates and codes/vectors."""
    values = ws.codes()
    axes = list("xyz"[: embedding.shape[1]])
    labelled = ["label"] if ws.dataset.labels is not None else []
    assert list(table.columns) == ["index", *labelled, *axes, *(f"{prefix}{k}" for k in range(values.shape[1]))]
    assert np.array_equal(table["index"].to_numpy(), ws.mapped())
    if labelled:
        assert table["label"].astype(str).tolist() == [ws.dataset.label_text(int(i)) for i in ws.mapped()]
    assert np.array_equal(table[axes].to_numpy(np.float32), embedding)
    assert np.array_equal(table[[f"{prefix}{k}" for k in range(values.shape[1])]].to_numpy(np.float32), values)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
@pytest.mark.parametrize("dims", [2, 3])
def test_map_table_holds_rows_labels_coordinates_and_codes(ws, kind, dims):
    embedding = np.asarray(projections.project(ws.codes(), "pca", dims).embedding, dtype=np.float32)
    table = read_back(exports.map_table_parts(ws, embedding), kind)
    assert_table_is_the_map(table, ws, embedding, "z")
    assert len(table) == len(ws.dataset)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_embeddings_export_their_vectors(rng, kind):
    vectors = rng.standard_normal((40, 6)).astype(np.float32)
    names = ["cat", "dog, big", "bird"]
    for labels in (None, np.arange(40) % 3):
        embeddings = latent_core.EmbeddingSet(vectors, labels, names if labels is not None else None, name="vecs")
        ws = state.Workspace(dataset_key="data-1", dataset=embeddings, token=workspaces.library().create_workspace())
        embedding = np.asarray(projections.project(ws.codes(), "pca", 2).embedding, dtype=np.float32)
        table = read_back(exports.map_table_parts(ws, embedding), kind)
        assert_table_is_the_map(table, ws, embedding, "v")
        if labels is not None:
            assert table["label"].tolist()[:3] == names  # names with commas survive the CSV quoting


def test_map_page_downloads_the_map_it_shows(monkeypatch):
    downloads = capture_downloads(monkeypatch)
    at = app()
    assert not at.exception, texts(at.exception)
    assert {"CSV", "Parquet"} <= {b.label for b in at.get("download_button")}
    ws = at.session_state["workspace"]
    embedding = np.asarray(projections.cached(ws.codes(), ws.method, ws.dims).embedding, dtype=np.float32)
    for kind in ("csv", "parquet"):
        table = READERS[kind](downloads[f"map-digits-pca-2d.{kind}"]())
        assert_table_is_the_map(table, ws, embedding, "z")


def load_npy(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


def test_npy_round_trip(rng):
    code = rng.standard_normal(7)
    loaded = load_npy(exports.npy_bytes(code))
    assert loaded.dtype == np.float32 and loaded.shape == (7,)
    assert np.array_equal(loaded, code.astype(np.float32))


def test_traverse_page_downloads_the_code_at_the_slider_position(monkeypatch):
    downloads = capture_downloads(monkeypatch)
    at = app()
    at.switch_page("pages/traverse.py").run()
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    base = ws.model.encode(ws.dataset.images[:1])[0]
    assert np.array_equal(load_npy(downloads["code.npy"]()), base)
    at.slider(key="trav_axes_0").set_value(2.5).run()
    moved = load_npy(downloads["code.npy"]())
    axis = np.atleast_2d(np.asarray(directions(ws.codes(), kind="axes"), dtype=np.float32))[0]
    assert moved.shape == (ws.model.latent_dim,) and np.allclose(moved, base + 2.5 * axis)
    assert not np.allclose(moved, base)
