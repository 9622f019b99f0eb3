"""Loaders shared between sessions, each cached under a content fingerprint (never under a session).

Two sessions only share an entry when they hold the same bytes, so nothing one user
loads or trains can reach another (a workspace's datasets and models are asked for by its own
token and key, and kept under their content hash). Mutable per-session things live in ui.state.
"""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path

import numpy as np
import streamlit as st

import latent_core
from latent_core.analysis import anomaly_scores as score_images
from latent_core.checkpoint.discovery import shipped_dir
from latent_core.checkpoint.format import CONFIG_FILE, WEIGHTS_FILE
from latent_core.io.fingerprint import fingerprint
from latent_core.traversal import CodeIndex

from . import jobs, workers, workspaces
from .catalog import LIBRARY, Option
from .jobs import Job
from .kept import Kept

MAX_MAP_POINTS = 100_000
# Datasets up to this many pixel values are scored in the server process: at most about 40 ms of CPU for the models
# benchmarks/click_cpu_bench.py measures (1.4 us a pixel value for digits, 3.6 for a 28x28 VAE); more in a worker.
IN_PROCESS_PIXELS = 10_000
QUICK_SCORE_S = 0.3  # scoring that finishes this fast (small datasets, cache hits) is shown at once
FINGERPRINTED_CHECKPOINTS = 32  # checkpoints whose fingerprint is remembered by their files' stamps
SETTLED_S = 2.0  # files changed less than this long ago are read again (a rewrite in the same clock tick keeps a stamp)
_checkpoint_fps = Kept(FINGERPRINTED_CHECKPOINTS)  # files' (path, size, mtime_ns, ctime_ns, inode)s -> fp
IMAGE_SHAPES_KEPT = 256  # models whose image shape is remembered by their fingerprint
_image_shapes = Kept(IMAGE_SHAPES_KEPT)  # model fingerprint -> (H, W, C)


@st.cache_resource(show_spinner=False, max_entries=6)
def builtin_dataset(name: str) -> latent_core.ImageDataset:
    return latent_core.load_dataset(name)


@st.cache_resource(show_spinner=False, max_entries=2)
def file_dataset(path: str, stamp: tuple) -> latent_core.ImageDataset:
    """A dataset from disk; `stamp` (size, mtime) makes an edited file load again."""
    return latent_core.load_dataset(path)


def file_stamp(path: Path) -> tuple | None:
    """(size, mtime) of a file, so that an edited file loads again; None when it is gone."""
    stat = path.stat() if path.exists() else None
    return (stat.st_size, stat.st_mtime_ns) if stat else None


@st.cache_resource(show_spinner=False, max_entries=4)
def stored_dataset(
    content_hash: str, name: str, _token: str, _key: str
) -> latent_core.ImageDataset | latent_core.EmbeddingSet:
    """A dataset of a workspace in the library, cached by its content hash and the name it was saved under
    (the same bytes load once, and no workspace sees the name another gave them)."""
    return workspaces.library().load_dataset(_token, _key)


@st.cache_resource(show_spinner=False, max_entries=8)
def stored_model(content_hash: str, _token: str, _key: str) -> latent_core.LatentModel:
    """A model of a workspace in the library, cached by its checkpoint's content hash."""
    return workspaces.library().load_model(_token, _key)


def dataset_for(option: Option):
    """The ImageDataset of a dataset option, or an EmbeddingSet for uploaded embeddings."""
    if option.loader == LIBRARY:
        return stored_dataset(option.source, option.label, option.token, option.key)
    if option.source in latent_core.builtin_names():
        return builtin_dataset(option.source)
    return file_dataset(option.source, file_stamp(Path(option.source)))


def checkpoint_dir(option: Option) -> Path:
    shipped = option.source in latent_core.shipped_models()
    return shipped_dir() / option.source if shipped else Path(option.source)


def checkpoint_fingerprint(directory: Path) -> str:
    """Hash of a checkpoint's config and weights (or of the whole file,
    for a .zip): the identity of a model's content.

    The Model page asks for every listed checkpoint on each run, so the hash is remembered under the files' stamps
    (path, size, mtime_ns, ctime_ns, inode): files whose stamps are unchanged are not read again."""
    if directory.is_file():
        files = [directory]
    else:
        files = [directory / CONFIG_FILE, directory / WEIGHTS_FILE]
        if not all(f.is_file() for f in files):
            raise latent_core.InvalidInputError(
                f"Checkpoint folder '{directory.name}' needs {CONFIG_FILE} and {WEIGHTS_FILE}."
            )
    stamps = tuple(stamp(f) for f in files)
    known = _checkpoint_fps(stamps)
    if known is not None:
        return known
    result = fingerprint(*(f.read_bytes() for f in files))
    changed_ns = max(max(s[2], s[3]) for s in stamps)  # the latest modification or status change
    if time.time_ns() - changed_ns > SETTLED_S * 1e9 and stamps == tuple(stamp(f) for f in files):
        _checkpoint_fps(stamps, result)  # only files that did not change while (and just before) they were read
    return result


