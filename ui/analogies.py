"""The Traverse page's analogies: a − b + c over three dataset images or three class means, decoded.

"a is to b as the result is to c": the offset from b to a is added to c (White 2016, "Sampling Generative
Networks"; Liu et al. 2019, "Latent Space Cartography"). The engine's arithmetic is latent_core.analogy.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from latent_core.analogy import analogy

from . import images
from .messages import MESSAGE_LIMIT, plain
from .state import Workspace

MARK_LABELS = ("a", "b", "c", "a − b + c")  # the analogy's marks on the Map page's map
SOURCES = {"images": "Dataset images", "classes": "Class means"}
ROLES = ("a", "b", "c")


def class_means(ws: Workspace) -> dict[int, np.ndarray]:
    """label -> the mean code (d,) of the mapped images of that class (the Map's codes, already encoded)."""
    codes, labels = ws.codes(), ws.dataset.labels[ws.mapped()]
    return {int(v): codes[labels == v].mean(axis=0) for v in np.unique(labels)}


def pick_images(ws: Workspace) -> tuple[list[np.ndarray], list[str]]:
    """Three dataset images chosen by number: their uint8 images and captions."""
    last = len(ws.dataset) - 1
    cols = st.columns(3)
    chosen = [
        int(
            cols[k].number_input(
                f"Image {role}", 0, last, min(k, last), key=f"analogy_index_{role}", help=f"0 to {last:,}."
            )
        )
        for k, role in enumerate(ROLES)
    ]
    captions = [f"{role}: image {i} ({ws.dataset.label_text(i)})" for role, i in zip(ROLES, chosen, strict=True)]
    return [ws.dataset.images[i] for i in chosen], captions


def pick_classes(ws: Workspace) -> tuple[list[np.ndarray], list[str]]:
    """Three class means chosen by name: their codes (d,) and captions."""
    means = class_means(ws)
    names = {v: ws.dataset.label_text(int(np.flatnonzero(ws.dataset.labels == v)[0])) for v in means}
    cols = st.columns(3)
    values = list(names)
    chosen = [
        cols[k].selectbox(
            f"Class {role}", values, index=min(k, len(values) - 1), format_func=names.get, key=f"analogy_class_{role}"
        )
        for k, role in enumerate(ROLES)
    ]
    return [means[v] for v in chosen], [f"{role}: mean of {names[v]}" for role, v in zip(ROLES, chosen, strict=True)]


def section(ws: Workspace) -> None:
    """Pick a, b and c (dataset images or class means) and show them decoded beside a − b + c decoded."""
    st.subheader("Analogies: a − b + c")
    st.caption(
        "a is to b as the result is to c: the difference between a and b is added to c, and the sum decoded. "
        "With class means, a − b is the direction from one class to another."
    )
    if not ws.model.can_encode:
        st.info(
            f"Model '{plain(ws.model_label, MESSAGE_LIMIT)}' has no encoder, so dataset images have no codes to add "
            "and subtract."
        )
        return
    sources = {k: v for k, v in SOURCES.items() if k == "images" or ws.dataset.labels is not None}
    source = st.segmented_control(
        "Analogy of", list(sources), format_func=sources.get, key="analogy_source", default="images", required=True
    )
    picked, captions = pick_classes(ws) if source == "classes" else pick_images(ws)
    result = analogy(ws.model, *picked)
    images.show_row(result.images, [*(f"{c} (decoded)" for c in captions), "a − b + c"])
    ws.analogy_codes = np.vstack([result.inputs, result.code[None]]).astype(np.float32)
    st.caption("a, b, c and a − b + c are marked on the Map page's 2D map.")


def marks(ws: Workspace, projection) -> np.ndarray | None:
    """Map positions (4, 2) of the Traverse page's last analogy (a, b, c, a - b + c), placed once per analogy and
    map; None without one, in 3D, or when its codes are not the model's."""
    codes = ws.analogy_codes
    if codes is None or ws.dims != 2 or codes.shape[1] != projection.codes.shape[1]:
        return None
    kept = ws.__dict__.get("_analogy_marks")
    if kept is not None and kept[0] is codes and kept[1] is projection:
        return kept[2]
    marks = np.asarray(projection.transform(codes), dtype=np.float32)
    ws.__dict__["_analogy_marks"] = (codes, projection, marks)
    return marks
