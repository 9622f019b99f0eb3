"""Turning uploaded files into the workspace's datasets and models, and making them active.

The uploader widgets (ui/upload_widgets.py) hand over Streamlit's UploadedFile objects; these
functions save them into the session folder, load them with latent_core (never unpickling), keep
what they hold in the workspace's library (which deletes the session's copy), and go through
state.select_dataset / state.select_model like the built-in choices. A file that fails to load, or
that the workspace's quota has no room for, leaves the active dataset, model and map as they were,
and the engine's sentence is queued as an error. Each choice is handled once (see SessionFiles.is_new).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import latent_core
from latent_core.datasets import EMBEDDINGS, IMAGES
from latent_core.io.fingerprint import fingerprint

from . import catalog, state, workspaces
from .catalog import Option
from .messages import explain, visible
from .state import Workspace

DATA_SLOT, MODEL_SLOT = "dataset", "model"


def choice_key(files: list, *settings) -> str | None:
    """Identity of one uploader choice: the files (by file_id) and the settings; None without a main file."""
    if not files or files[0] is None:
        return None
    return fingerprint(*[f.file_id if f is not None else None for f in files], *settings)


def loader_settings(kind: str, path: Path, companion: Path | None, size, channels, label_column) -> tuple[str, tuple]:
    """(loader, settings) for a saved file: embeddings when asked for or when the engine says the file holds only
    vectors (a text table); the companion is IDX labels or the vectors' images."""
    if kind == EMBEDDINGS or latent_core.file_holds(path) == EMBEDDINGS:
        column = int(label_column) if label_column.strip().isdigit() else label_column.strip() or None
        settings = {"label_column": column, "images": str(companion) if companion else None}
        return EMBEDDINGS, tuple((k, v) for k, v in settings.items() if v is not None)
    settings = {"size": size, "channels": channels, "labels_path": str(companion) if companion else None}
    return IMAGES, tuple((k, v) for k, v in settings.items() if v is not None)


def read_dataset(path: Path, loader: str, settings: tuple) -> tuple:
    """(ImageDataset or EmbeddingSet, LoadReport) of a saved upload, read as `loader` says with its settings."""
    if loader == EMBEDDINGS:
        return latent_core.load_embeddings_with_report(path, **dict(settings))
    return latent_core.load_dataset_with_report(path, **dict(settings))


def keep_dataset(ws: Workspace, uploaded, companion, kind: str, size, channels, label_column: str) -> Option:
    """Read an uploaded dataset from the session folder and keep it in the workspace's library; returns its option.

    The session's copies are deleted once the library holds the data (or when reading or keeping it fails)."""
    try:
        path = ws.files.save(uploaded)
        loader, settings = loader_settings(
            kind, path, ws.files.save(companion) if companion else None, size, channels, label_column
        )
        data, report = read_dataset(path, loader, settings)
        sized = f", {size[0]}x{size[1]} px" if loader == IMAGES and size else ""
        record = workspaces.library().save_dataset(ws.token, data, f"{uploaded.name}{sized}", asdict(report))
    finally:
        ws.files.discard(uploaded)
        ws.files.discard(companion)
    option = ws.uploaded_data[record.key] = catalog.dataset_option(ws.token, record)
    return option


def receive_dataset(
    ws: Workspace, uploaded, companion=None, kind: str = IMAGES, size=None, channels=None, label_column: str = ""
) -> bool:
    """Load an uploaded dataset (with an optional IDX labels file, or images for embeddings), keep it in the
    workspace's library and make it active.

    Returns True when this call did something (the page should rerun to show it), False when
    this choice was already handled in an earlier run.
    """
    key = choice_key([uploaded, companion], kind, size, channels, label_column)
    if not ws.files.is_new(DATA_SLOT, key):
        return False
    if key in ws.files.became:  # a choice made before (say, the size asked for earlier): no second copy
        state.select_dataset(ws, ws.files.became[key])
        return True
    try:  # saving refuses files over LATENT_MAX_FILE_BYTES, loading refuses bad content, the library its quota
        option = keep_dataset(ws, uploaded, companion, kind, size, channels, label_column)
    except latent_core.InvalidInputError as exc:
        state.say(ws, "error", explain(exc))
        return True
    ws.files.became[key] = option.key
    if state.select_dataset(ws, option.key):
        what = "vectors" if ws.is_embeddings else "images"
        state.say(ws, "success", f"'{visible(uploaded.name)}' ({len(ws.dataset):,} {what}) is now the active dataset.")
    return True


def upload_report(ws: Workspace) -> latent_core.LoadReport | None:
    """How the active dataset was read, when it is an upload (as the library keeps it)."""
    option = catalog.find(list(ws.uploaded_data.values()), ws.dataset_key)
    if option is None:
        return None
    try:
        report = workspaces.library().dataset(ws.token, option.key).report
    except latent_core.InvalidInputError:  # deleted meanwhile
        return None
    if not report:
        return None
    skipped = [tuple(pair) for pair in report.get("skipped", [])]
    return latent_core.LoadReport(report["source"], report["kind"], list(report.get("notes", [])), skipped)


def receive_model(ws: Workspace, uploaded) -> bool:
    """Load an uploaded checkpoint .zip, keep it in the workspace's library and list it among the models, and make
    it active if it takes the dataset's images.

    Returns True when this call did something, False when this file was already handled.
    """
    key = choice_key([uploaded])
    if not ws.files.is_new(MODEL_SLOT, key):
        return False
    try:
        try:
            model = latent_core.load_model(ws.files.save(uploaded))
            record = workspaces.library().save_model(ws.token, model, uploaded.name, source="uploaded")
        finally:
            ws.files.discard(uploaded)
    except latent_core.InvalidInputError as exc:
        state.say(ws, "error", explain(exc))
        return True
    option = ws.saved_models[record.key] = catalog.model_option(ws.token, record)
    if model.image_shape != ws.image_shape:
        kept = f"; '{ws.model_label}' stays active" if ws.model is not None else ""
        state.say(ws, "warning", f"{state.mismatch_text(ws, option, model)} It is listed among the models{kept}.")
    elif state.select_model(ws, option.key):
        state.say(ws, "success", f"'{option.label}' is now the active model.")
    return True