def stamp(path: Path) -> tuple:
    """(absolute path, size, mtime_ns, ctime_ns, inode) of a file: a rewrite or a replacement changes it."""
    stat = os.stat(path)
    return (os.path.abspath(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


@st.cache_resource(show_spinner=False, max_entries=8)
def checkpoint(directory: str, fingerprint: str) -> latent_core.LatentModel:
    return latent_core.load_model(directory)


def model_fingerprint(option: Option) -> str:
    """The content fingerprint of a model option; InvalidInputError when its checkpoint is gone."""
    if option.loader == LIBRARY:
        return option.source
    directory = checkpoint_dir(option)
    if not directory.exists():
        raise latent_core.InvalidInputError(f"Model '{option.label}' is no longer on disk.")
    return checkpoint_fingerprint(directory)


def model_for(option: Option) -> tuple[latent_core.LatentModel, str]:
    """The model of a model option, and its content fingerprint."""
    model_fp = model_fingerprint(option)
    if option.loader == LIBRARY:
        return stored_model(model_fp, option.token, option.key), model_fp
    return checkpoint(str(checkpoint_dir(option)), model_fp), model_fp


def model_image_shape(option: Option) -> tuple:
    """A model's image shape (H, W, C), remembered by its content fingerprint. The Model page asks for every listed
    model's on each run: through the model caches (8 models each), a workspace with more runs than that loaded
    models from disk on every run, and the first run after a server's start loaded every shipped model."""
    model_fp = model_fingerprint(option)
    shape = _image_shapes(model_fp)
    if shape is None:
        shape = _image_shapes(model_fp, tuple(model_for(option)[0].image_shape))
    return shape


@st.cache_resource(show_spinner=False, max_entries=4)
def code_index(key: tuple, _codes: np.ndarray) -> CodeIndex:
    """Nearest-neighbour search over a map's codes, built once per (model, dataset) fingerprints `key`: an
    empty-space click's nearest image and a clicked point's neighbours cost microseconds, not a k-d tree each."""
    return CodeIndex(_codes)


def map_indices(n: int) -> np.ndarray:
    """Which images the map shows: all of them, or an even random sample of MAX_MAP_POINTS."""
    if n <= MAX_MAP_POINTS:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, MAX_MAP_POINTS, replace=False))


@st.cache_resource(show_spinner=False, max_entries=6)
def vectors(dataset_fp: str, _embeddings: latent_core.EmbeddingSet) -> np.ndarray:
    """The mapped rows of an embedding set: what the map projects when there is no model, read-only."""
    result = _embeddings.vectors[map_indices(len(_embeddings))]
    result.setflags(write=False)
    return result


@st.cache_resource(show_spinner=False, max_entries=6)
def codes(
    model_fp: str, dataset_fp: str, _model: latent_core.LatentModel, _dataset: latent_core.ImageDataset
) -> np.ndarray:
    """Posterior means of the mapped images (see map_indices), read-only."""
    result = _model.encode(_dataset.images[map_indices(len(_dataset))])
    result.setflags(write=False)
    return result


def score(model: latent_core.LatentModel, dataset: latent_core.ImageDataset, job: Job) -> np.ndarray:
    """A scoring job's work: one score per image of the dataset (higher is more unusual), (N,) float32, read-only.

    Up to IN_PROCESS_PIXELS pixel values (about 150 8x8 images) are scored in this process; more (the digits:
    115,000) in a worker process, which loads the model from a safetensors checkpoint written for it (TorchScript
    models stay here)."""
    if dataset.images.size <= IN_PROCESS_PIXELS or model.kind == "torchscript":
        result = np.asarray(score_images(model, dataset), dtype=np.float32)
        result.setflags(write=False)
        return result
    return jobs.call_with_checkpoint(workers.score_images, model, (dataset,), job, "scoring")


def anomaly_scoring(
    model_fp: str,
    dataset_fp: str,
    model: latent_core.LatentModel,
    dataset: latent_core.ImageDataset,
    wait: float | None = QUICK_SCORE_S,
) -> Job:
    """The background job scoring every image of `dataset` under `model` (seconds for 10,000 images), shared by content.

    Waits up to `wait` seconds (None: however long) so that quick ones are shown at once; once it
    has finished, `result()` is the (N,) float32 scores. The Map's colours and the Model page's
    most unusual images share it, and neither holds up its session while it runs.
    """
    job = jobs.runner.submit(
        "scores", ("scores", model_fp, dataset_fp), partial(score, model, dataset), failure="Scoring the images failed"
    )
    job.join(wait)
    return job
