"""The map component's data: point coordinates, colours, hover thumbnails and overlays, compactly encoded.

Arrays travel as base64 of little-endian float32/int32, thumbnails as one PNG sprite sheet,
so a 10,000-point map is a few hundred kB; the sprite (about 2 MB for 10,000 MNIST digits)
is sent once per session, when the browser asks for it.
"""

from __future__ import annotations

import base64

import numpy as np

import latent_core
from latent_core.atlas import Atlas
from latent_core.imaging import image_grid, png_bytes
from latent_core.io.fingerprint import fingerprint

THUMB_SIDE = 32
CATEGORY_LIMIT = 20
MAP_HEIGHT = 620
Data = latent_core.ImageDataset | latent_core.EmbeddingSet


def b64(array, dtype) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()).decode(
        "ascii"
    )


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def sprite(images: np.ndarray, key: str) -> dict:
    """All thumbnails in one PNG, row-major, at most THUMB_SIDE px a side; the browser crops cell i on hover.

    `key` names the sheet: the browser keeps sheets by key and asks for one it lacks (see sprite_entry).
    """
    n, h, w, _ = images.shape
    step = max(1, int(np.ceil(max(h, w) / THUMB_SIDE)))
    thumbs = images[:, ::step, ::step]
    cols = int(np.ceil(np.sqrt(n)))
    return {
        "key": key,
        "src": data_uri(png_bytes(image_grid(thumbs, cols=cols, pad=0))),
        "cols": cols,
        "w": thumbs.shape[2],
        "h": thumbs.shape[1],
    }


def atlas_sheet(atlas: Atlas, key: str) -> dict:
    """The hover preview's atlas as the component takes it: its sprite (cell (r, q) at r*h, q*w; row 0 the top of
    the map), the map positions of the corner cells' centres (x0, x1, y0, y1) and each cell's confidence, float32
    (cells * cells,) row-major. Sent like the thumbnails: its pixels only when the browser asks (sprite_entry)."""
    h, w, channels = atlas.cell_shape
    x0, x1, y0, y1 = atlas.bounds
    return {
        "key": key,
        "src": data_uri(atlas.sprite_png()),
        "cells": atlas.cells,
        "w": w,
        "h": h,
        "channels": channels,
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        "confidence": b64(atlas.confidence.ravel(), np.float32),
    }


def decoded_atlas(model, projection, bounds: tuple, cells: int, key: str, job) -> dict:
    """A job's work (in a worker process or a thread): decode the atlas of `projection`'s map over `bounds` and
    pack it (atlas_sheet). `model` is a LatentModel or a checkpoint folder, loaded here."""
    if isinstance(model, str):
        model = latent_core.load_model(model)
    job.report(0.1, f"Decoding {cells * cells:,} map positions")
    return atlas_sheet(latent_core.decode_atlas(model, projection, bounds, cells), key)


def sprite_entry(sheet: dict, wanted: set[str]) -> dict:
    """The sheet as the component gets it:
    with its pixels only if the browser asked for this key (which is then answered)."""
    if sheet["key"] in wanted:
        wanted.discard(sheet["key"])
        return sheet
    return {k: v for k, v in sheet.items() if k != "src"}


def colour_modes(dataset: Data, anomaly: bool = True) -> dict[str, str]:
    """Ways to colour the map for this dataset or embedding set: key -> label (anomaly scores need a model)."""
    modes = {"label": "Label"} if dataset.labels is not None else {}
    modes |= {f"factor:{name}": f"Factor: {name}" for name in getattr(dataset, "factors", {})}
    return modes | ({"anomaly": "Anomaly score"} if anomaly else {}) | {"none": "Single colour"}


def categorical(values: np.ndarray, names: list[str] | None) -> dict:
    values = np.asarray(values).astype(np.int64)
    levels = np.unique(values)
    codes = np.searchsorted(levels, values)
    labels = [names[v] if names and 0 <= v < len(names) else str(v) for v in levels.tolist()]
    return {"kind": "categorical", "codes": b64(codes, np.int32), "names": labels}


def continuous(values: np.ndarray, title: str) -> dict:
    return {"kind": "continuous", "values": b64(values, np.float32), "title": title}


def is_categorical(values: np.ndarray) -> bool:
    values = np.asarray(values)
    return bool(np.issubdtype(values.dtype, np.integer) and len(np.unique(values)) <= CATEGORY_LIMIT)


def colouring(dataset: Data, indices: np.ndarray, mode: str, scores: np.ndarray | None = None) -> dict:
    """The colour entry for `mode` (see colour_modes) over the mapped images `indices`."""
    if mode == "label" and dataset.labels is not None:
        return categorical(dataset.labels[indices], dataset.label_names)
    if mode.startswith("factor:") and mode[7:] in getattr(dataset, "factors", {}):
        values = np.asarray(dataset.factors[mode[7:]])[indices]
        names = dataset.label_names if mode[7:] == "shape" else None
        return categorical(values, names) if is_categorical(values) else continuous(values, mode[7:])
    if mode == "anomaly" and scores is not None:
        return continuous(np.asarray(scores)[indices], "anomaly")
    return {"kind": "none"}


def label_entry(dataset: Data, indices: np.ndarray) -> dict | None:
    """Per-point label codes and names for hover text, or None for unlabelled data."""
    if dataset.labels is None:
        return None
    entry = categorical(dataset.labels[indices], dataset.label_names)
    return {"codes": entry["codes"], "names": entry["names"]}


def points(embedding: np.ndarray, rows) -> dict:
    """Overlay coordinates of some rows of an embedding, as plain lists (z empty in 2D)."""
    chosen = np.asarray(embedding, dtype=np.float64)[np.asarray(rows, dtype=np.int64)]
    return {axis: chosen[:, k].round(5).tolist() if k < chosen.shape[1] else [] for k, axis in enumerate("xyz")}


def payload(
    embedding: np.ndarray,
    ids: np.ndarray,
    colour: dict,
    labels: dict | None,
    thumbs: dict,
    axes: list[str],
    view: str,
    overlay: dict | None = None,
    grid: dict | None = None,
    height: int = MAP_HEIGHT,
    atlas: dict | None = None,
) -> dict:
    """Everything the component draws; `view` names the projection so zoom survives overlay updates only.
    `atlas`: the hover preview's atlas_sheet (through sprite_entry), or None (no model, 3D, or not made yet).
    The density layer of a large map is not in it: it comes as an element of its own (map_component.density_layer)."""
    embedding = np.asarray(embedding, dtype=np.float32)
    dims = embedding.shape[1]
    data = {
        "n": int(len(embedding)),
        "dims": int(dims),
        "axes": axes[:dims],
        "view": view,
        "height": height,
        "x": b64(embedding[:, 0], np.float32),
        "y": b64(embedding[:, 1], np.float32),
        "ids": b64(ids, np.int32),
        "colour": colour,
        "labels": labels,
        "sprite": thumbs,
        "overlay": overlay or {},
        "grid": grid,
        "atlas": atlas,
    }
    if dims == 3:
        data["z"] = b64(embedding[:, 2], np.float32)
    # The revision decides whether the browser redraws the scene; the thumbnails and the preview's atlas (which arrive
    # later, when the browser asks) must not.
    data["revision"] = fingerprint(
        sorted((k, str(v)) for k, v in data.items() if k not in ("sprite", "atlas")),
        thumbs and thumbs["key"],
    )
    return data
