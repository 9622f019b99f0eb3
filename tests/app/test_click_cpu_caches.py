"""What a click or a poll no longer recomputes: projection keys of read-only codes, checkpoint fingerprints of unchanged
files, loss figures of unchanged curves; and each is computed afresh when its content changed."""

from __future__ import annotations

import os
import time
import types
import weakref

import numpy as np
import pytest

import latent_core
from latent_core.checkpoint.format import CONFIG_FILE, WEIGHTS_FILE
from latent_core.io.fingerprint import fingerprint
from ui import projections, resources, training
from ui.kept import Kept
from ui.workers import Curve


def counting(monkeypatch, module) -> list:
    """Count the calls of `module.fingerprint` (each one hashes content) from now on."""
    calls: list = []

    def counted(*parts):
        calls.append(parts)
        return fingerprint(*parts)

    monkeypatch.setattr(module, "fingerprint", counted)
    return calls


def read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def codes(seed: int = 0, n: int = 50) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 4)).astype(np.float32)


# projection keys


def test_the_key_of_read_only_codes_is_hashed_once_per_method_dims_and_settings(monkeypatch):
    calls = counting(monkeypatch, projections)
    frozen = read_only(codes())
    pca = projections.projection_key(frozen, "pca", 2)
    assert pca == fingerprint(frozen, "pca", 2) and len(calls) == 1
    assert [projections.projection_key(frozen, "pca", 2) for _ in range(3)] == [pca] * 3 and len(calls) == 1
    umap = projections.projection_key(frozen, "umap", 2, {"neighbors": 5})
    assert umap == fingerprint(frozen, "umap", 2, '{"neighbors": 5}') and len(calls) == 2
    assert projections.projection_key(frozen, "pca", 3) != pca and len(calls) == 3
    assert projections.projection_key(frozen.copy(), "pca", 2) == pca  # equal content, another array: the same key


@pytest.mark.parametrize("change", ["writeable", "view_of_writeable", "made_writeable"])
def test_a_key_follows_changed_codes(change, monkeypatch):
    calls = counting(monkeypatch, projections)
    base = codes()
    if change == "writeable":
        array = base
    elif change == "view_of_writeable":
        array = read_only(base[:, :])  # read-only itself, but its base can be written
    else:
        array = read_only(base)
    before = projections.projection_key(array, "pca", 2)
    if change == "made_writeable":
        array.setflags(write=True)
    base[0, 0] += 1.0
    after = projections.projection_key(array, "pca", 2)
    assert after != before and after == fingerprint(array, "pca", 2) and len(calls) == 2


def test_a_new_array_never_gets_the_key_of_a_gone_one_with_the_same_id():
    gone = read_only(codes(1))
    dead = weakref.ref(gone)
    del gone
    assert dead() is None
    array = read_only(codes(2))
    projections._keys[id(array)] = (dead, {("pca", 2): "the key of the array that had this id"})  # as after reuse
    assert projections.projection_key(array, "pca", 2) == fingerprint(array, "pca", 2)
    assert projections._keys[id(array)][0]() is array


def test_keys_are_remembered_for_a_few_arrays_only():
    arrays = [read_only(codes(seed, n=5)) for seed in range(projections.KEYED_ARRAYS + 5)]
    for array in arrays:
        projections.projection_key(array, "pca", 2)
    assert len(projections._keys) == projections.KEYED_ARRAYS
    assert id(arrays[-1]) in projections._keys and id(arrays[0]) not in projections._keys


# checkpoint fingerprints


@pytest.fixture
def checkpoint_folder(tmp_path):
    """A checkpoint folder whose files were last modified an hour ago."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / CONFIG_FILE).write_bytes(b'{"kind": "vae"}')
    (folder / WEIGHTS_FILE).write_bytes(b"\x01" * 1000)
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        an_hour_ago = time.time_ns() - 3600 * 10**9
        os.utime(folder / name, ns=(an_hour_ago, an_hour_ago))
    return folder


def settled(monkeypatch) -> None:
    """Let the test's files count as settled (changed more than SETTLED_S ago) although they were just written."""
    now = time.time_ns
    monkeypatch.setattr(resources.time, "time_ns", lambda: now() + 10**10)


def test_an_unchanged_checkpoint_is_not_read_again(checkpoint_folder, monkeypatch):
    settled(monkeypatch)
    calls = counting(monkeypatch, resources)
    expected = fingerprint(b'{"kind": "vae"}', b"\x01" * 1000)
    assert [resources.checkpoint_fingerprint(checkpoint_folder) for _ in range(3)] == [expected] * 3
    assert len(calls) == 1


