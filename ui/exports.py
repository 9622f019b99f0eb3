"""Downloads of what the app shows: the map's points as CSV or Parquet, the traversal's code as .npy.

The map's table can be large (20,000 points by hundreds of code columns), so its bytes are made only
when the button is clicked: Streamlit runs the callable given as `data` on its own thread. Everything the
callable needs is taken from the page run beforehand (the cached, read-only arrays), never from the session.
"""

from __future__ import annotations

import io
import re
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from . import projections
from .state import Workspace

FORMATS = {"csv": ("CSV", "text/csv"), "parquet": ("Parquet", "application/vnd.apache.parquet")}


def points_table(
    indices: np.ndarray,
    embedding: np.ndarray,
    values: np.ndarray,
    labels: np.ndarray | None = None,
    prefix: str = "z",
) -> pd.DataFrame:
    """One row per map point: index (dataset row), label (when labelled), x, y (and z), then prefix0..prefix{d-1}.

    indices: (N,) dataset rows; embedding: (N, 2 or 3) map coordinates; values: (N, d) the codes (prefix "z")
    or the uploaded vectors (prefix "v"); labels: (N,) label names as strings, or None.
    """
    columns = {"index": np.asarray(indices, dtype=np.int64)}
    if labels is not None:
        columns["label"] = np.asarray(labels, dtype=str)
    embedding = np.asarray(embedding, dtype=np.float32)
    columns |= {axis: embedding[:, k] for k, axis in enumerate("xyz"[: embedding.shape[1]])}
    values = np.asarray(values, dtype=np.float32)
    columns |= {f"{prefix}{k}": values[:, k] for k in range(values.shape[1])}
    return pd.DataFrame(columns)


def table_bytes(table: pd.DataFrame, kind: str) -> bytes:
    """The table as a CSV (UTF-8, no row numbers) or a Parquet file (pyarrow)."""
    if kind == "csv":
        return table.to_csv(index=False).encode("utf-8")
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def label_names(dataset, indices: np.ndarray) -> np.ndarray | None:
    """(N,) the label names of the rows `indices` (the label value as text without names), or None when unlabelled."""
    if dataset.labels is None:
        return None
    values = np.asarray(dataset.labels)[indices]
    names = dataset.label_names
    return np.asarray(names, dtype=str)[values] if names else values.astype(str)


def map_table_parts(ws: Workspace, embedding: np.ndarray) -> dict:
    """points_table's arguments for the workspace's map (read-only arrays, safe to use on another thread)."""
    indices = ws.mapped()
    return {
        "indices": indices,
        "embedding": embedding,
        "values": ws.codes(),
        "labels": label_names(ws.dataset, indices),
        "prefix": "v" if ws.is_embeddings else "z",
    }


def build(parts: dict, kind: str) -> bytes:
    return table_bytes(points_table(**parts), kind)


def slug(text: str) -> str:
    """A file-name-safe version of a label: letters, digits, '.', '_' and '-'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:60] or "data"


def map_downloads(ws: Workspace) -> None:
    """CSV and Parquet buttons for the points of the map on show; a note until the map is drawn."""
    projection = projections.cached(ws.codes(), ws.method, ws.dims, ws.map_settings)
    what = "vectors" if ws.is_embeddings else "codes"
    if projection is None:
        st.caption(f"The map's points and {what} can be downloaded once the map is drawn.")
        return
    parts = map_table_parts(ws, np.asarray(projection.embedding, dtype=np.float32))
    name = f"map-{slug(ws.dataset_label)}-{ws.method}-{ws.dims}d"
    columns = ["index"] + (["label"] if parts["labels"] is not None else []) + list("xyz"[: ws.dims])
    cols = st.columns([2, 1, 1], vertical_alignment="center")
    cols[0].caption(
        f"Download the {len(parts['indices']):,} points: {', '.join(columns)} and the {what} "
        f"({parts['prefix']}0 to {parts['prefix']}{parts['values'].shape[1] - 1})."
    )
    for col, (kind, (label, mime)) in zip(cols[1:], FORMATS.items(), strict=True):
        col.download_button(
            label,
            partial(build, parts, kind),
            f"{name}.{kind}",
            mime,
            key=f"map_download_{kind}",
            on_click="ignore",
            icon=":material/download:",
            help=f"The table as a {label} file, made when you click.",
        )


def npy_bytes(code: np.ndarray) -> bytes:
    """A code as a .npy file: float32 (d,), readable with np.load(..., allow_pickle=False)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(code, dtype=np.float32).reshape(-1), allow_pickle=False)
    return buffer.getvalue()


def code_download(code: np.ndarray, key: str = "code_download") -> None:
    """A button downloading the code (d,) as code.npy."""
    st.download_button(
        "Download code (.npy)",
        npy_bytes(code),
        "code.npy",
        "application/octet-stream",
        key=key,
        on_click="ignore",
        icon=":material/download:",
        help=f"The {len(code)} numbers of the code at the slider position, float32, for np.load.",
    )
