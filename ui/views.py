"""A workspace's view, kept in the library so that a reload or a restart shows the same thing.

The view is a JSON object: the active dataset and model (keys), the map's method, dimensions,
colour and grid, the picked waypoints, the interpolation path's mode and steps, the traversal's
base code (and where it came from) and the Traverse page's widgets (their `trav_` keys in
st.session_state: start, directions, image number, sliders). `capture` builds it from a Workspace,
`save` writes it when it differs from the last one written (through `writer`, a thread of its own, so a click's
script run does not wait for the database), `parse` reads a saved one back,
leaving out whatever does not have the expected form, and `apply` sets it on a Workspace whose
dataset and model are the view's (ui.state.restore does that part).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from latent_core.projection import DIMS, METHODS

from . import workspaces
from .interpolation import MODES

if TYPE_CHECKING:
    from .state import Workspace

log = logging.getLogger(__name__)

TRAVERSE_PREFIX = "trav_"  # the Traverse page's widget keys (ui/traversal.py)
SCALARS = (str, int, float, bool)  # what a Traverse widget holds
STEPS = (3, 16)  # the range of the Map page's 'Steps per segment' slider (ui/map_view.py)


@dataclass(frozen=True)
class View:
    """A saved view, checked: every field has its type (and range, where the page has one) or its default."""

    dataset: str | None = None
    model: str | None = None
    method: str = "pca"
    dims: int = 2
    colour: str = "label"
    grid: bool = False
    selection: tuple[int, ...] = ()
    path_mode: str = "linear"
    path_steps: int = 8
    base: tuple[np.ndarray, str] | None = None  # (code (d,) float32, where it came from)
    traverse: dict = field(default_factory=dict)  # trav_* widget values


def capture(ws: Workspace) -> dict:
    """The view of a Workspace (and of this session's Traverse widgets) as a JSON object."""
    view = {
        "dataset": ws.dataset_key,
        "model": ws.model_key,
        "method": ws.method,
        "dims": ws.dims,
        "colour": ws.colour,
        "grid": ws.show_grid,
        "selection": [int(i) for i in ws.selection],
        "path": {"mode": ws.path_mode, "steps": int(ws.path_steps)},
        "traverse": {
            key: value
            for key, value in st.session_state.to_dict().items()
            if key.startswith(TRAVERSE_PREFIX) and type(value) in SCALARS
        },
    }
    if ws.base is not None:
        view["base"] = {"code": [float(x) for x in np.ravel(ws.base.code)], "source": ws.base.source}
    return view


class ViewWriter:
    """Keeps views in the library from a thread of its own, the latest one per workspace.

    The map saves the view on every click, and each save is a write transaction: the sessions' saves wait for each
    other's write lock. Under benchmarks/load_bench.py's 4+2 a save took 1.1 ms median, 7.3 ms p95 and up to 23 ms of
    wall time inside the click's script run. `flush(token)` waits until a workspace's view is written: reopening a
    workspace reads what its last click kept. A failed write is logged; the view is written again on the next change.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._pending: dict[str, tuple[Any, dict]] = {}  # token -> (library, view), oldest first
        self._writing: set[str] = set()
        self._thread: threading.Thread | None = None

    def put(self, library, token: str, view: dict) -> None:
        """Write `view` as workspace `token`'s view soon; a newer view for the token replaces one not written yet."""
        with self._cond:
            self._pending.pop(token, None)
            self._pending[token] = (library, view)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="latent-explorer-views", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, token: str | None = None, timeout: float = 5.0) -> bool:
        """Wait until workspace `token`'s view (every view, for None) is written; False after `timeout` seconds."""
        deadline = time.monotonic() + timeout

        def busy() -> bool:
            if token is None:
                return bool(self._pending or self._writing)
            return token in self._pending or token in self._writing

        with self._cond:
            while busy():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                token = next(iter(self._pending))
                library, view = self._pending.pop(token)
                self._writing.add(token)
            try:
                library.save_view(token, view)
            except Exception:  # the page goes on; the next change of the view writes it again
                log.exception("Keeping a workspace's view failed")
            finally:
                with self._cond:
                    self._writing.discard(token)
                    self._cond.notify_all()


writer = ViewWriter()


def save(ws: Workspace) -> None:
    """Keep the workspace's view in the library, when it changed since it was last kept (a cheap comparison)."""
    if not ws.keeps_view:
        return
    view = capture(ws)
    if view != ws.saved_view:
        writer.put(workspaces.library(), ws.token, view)
        ws.saved_view = view


def text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def whole(value, low: int, high: int, default: int) -> int:
    """`value` when it is a whole number in [low, high], else `default`."""
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return value if ok else default


def parse(saved) -> View:
    """The View of a saved JSON object; what is missing or malformed takes its default."""
    saved = saved if isinstance(saved, dict) else {}
    path = saved.get("path") if isinstance(saved.get("path"), dict) else {}
    selection = saved.get("selection") if isinstance(saved.get("selection"), list) else []
    return View(
        dataset=text(saved.get("dataset")),
        model=text(saved.get("model")),
        method=saved["method"] if saved.get("method") in METHODS else View.method,
        dims=saved["dims"] if saved.get("dims") in DIMS else View.dims,
        colour=text(saved.get("colour")) or View.colour,
        grid=saved.get("grid") is True,
        selection=tuple(i for i in selection if whole(i, 0, 2**31, -1) >= 0),
        path_mode=saved["path"]["mode"] if path.get("mode") in MODES else View.path_mode,
        path_steps=whole(path.get("steps"), *STEPS, View.path_steps),
        base=parse_base(saved.get("base")),
        traverse=parse_traverse(saved.get("traverse")),
    )


def parse_base(saved) -> tuple[np.ndarray, str] | None:
    if not isinstance(saved, dict) or not isinstance(saved.get("code"), list) or not text(saved.get("source")):
        return None
    try:
        code = np.asarray(saved["code"], dtype=np.float32)
    except (TypeError, ValueError):
        return None
    return (code, saved["source"]) if code.ndim == 1 and code.size and np.isfinite(code).all() else None


def parse_traverse(saved) -> dict:
    if not isinstance(saved, dict):
        return {}
    return {
        key: value
        for key, value in saved.items()
        if isinstance(key, str) and key.startswith(TRAVERSE_PREFIX) and type(value) in SCALARS
    }


def apply(ws: Workspace, view: View, base) -> None:
    """Set a parsed view's map, picks, path and traversal on a Workspace showing the view's dataset and model.

    `base`: the state's BaseCode made from view.base (or None). Picks outside the map and a base code of
    another size than the model's latent space are left out; the Traverse widgets are set in st.session_state.
    """
    ws.method, ws.dims, ws.colour, ws.show_grid = view.method, view.dims, view.colour, view.grid
    ws.path_mode, ws.path_steps = view.path_mode, view.path_steps
    mapped = len(ws.mapped())
    ws.selection = [i for i in view.selection if i < mapped]
    fits = ws.model is not None and base is not None and base.code.shape == (ws.model.latent_dim,)
    ws.base = base if fits else None
    for key, value in view.traverse.items():
        st.session_state[key] = value
    ws.saved_view = capture(ws)


def record_map(ws: Workspace, projection, view_key: str) -> None:
    """Note a drawn map in the workspace's library once per session (Library.record_map), not on every rerun."""
    if view_key in ws.maps_recorded or not ws.keeps_view:
        return
    ws.maps_recorded.add(view_key)
    workspaces.library().record_map(
        ws.token, ws.dataset_key, ws.model_key or "", projection.config, projection.fingerprint
    )
