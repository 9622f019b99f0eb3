"""plotly.js served by Streamlit's static file route, so that the browser caches it.

Streamlit's component file route (`/component/<name>/<file>`) answers with `Cache-Control: public` and neither
max-age, ETag nor Last-Modified (Streamlit 1.67, starlette_routes.py): the browser cannot keep the file, and
every page load (each new tab, reload or session) downloaded plotly.min.js again (4.8 MB, 1.5 MB gzipped) and
compiled it afresh. The static route (`server.enableStaticServing`, .streamlit/config.toml) answers with an ETag
and a Last-Modified date, so the browser keeps the file, reuses it while it is fresh and otherwise asks again
with If-None-Match, getting a 304 with no body. Its folder is `static/` beside app.py, which Streamlit serves as
`/app/static/`; the file is copied there from the installed plotly package on first use, in a folder named by
plotly's version so that an upgrade gets a new address (static/ is not committed).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import plotly
from streamlit import config

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"  # Streamlit's app static folder: beside app.py
PLOTLY_SOURCE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PLOTLY_NAME = f"plotly-{plotly.__version__}/plotly.min.js"  # a folder per version


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


def plotly_url() -> str | None:
    """Where the browser loads plotly.min.js from the static route, or None when static serving is off or the
    folder cannot be written (then the component file route serves it, uncached)."""
    if not config.get_option("server.enableStaticServing"):
        return None
    return url_of(PLOTLY_NAME) if place(PLOTLY_SOURCE, PLOTLY_NAME) else None
