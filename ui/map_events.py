"""What a click or selection on the map does to the Workspace: decode a point,
decode empty space, pick waypoints (and send the thumbnail sheet when the browser asks).

Without a model (uploaded embeddings) a click shows the point and its nearest neighbours, and
what needs a decoder (empty space, waypoints) is answered with why it is unavailable.

`handle` takes the component's event dict and returns which fragments must redraw; it never
draws anything itself, so it is tested directly. `rerun` reruns them, with any that an earlier event asked for
and that have not been drawn since (`drawn` marks them).
"""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import latent_core
from latent_core.traversal import waypoints_along

from . import state
from .messages import explain
from .state import BaseCode, Decoded, Workspace

MAX_WAYPOINTS = 8
NEIGHBOURS = 5
CONFIDENCE_THRESHOLD = 0.5
PANEL, VIEW = "map_panel", "map_view"
OWED_KEY = "map_fragments_owed"  # session state: fragments an event asked to rerun that have not finished drawing


def rerun(fragments: list[str]) -> None:
    """From a callback: rerun these fragments of the Map page, and those an earlier event asked for that have not
    finished drawing since. Events that reach the server together are handled in one run, and a callback's
    st.rerun(keys) sets that run's fragments, so the last callback's keys alone would drop the earlier ones': the
    thumbnail request a new map sends (the view only), arriving just after a first click (the panel), left that
    click unanswered about one time in four on a loaded machine."""
    owed = st.session_state.setdefault(OWED_KEY, set())
    owed.update(fragments)
    ctx = get_script_run_ctx(suppress_warning=True)
    # An event that came with a whole-page rerun (a job's end reruns the page) leaves it whole: it draws them all.
    if owed and ctx is not None and ctx.fragment_ids_this_run:
        st.rerun(sorted(owed))


def drawn(fragment: str) -> None:
    """At the end of a fragment's body: what was owed to it is drawn (not reached when a rerun interrupts it)."""
    st.session_state.get(OWED_KEY, set()).discard(fragment)


def decode_point(ws: Workspace, index: int) -> Decoded:
    """A mapped image beside its reconstruction; `index` is the point's position on the map."""
    codes = ws.codes()
    image_index = int(ws.mapped()[index])
    code = np.array(codes[index])
    label = ws.dataset.label_text(image_index)
    return Decoded(
        title=f"Image #{image_index}" + (f" · label {label}" if label else ""),
        images=[(ws.dataset.images[image_index], "original"), (ws.model.decode(code)[0], "decoded from its code")],
        code=code,
        point=index,
    )


def describe_vector(ws: Workspace, index: int) -> Decoded:
    """A mapped vector without a model: its label, its image if given,
    and its nearest neighbours in the vector space."""
    codes, mapped = ws.codes(), ws.mapped()
    rows, distances = ws.code_index().nearest(codes[index], k=min(NEIGHBOURS + 1, len(codes)))
    near = [(int(mapped[r]), float(d)) for r, d in zip(rows, distances, strict=True) if r != index][:NEIGHBOURS]
    item = int(mapped[index])
    label = ws.dataset.label_text(item)
    pictures = []
    if ws.dataset.images is not None:
        pictures = [(ws.dataset.images[item], "this point")] + [
            (ws.dataset.images[i], f"#{i} {ws.dataset.label_text(i)}".strip()) for i, _ in near
        ]
    listed = ", ".join(
        f"#{i}" + (f" ({ws.dataset.label_text(i)})" if ws.dataset.labels is not None else "") + f" at {d:.3g}"
        for i, d in near
    )
    return Decoded(
        title=f"Vector #{item}" + (f" · label {label}" if label else ""),
        images=pictures,
        code=np.array(codes[index]),
        note=f"Nearest neighbours (Euclidean distance in the {codes.shape[1]}-D vectors): {listed}.",
        point=index,
    )


def decode_space(ws: Workspace, projection, x: float, y: float) -> Decoded:
    """The image at an empty spot of a 2D map: inverse-map it to a code, decode, and say how sure that is."""
    code, confidence = projection.inverse(np.array([[x, y]], dtype=np.float32), return_confidence=True)
    code = np.asarray(code, dtype=np.float32).reshape(1, -1)
    confidence = float(np.ravel(confidence)[0])
    near = int(ws.mapped()[ws.code_index().nearest(code[0], k=1)[0][0]])
    extrapolated = confidence < CONFIDENCE_THRESHOLD
    return Decoded(
        title=f"Empty space at ({x:.2f}, {y:.2f})",
        images=[(ws.model.decode(code)[0], "decoded"), (ws.dataset.images[near], f"nearest image #{near}")],
        code=code[0],
        confidence=confidence,
        position=(x, y),
        extrapolated=extrapolated,
        note=(
            "Far from the data: this image is extrapolated, so treat it as a guess."
            if extrapolated
            else "Close to the data: the inverse mapping is well supported here."
        ),
    )


