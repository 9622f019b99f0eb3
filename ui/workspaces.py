"""Workspaces kept in the library: this server's Library, and the token that names a session's workspace.

A workspace is named by an unguessable token (32 hex characters, 128 random bits) in the URL's
`?w=` parameter: whoever has the link sees the workspace. The Library (latent_core.Library) holds
each workspace's uploaded datasets, trained and uploaded models and saved view, in the database
and folder chosen by the settings (LATENT_EXPLORER_HOME, LATENT_EXPLORER_DB).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from latent_core import Library
from latent_core.settings import settings

if TYPE_CHECKING:
    from .state import Workspace

PARAM = "w"  # the URL's query parameter that holds the token
NOT_FOUND = "That link's workspace was not found; this is a new workspace."
SHARED = "Anyone with this link sees this workspace."


@st.cache_resource(show_spinner=False)
def open_library(home: str, db_url: str | None) -> Library:
    """The Library at `home` (and `db_url`, if set), once per server process; idle workspaces are removed on opening."""
    library = Library(url=db_url, home=Path(home))
    library.gc()
    return library


def library() -> Library:
    """This server's Library, as the settings choose it (settings().home and settings().db_url)."""
    chosen = settings()
    return open_library(str(chosen.home), chosen.db_url)


def token_of(ws: Workspace) -> str:
    """The token of a session's workspace: the key of everything the library holds for it."""
    return ws.token


def link(token: str) -> str:
    """The URL that opens the workspace `token` names: this page's address (as the browser shows it) with ?w=."""
    base = st.context.url or ""
    return f"{base}?{PARAM}={token}"
