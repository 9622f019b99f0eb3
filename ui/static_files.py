"""plotly.js served by Streamlit's static file route, so that the browser caches it.

Streamlit's component file route (`/component/<name>/<file>`) answers with `Cache-Control: public` and neither
max-age, ETag nor Last-Modified (Streamlit 1.67, starlette_routes.py): the browser cannot keep the file, and
every page load (each new tab, reload or session) downloaded plotly.min.js again (4.8 MB, 1.5 MB gzipped) and
compiled it afresh. The static route (`server.enableStaticServing`, .streamlit/config.toml) answers with an ETag
and a Last-Modified date, so the browser keeps the file, reuses it while it is fresh and otherwise asks again
with If-None-Match, getting a 304 with no body. Its folder is `static/` beside app.py, which Streamlit serves as
`/app/static/`; the file is copied there from the installed plotly package on first use, in a folder named by
plotly's version so that an upgrade gets a new address (static/ is not committed).

The map prefers its own smaller plotly.js when make has built it (web/plotly-map: plotly.js's core with the two trace
types the map draws, 2.0 MB against 4.8 MB; a new browser loads and starts it in about 0.4 s instead of 1.0 s). It is
built straight into static/plotly-map-<version>/; without npm the full bundle serves the map, as before.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from pathlib import Path

import plotly
from streamlit import config

REPO = Path(__file__).resolve().parents[1]

STATIC_DIR = REPO / "static"  # Streamlit's app static folder: beside app.py
PLOTLY_SOURCE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PLOTLY_NAME = f"plotly-{plotly.__version__}/plotly.min.js"  # a folder per version
MAP_BUNDLE_PACKAGE = REPO / "web" / "plotly-map" / "package.json"  # pins the plotly.js version the bundle is built of


def url_of(name: str) -> str:
    """The address of static/<name> on this server (after server.baseUrlPath)."""
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + "/".join(part for part in (base, "app", "static", name) if part)


def place(source: Path, name: str) -> Path | None:
    """static/<name>, copied from `source` (with its modification time) unless it is there; None when the folder
    cannot be written."""
    target = STATIC_DIR / name
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return target
    temporary = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        os.close(fd)
        shutil.copy2(source, temporary)
        os.replace(temporary, target)  # atomic: a browser never gets half a file
    except OSError:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        return None
    return target


@functools.cache
def map_bundle_name() -> str:
    """static/<this name> is where web/plotly-map/build.js puts the map's plotly.js: a folder per plotly.js version
    (read once: every page's run asks for the URL)."""
    version = json.loads(MAP_BUNDLE_PACKAGE.read_text(encoding="utf-8"))["dependencies"]["plotly.js"]
    return f"plotly-map-{version}/plotly.min.js"


def plotly_url() -> str | None:
    """Where the browser loads the map's plotly.js from the static route: the map's own bundle when it is built,
    else plotly.min.js of the installed plotly package; None when static serving is off or the folder cannot be
    written (then the component file route serves the full bundle, uncached)."""
    if not config.get_option("server.enableStaticServing"):
        return None
    if (STATIC_DIR / map_bundle_name()).is_file():
        return url_of(map_bundle_name())
    return url_of(PLOTLY_NAME) if place(PLOTLY_SOURCE, PLOTLY_NAME) else None
