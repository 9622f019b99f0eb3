"""What a click or selection on the map does to the Workspace: decode a point, decode empty space, pick waypoints.

`handle` takes the component's event dict and returns which fragments must redraw; it never
draws anything itself, so it is tested directly.
"""
from __future__ import annotations

import numpy as np

import latent_core
from latent_core.traversal import nearest

from . import state
from .state import BaseCode, Decoded, Workspace

MAX_WAYPOINTS = 8
CONFIDENCE_THRESHOLD = 0.5
PANEL, VIEW = "map_panel", "map_view"


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
    )


def nearest_index(codes: np.ndarray, code: np.ndarray) -> int:
    """Row of `codes` closest to `code`."""
    return int(nearest(codes, code, k=1)[0][0])


def decode_space(ws: Workspace, projection, x: float, y: float) -> Decoded:
    """The image at an empty spot of a 2D map: inverse-map it to a code, decode, and say how sure that is."""
    code, confidence = projection.inverse(np.array([[x, y]], dtype=np.float32), return_confidence=True)
    code = np.asarray(code, dtype=np.float32).reshape(1, -1)
    confidence = float(np.ravel(confidence)[0])
    near = int(ws.mapped()[nearest_index(ws.codes(), code[0])])
    extrapolated = confidence < CONFIDENCE_THRESHOLD
    return Decoded(
        title=f"Empty space at ({x:.2f}, {y:.2f})",
        images=[(ws.model.decode(code)[0], "decoded"), (ws.dataset.images[near], f"nearest image #{near}")],
        code=code[0],
        confidence=confidence,
        extrapolated=extrapolated,
        note=("Far from the data: this image is extrapolated, so treat it as a guess." if extrapolated
              else "Close to the data: the inverse mapping is well supported here."),
    )


def toggle_waypoint(ws: Workspace, index: int) -> None:
    if index in ws.selection:
        ws.selection.remove(index)
    elif len(ws.selection) >= MAX_WAYPOINTS:
        state.say(ws, "warning", f"An interpolation path takes at most {MAX_WAYPOINTS} points; clear the selection to start a new one.")
    else:
        ws.selection.append(index)


def select(ws: Workspace, indices: list[int]) -> None:
    ws.selection = [int(i) for i in indices[:MAX_WAYPOINTS]]
    if len(indices) > MAX_WAYPOINTS:
        state.say(ws, "info", f"{len(indices):,} points selected; the first {MAX_WAYPOINTS} are the waypoints of the path.")


def handle(ws: Workspace, event: dict | None, projection) -> list[str]:
    """Apply one map event; returns the fragments to rerun (the map itself only when its overlays change)."""
    if not isinstance(event, dict) or ws.model is None:
        return [PANEL]
    n = len(ws.mapped())
    kind = event.get("kind")
    try:
        if kind == "point" and 0 <= int(event.get("index", -1)) < n:
            index = int(event["index"])
            ws.decoded = decode_point(ws, index)
            ws.base = BaseCode(ws.decoded.code, f"map point, image #{int(ws.mapped()[index])}")
            if event.get("add"):
                toggle_waypoint(ws, index)
                return [VIEW, PANEL]
        elif kind == "space" and projection is not None and np.isfinite([event.get("x", np.nan), event.get("y", np.nan)]).all():
            ws.decoded = decode_space(ws, projection, float(event["x"]), float(event["y"]))
            ws.base = BaseCode(ws.decoded.code, f"map position ({float(event['x']):.2f}, {float(event['y']):.2f})")
        elif kind == "select":
            select(ws, [int(i) for i in event.get("indices", []) if 0 <= int(i) < n])
            return [VIEW, PANEL]
    except latent_core.InvalidInputError as exc:
        state.say(ws, "error", str(exc))
    return [PANEL]
