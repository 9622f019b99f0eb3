"""Turning uploaded files into session-only dataset and model options, and making them active.

The uploader widgets (ui/upload_widgets.py) hand over Streamlit's UploadedFile objects; these
functions save them into the Workspace's session folder, load them with latent_core (never
unpickling), and go through state.select_dataset / state.select_model like the built-in
choices. A file that fails to load leaves the active dataset, model and map as they were, and
the engine's sentence is queued as an error. Each choice is handled once (see SessionFiles.is_new).
"""

from __future__ import annotations

from pathlib import Path

import latent_core
from latent_core.datasets import EMBEDDINGS, IMAGES
from latent_core.io.fingerprint import fingerprint

from . import catalog, resources, state
from .catalog import Option
from .messages import explain
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


def receive_dataset(
    ws: Workspace, uploaded, companion=None, kind: str = IMAGES, size=None, channels=None, label_column: str = ""
) -> bool:
    """Load an uploaded dataset (with an optional IDX labels file, or images for embeddings) and make it active.

    Returns True when this call did something (the page should rerun to show it), False when
    this choice was already handled in an earlier run.
    """
    key = choice_key([uploaded, companion], kind, size, channels, label_column)
    if not ws.files.is_new(DATA_SLOT, key):
        return False
    if key in ws.files.became:  # a choice made before (say, the size asked for earlier): no second copy
        state.select_dataset(ws, ws.files.became[key])
        return True
    try:  # saving refuses files over LATENT_MAX_FILE_BYTES, loading refuses bad content
        path = ws.files.save(uploaded)
        loader, settings = loader_settings(
            kind, path, ws.files.save(companion) if companion else None, size, channels, label_column
        )
        sized = f", {size[0]}x{size[1]} px" if loader == IMAGES and size else ""
        option = Option(
            catalog.next_key(ws.uploaded_data, "upload"),
            f"{uploaded.name} (uploaded{sized})",
            str(path),
            loader,
            settings,
        )
        data, report = resources.load_upload(option)
    except latent_core.InvalidInputError as exc:
        state.say(ws, "error", explain(exc))
        return True
    ws.uploaded_data[option.key] = option
    ws.files.became[key] = option.key
    ws.files.reports[option.key] = report
    if state.select_dataset(ws, option.key):
        what = f"{len(data):,} vectors" if loader == EMBEDDINGS else f"{len(data):,} images"
        state.say(ws, "success", f"'{uploaded.name}' ({what}) is now the active dataset.")
    return True


def upload_report(ws: Workspace) -> latent_core.LoadReport | None:
    """How the active dataset was read, when it is an upload."""
    return ws.files.reports.get(ws.dataset_key)


def receive_model(ws: Workspace, uploaded) -> bool:
    """Load an uploaded checkpoint .zip, list it among the models, and make it active if it takes the dataset's images.

    Returns True when this call did something, False when this file was already handled.
    """
    key = choice_key([uploaded])
    if not ws.files.is_new(MODEL_SLOT, key):
        return False
    try:
        option = Option(
            catalog.next_key(ws.saved_models, "checkpoint"), f"{uploaded.name} (uploaded)", str(ws.files.save(uploaded))
        )
        model, _ = resources.model_for(option)
    except latent_core.InvalidInputError as exc:
        state.say(ws, "error", explain(exc))
        return True
    ws.saved_models[option.key] = option
    if model.image_shape != ws.image_shape:
        kept = f"; '{ws.model_label}' stays active" if ws.model is not None else ""
        state.say(ws, "warning", f"{state.mismatch_text(ws, option, model)} It is listed among the models{kept}.")
    elif state.select_model(ws, option.key):
        state.say(ws, "success", f"'{option.label}' is now the active model.")
    return True