def forget_positions(ws: Workspace) -> None:
    """After the projection method or dims change: drop an empty-space decode, and the traversal base it gave,
    whose map position belongs to the old map."""
    if ws.decoded is None or ws.decoded.position is None:
        return
    if ws.base is not None and np.array_equal(ws.base.code, ws.decoded.code):
        ws.base = None
    ws.decoded = None


def toggle_waypoint(ws: Workspace, index: int) -> None:
    if index in ws.selection:
        ws.selection.remove(index)
    elif len(ws.selection) >= MAX_WAYPOINTS:
        state.say(
            ws,
            "warning",
            f"An interpolation path takes at most {MAX_WAYPOINTS} points; clear the selection to start a new one.",
        )
    else:
        ws.selection.append(index)


def select(ws: Workspace, indices: list[int]) -> None:
    """A lasso or box selection becomes the path's waypoints, ordered from one end of the selection to the other
    along its codes' first principal direction; of a larger selection, MAX_WAYPOINTS spread evenly along it."""
    indices = list(dict.fromkeys(indices))
    if len(indices) < 2:
        ws.selection = indices
        return
    order = waypoints_along(ws.codes()[indices], MAX_WAYPOINTS)
    ws.selection = [int(indices[k]) for k in order]
    if len(indices) > MAX_WAYPOINTS:
        state.say(
            ws,
            "info",
            f"{len(indices):,} points selected; the path runs through {MAX_WAYPOINTS} of them, spread evenly along the "
            "selection's main direction in the latent space.",
        )


def sheet_asked(ws: Workspace, key: str) -> list[str]:
    """The browser lacks this thumbnail or atlas sheet: the map's next run sends it."""
    ws.sprites_wanted.add(key)
    return [VIEW]


def handle(ws: Workspace, event: dict | None, projection) -> list[str]:
    """Apply one map event; returns the fragments to rerun (the map itself only when its overlays change)."""
    if not isinstance(event, dict) or (ws.model is None and not ws.is_embeddings):
        return [PANEL]
    n = len(ws.mapped())
    kind = event.get("kind")
    if ws.model is None:
        return without_model(ws, event, n)
    try:
        if kind == "point" and 0 <= int(event.get("index", -1)) < n:
            index = int(event["index"])
            ws.decoded = decode_point(ws, index)
            ws.base = BaseCode(ws.decoded.code, f"map point, image #{int(ws.mapped()[index])}")
            if event.get("add"):
                toggle_waypoint(ws, index)
                return [VIEW, PANEL]
        elif (
            kind == "space"
            and projection is not None
            and np.isfinite([event.get("x", np.nan), event.get("y", np.nan)]).all()
        ):
            ws.decoded = decode_space(ws, projection, float(event["x"]), float(event["y"]))
            ws.base = BaseCode(ws.decoded.code, f"map position ({float(event['x']):.2f}, {float(event['y']):.2f})")
        elif kind == "select":
            select(ws, [int(i) for i in event.get("indices", []) if 0 <= int(i) < n])
            return [VIEW, PANEL]
        if (ws.show_round_trip or ws.show_neighbours) and kind in ("point", "space"):
            return [VIEW, PANEL]  # the map draws the new round trip's arrow, or the new neighbours' rings
    except latent_core.InvalidInputError as exc:
        state.say(ws, "error", explain(exc))
    return [PANEL]


def without_model(ws: Workspace, event: dict, n: int) -> list[str]:
    """Embeddings: a point click (shift or not) describes the point;
    empty space and selections say they need a model."""
    kind = event.get("kind")
    if kind == "point" and 0 <= int(event.get("index", -1)) < n:
        ws.decoded = describe_vector(ws, int(event["index"]))
    elif kind == "space":
        state.say(ws, "info", state.needs_model(ws, "Decoding empty space"))
    elif kind == "select":
        state.say(ws, "info", state.needs_model(ws, "Interpolating between the selected points"))
    return [PANEL]