def test_a_checkpoint_rewritten_in_place_or_replaced_gets_its_new_fingerprint(checkpoint_folder, monkeypatch):
    settled(monkeypatch)
    first = resources.checkpoint_fingerprint(checkpoint_folder)
    (checkpoint_folder / WEIGHTS_FILE).write_bytes(b"\x02" * 1000)  # the same size, written now
    rewritten = resources.checkpoint_fingerprint(checkpoint_folder)
    assert rewritten == fingerprint(b'{"kind": "vae"}', b"\x02" * 1000) != first
    replacement = checkpoint_folder / "new.json"
    replacement.write_bytes(b'{"kind": "gan"}')  # the same size and, below, the same times as the old config
    old = os.stat(checkpoint_folder / CONFIG_FILE)
    os.utime(replacement, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(replacement, checkpoint_folder / CONFIG_FILE)
    assert resources.checkpoint_fingerprint(checkpoint_folder) == fingerprint(b'{"kind": "gan"}', b"\x02" * 1000)


def test_files_changed_moments_ago_are_read_each_time(checkpoint_folder, monkeypatch):
    calls = counting(monkeypatch, resources)
    (checkpoint_folder / WEIGHTS_FILE).write_bytes(b"\x03" * 1000)  # a rewrite within the clock's tick keeps a stamp
    for _ in range(2):
        resources.checkpoint_fingerprint(checkpoint_folder)
    assert len(calls) == 2


def test_a_zip_checkpoint_is_fingerprinted_whole_and_a_folder_without_weights_is_refused(tmp_path):
    archive = tmp_path / "model.zip"
    archive.write_bytes(b"PK zip bytes")
    assert resources.checkpoint_fingerprint(archive) == fingerprint(b"PK zip bytes")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / CONFIG_FILE).write_text("{}")
    with pytest.raises(latent_core.InvalidInputError, match=f"needs {CONFIG_FILE} and {WEIGHTS_FILE}"):
        resources.checkpoint_fingerprint(tmp_path / "half")


def test_a_models_image_shape_is_loaded_once_per_fingerprint_and_again_for_new_content(monkeypatch):
    from ui.catalog import LIBRARY, Option

    loads = []

    def model_for(option):
        loads.append(option.source)
        return types.SimpleNamespace(image_shape=(8, 8, 1) if option.source == "fp-a" else (28, 28, 1)), option.source

    monkeypatch.setattr(resources, "model_for", model_for)
    monkeypatch.setattr(resources, "_image_shapes", Kept(resources.IMAGE_SHAPES_KEPT))
    run = Option("run", "a run", "fp-a", LIBRARY, "t")
    assert [resources.model_image_shape(run) for _ in range(3)] == [(8, 8, 1)] * 3 and loads == ["fp-a"]
    retrained = Option("run", "a run", "fp-b", LIBRARY, "t")  # same key, new content
    assert resources.model_image_shape(retrained) == (28, 28, 1) and loads == ["fp-a", "fp-b"]
    resources._image_shapes.limit = 1
    resources.model_image_shape(run)  # remembered: no load, and now the newest of the two ...
    resources.model_image_shape(Option("c", "c", "fp-c", LIBRARY, "t"))  # ... until a third
    kept = [resources._image_shapes(fp) for fp in ("fp-a", "fp-b", "fp-c")]
    assert kept == [None, None, (28, 28, 1)] and loads == ["fp-a", "fp-b", "fp-c"]


# loss figures


class Progress:
    """A stand-in TrainingProgress: its history of finished epochs."""

    def __init__(self, epochs: int):
        self.history = [{"epoch": e, "train_loss": 40.0 - e, "val_loss": 30.0 - e} for e in range(1, epochs + 1)]


def test_an_unchanged_curve_reuses_its_figure_and_a_new_point_or_epoch_draws_a_new_one():
    points = ((0.0, 50.0), (0.5, 45.0))
    figure = training.loss_figure(Curve(Progress(1), points), "vae", 0.0)
    assert training.loss_figure(Curve(Progress(1), tuple(points)), "vae", 0.0) is figure
    more = training.loss_figure(Curve(Progress(1), (*points, (1.0, 41.0))), "vae", 0.0)
    assert list(more.data[0].x) == [0.0, 0.5, 1.0] and list(more.data[0].y) == [50.0, 45.0, 41.0]
    epoch = training.loss_figure(Curve(Progress(2), points), "vae", 0.0)
    assert list(epoch.data[1].x) == [1, 2] and list(epoch.data[1].y) == [29.0, 28.0]
    assert list(figure.data[1].x) == [1] and len(figure.data) == 2
    ae = training.loss_figure(Curve(Progress(1), points), "ae", 0.0)
    assert ae.layout.yaxis.title.text == "reconstruction (nats / image)"
    assert figure.layout.yaxis.title.text == "reconstruction + β·KL (nats / image)"


def test_the_loss_figure_keeps_its_traces_and_layout():
    figure = training.loss_figure(Curve(Progress(2), ((0.0, 50.0),)), "vae", 2.0)
    assert [(t.name, t.mode, t.line.color) for t in figure.data] == [
        ("training objective (running mean)", "lines", "#4f46e5"),
        ("validation objective", "lines+markers", "#f28e2b"),
    ]
    layout = figure.layout
    assert (layout.height, layout.margin.l, layout.margin.b, layout.legend.orientation) == (260, 40, 36, "h")
    assert layout.xaxis.title.text == "epochs"
    assert layout.yaxis.title.text == "reconstruction + β·KL + tc_weight·TC (nats / image)"
    assert training.loss_figure(Curve(), "vae").data == ()
    no_validation = training.loss_figure(Curve(type("P", (), {"history": [{"epoch": 1}]})(), ((0.0, 1.0),)))
    assert [t.name for t in no_validation.data] == ["training objective (running mean)"]
