"""The latent map component (Streamlit Components v2) and the plotly.js it draws with.

plotly.js is served by this server (Streamlit's static route, which the browser caches: ui/static_files.py; else
its component file route): the map's own 2.0 MB bundle when make built it (web/plotly-map), else the installed plotly
package's 4.8 MB one. So the map works offline and the browser loads it once instead of receiving it with every
render; `preload_plotly` starts that load on every page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import plotly
import streamlit as st
from streamlit import config
from streamlit.components.v1 import declare_component

from . import static_files

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "map"  # the component's browser code
# The component's one ES module, joined from files by concern (map.js, with the default export, last).
JS_FILES = ("common.js", "render.js", "hover.js", "mosaic.js", "density.js", "sketch.js", "map.js")
PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_FILE = "plotly.min.js"
# For st.plotly_chart with a mode bar: no "Edit in Chart Studio" button (plotly.js 3 shows it by default), because the
# app is offline and its data private. assets/map/render.js sets the same for the map.
CHART_CONFIG = {"displaylogo": False, "showSendToCloud": False, "modeBarButtonsToRemove": ["sendChartToCloud"]}

_latent_map = st.components.v2.component(
    "latent_explorer.latent_map",
    js="\n".join((ASSETS / name).read_text(encoding="utf-8") for name in JS_FILES),
    css=(ASSETS / "map.css").read_text(encoding="utf-8"),
    isolate_styles=False,  # plotly.js styles its mode bar and drag layer through document-level CSS
)


def plotly_url() -> str:
    """Where the browser fetches plotly.min.js from this server: the static route, which the browser caches (see
    ui/static_files.py), else the component file route (registers the folder on first use)."""
    static = static_files.plotly_url()
    if static:
        return static
    component = declare_component("plotly_js", path=str(PLOTLY_DIR))
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + "/".join(part for part in (base, "component", component.name, PLOTLY_FILE) if part)


def latent_map(
    payload: dict,
    *,
    key: str,
    on_event: Callable[[], None],
    on_sheet: Callable[[str], None],
    on_view: Callable[[object], None] = lambda asked: None,
):
    """Mount the map; `on_event` runs when the user clicks or selects (read st.session_state[key]["event"]),
    `on_sheet(sheet_key)` when the browser asks for a thumbnail or atlas sheet it lacks, and `on_view(asked)` when
    a map with a density layer is zoomed, panned or reset (asked: the state value "view", see assets/map/density.js).
    """
    return _latent_map(
        key=key,
        data=dict(payload, plotly_url=plotly_url()),
        height=payload["height"],
        on_event_change=on_event,
        on_sheet_change=lambda: on_sheet(asked_sheet(key)),
        on_view_change=lambda: on_view(st.session_state[key].get("view")),
    )


def density_layer(entry: dict | None, *, key: str, map_key: str) -> None:
    """The density layer (ui.map_density.layer) of the map mounted as `map_key`, as an element of its own with nothing
    to show: a zoom's new layer then reaches the browser alone. In the map's payload, each zoom re-sent the map's
    points (2.7 MB for 100,000) and held the page for a 600 ms frame; an unchanged map element is sent as a
    reference to the copy the browser keeps (Streamlit's message cache)."""
    _latent_map(key=key, data={"density_for": map_key, "density": entry})


def asked_sheet(key: str) -> str:
    """The key of the sheet the map `key` asked for last ('' if its request is malformed)."""
    asked = st.session_state[key].get("sheet")
    return str(asked.get("key", ""))[:200] if isinstance(asked, dict) else ""


def new_events(key: str, value: object) -> list[dict]:
    """The events in the map `key`'s trigger value that this session has not handled yet, oldest first.

    The map sends its latest events with every trigger ({"from": its instance, "events": [..., each with "seq"]}): of
    trigger values that reach the server together Streamlit keeps only the newest (it runs the callback once for
    each, showing the newest every time), so a quick second click lost the first. Each event is handled once: those
    numbered above the last handled from the same map instance (a new instance starts again). A single event (a dict
    with "kind") is taken as a list of one; an event without a number is always new."""
    if not isinstance(value, dict):
        return []
    events = value["events"] if isinstance(value.get("events"), list) else [value]
    events = [event for event in events if isinstance(event, dict)]

    def number(event: dict) -> int | None:
        seq = event.get("seq")
        return seq if isinstance(seq, int) and not isinstance(seq, bool) else None

    seen = st.session_state.setdefault("map_events_seen", {})
    source = value.get("from")
    last_source, last = seen.get(key, (None, 0))
    floor = last if source == last_source else 0
    fresh = [event for event in events if number(event) is None or number(event) > floor]
    fresh.sort(key=lambda event: number(event) or 0)
    numbers = [number(event) for event in fresh if number(event) is not None]
    if numbers:
        seen[key] = (source, max(numbers))
    return fresh


def preload_plotly() -> None:
    """An empty element that loads plotly.js in the background, so opening the map from another page is quick."""
    _latent_map(key="plotly_preload", data={"preload": True, "plotly_url": plotly_url()})
