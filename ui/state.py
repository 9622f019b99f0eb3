"""The session's Workspace: the active dataset, model, map settings and selections.

One Workspace per browser session, kept in st.session_state, so every page sees the same
choices. It is a workspace of the library, named by the token in the URL's `?w=` (see
ui.workspaces): the session opens it with its saved datasets, models and view, and no token
reaches another's. Changing the dataset or model goes through `select_dataset` / `select_model`,
which keep the previous state when loading fails. The active dataset is an ImageDataset, or an
EmbeddingSet (uploaded vectors), which is mapped as it is and never has a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

import latent_core
from latent_core.datasets.builtin import needs_download
from latent_core.traversal import CodeIndex

from . import catalog, resources, views, workspaces
from .catalog import LIBRARY, Option
from .gan_work import SampledCloud
from .jobs import Job
from .messages import MESSAGE_LIMIT, explain, fetch_first, plain
from .session_files import SessionFiles

SESSION_KEY = "workspace"
KEY_FORM = re.compile(r"[A-Za-z0-9_.-]{1,80}")  # what a dataset or model key, a method or dims value looks like
METHOD_LABELS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}  # keyed by latent_core.projection.METHODS


@dataclass
class Decoded:
    """What the decoded panel shows: images with captions, and the code they came from."""

    title: str
    images: list[tuple[np.ndarray, str]]
    code: np.ndarray
    confidence: float | None = None
    extrapolated: bool = False
    note: str = ""
    position: tuple[float, float] | None = None  # the map position of an empty-space decode (valid on that map only)
    point: int | None = None  # the clicked map point (a position in Workspace.mapped()), for a point click


@dataclass
class BaseCode:
    """The starting point of a traversal and where it came from."""

    code: np.ndarray
    source: str


@dataclass
class Workspace:
    dataset_key: str
    dataset: latent_core.ImageDataset | latent_core.EmbeddingSet
    token: str  # names the workspace in the library and in the URL (ui.workspaces)
    model_key: str | None = None
    model: latent_core.LatentModel | None = None
    model_fp: str | None = None
    method: str = "pca"
    dims: int = 2
    drawn_view: tuple[str, int] | None = (
        None  # (method, dims) of the last map drawn: where a cancelled projection returns
    )
    colour: str = "label"
    show_grid: bool = False
    path_mode: str = "linear"
    path_steps: int = 8
    selection: list[int] = field(default_factory=list)
    selections_cleared: int = 0  # how often "Clear selection" was pressed: the map then drops its lasso or box
    show_round_trip: bool = False  # the decoded spot's round trip: its distances in the panel, an arrow on the map
    show_neighbours: bool = False  # ring a clicked point's nearest neighbours (in the latent space) on the map
    found: list[int] = field(default_factory=list)  # map positions the search box matched (ui.map_search)
    only_found: bool = False  # show only the search's matches: the other points faint (a filter)
    map_settings: dict = field(default_factory=dict)  # t-SNE's and UMAP's settings (ui.projection_settings)
    mosaic: bool = False  # the 2D map draws thumbnails in place of dots (assets/map/mosaic.js)
    analogy_codes: np.ndarray | None = None  # (4, d): the Traverse page's a, b, c and a - b + c, marked on the map
    decoded: Decoded | None = None
    base: BaseCode | None = None
    saved_models: dict[str, Option] = field(default_factory=dict)  # the workspace's models (and any added in code)
    sprites_wanted: set[str] = field(default_factory=set)  # hover-thumbnail sheets the browser asked for
    maps_recorded: set[str] = field(default_factory=set)  # maps this session has noted in the library
    uploaded_data: dict[str, Option] = field(default_factory=dict)  # the workspace's datasets
    files: SessionFiles = field(default_factory=SessionFiles)  # the session's folder: uploads in transit
    job: Job | None = None  # this session's training job (ui.training)
    messages: list[tuple[str, str]] = field(default_factory=list)
    saved_view: dict | None = None  # the view last kept in the library (ui.views.save)
    keeps_view: bool = True  # False for the map of a GAN's sampled codes (ui.gan_views), whose view is not kept

    @property
    def dataset_fp(self) -> str:
        return self.dataset.fingerprint

    @property
    def model_label(self) -> str:
        option = catalog.find(catalog.model_options(self.saved_models), self.model_key)
        return option.label if option else "none"

    @property
    def dataset_label(self) -> str:
        option = catalog.find(catalog.dataset_options(self.uploaded_data), self.dataset_key)
        return option.label if option else self.dataset_key

    @property
    def is_embeddings(self) -> bool:
        return isinstance(self.dataset, latent_core.EmbeddingSet)

    @property
    def image_shape(self) -> tuple | None:
        """(H, W, C) of the dataset's images, or None for embeddings (no model takes them)."""
        return None if self.is_embeddings else self.dataset.image_shape

    def codes(self) -> np.ndarray:
        """What the map projects: codes of the mapped images under the active model,
        or the embeddings themselves (cached by content)."""
        if self.is_embeddings:
            return resources.vectors(self.dataset_fp, self.dataset)
        if isinstance(self.dataset, SampledCloud):  # a GAN's sampled codes (ui.gan_views): the codes themselves
            return self.dataset.codes
        return resources.codes(self.model_fp, self.dataset_fp, self.model, self.dataset)

    def code_index(self) -> CodeIndex:
        """Nearest-neighbour search over codes(), built once per model and dataset (ui.resources.code_index)."""
        codes = self.codes()
        return resources.code_index((self.model_fp, self.dataset_fp, codes.shape), codes)

    def mapped(self) -> np.ndarray:
        """Dataset indices of the map's points, in map order."""
        return resources.map_indices(len(self.dataset))


def leave_pages_folder_mode() -> None:
    """Make Streamlit run app.py's st.navigation even when a fresh server's first request names a page.

    Streamlit treats an app with a pages/ folder as an old-style multipage app until the first
    st.navigation call, and then runs a requested page file without app.py. A new session reruns
    at once (nothing to lose yet); an existing one carries on and the next run goes through app.py.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if SESSION_KEY not in st.session_state:
            st.rerun()


def workspace() -> Workspace:
    """This session's Workspace: on first use, the one the URL's token names (see open_workspace)."""
    leave_pages_folder_mode()
    if SESSION_KEY not in st.session_state:
        st.session_state[SESSION_KEY] = open_workspace(st.query_params.get(workspaces.PARAM))
    return st.session_state[SESSION_KEY]


def open_workspace(token: str | None) -> Workspace:
    """The workspace `token` names, with its datasets, models and view; a new one when there is no token, and a new
    one with a message (never the token itself) when the token names no workspace here."""
    library = workspaces.library()
    if library.has_workspace(token):
        ws = new_workspace(token)
        sync_library(ws)
        views.writer.flush(token)  # its last click's view, if still being written
        restore(ws, library.view(token))
    else:
        ws = new_workspace(library.create_workspace())
        if token is not None:
            say(ws, "info", workspaces.NOT_FOUND)
    library.touch(ws.token)
    return ws


def new_workspace(token: str) -> Workspace:
    """A Workspace for `token` on the default dataset and model."""
    key = catalog.default_dataset_key()
    option = catalog.find(catalog.dataset_options(), key)
    try:
        dataset = resources.dataset_for(option)
    except latent_core.InvalidInputError as exc:
        fallback = catalog.find(catalog.dataset_options(), catalog.DEFAULT_DATASET)
        ws = Workspace(fallback.key, resources.dataset_for(fallback), token)
        say(ws, "error", f"{explain(exc)} Showing the built-in '{fallback.label}' dataset instead.")
    else:
        ws = Workspace(key, dataset, token)
    default_model = catalog.default_model_key()
    if not (default_model and select_model(ws, default_model, quiet=True)) and not ws.is_embeddings:
        match = compatible_model(ws)  # e.g. the shipped mnist model when the server starts on MNIST files
        if match:
            select_model(ws, match.key, quiet=True)
    return ws


def sync_library(ws: Workspace) -> None:
    """List the workspace's datasets and models as the library has them now (saved, renamed or deleted by
    any page, session or server process); options added in code stay."""
    library = workspaces.library()
    ws.uploaded_data = {r.key: catalog.dataset_option(ws.token, r) for r in library.datasets(ws.token)}
    added = {key: option for key, option in ws.saved_models.items() if option.loader != LIBRARY}
    ws.saved_models = added | {r.key: catalog.model_option(ws.token, r) for r in library.models(ws.token)}


def find_option(ws: Workspace, key: str, models: bool) -> Option | None:
    """The model (or dataset) option `key` names, asking the library again when it is not listed yet (saved since
    this session last looked, by another page or server process)."""

    def listed() -> Option | None:
        options = catalog.model_options(ws.saved_models) if models else catalog.dataset_options(ws.uploaded_data)
        return catalog.find(options, key)

    option = listed()
    if option is None and key.startswith(catalog.LIBRARY_KEYS):
        sync_library(ws)
        option = listed()
    return option


def restore(ws: Workspace, saved: dict) -> None:
    """Show a saved view again: its dataset and model, then (when both are back) its map, picks, path and traversal.
    What no longer exists is said once, and the rest of the view is kept."""
    view = views.parse(saved)
    if view.dataset and view.dataset != ws.dataset_key:
        select_dataset(ws, view.dataset, quiet=True)
    if view.model and view.model != ws.model_key:
        select_model(ws, view.model, quiet=True)
    if (ws.dataset_key, ws.model_key) == (view.dataset, view.model):
        views.apply(ws, view, BaseCode(*view.base) if view.base else None)
    else:
        ws.method, ws.dims, ws.colour = view.method, view.dims, view.colour


def named(what: str, value, where: str = "") -> str:
    """ "Dataset 'digits'" when `value` has the form of a key or a setting (letters, digits, . _ -), else "The dataset":
    other words a link brings are never shown (nor rendered as Markdown). `where`: e.g. " in the link"."""
    if isinstance(value, str) and KEY_FORM.fullmatch(value):
        return f"{what.capitalize()} '{value}'{where}"
    return f"The {what}{where}"


def say(ws: Workspace, kind: str, text: str) -> None:
    """Queue a message ('error', 'warning', 'info', 'success') for the next page render."""
    ws.messages.append((kind, text))


def show_messages(ws: Workspace) -> None:
    """Show and clear queued messages, in one container so that what follows keeps its place (and the map is not
    rebuilt). Each is shown as plain text (ui.messages.plain): a file or zip entry name or a link's value in it never
    renders as Markdown, and a message is at most MESSAGE_LIMIT characters."""
    with st.container():
        for kind, text in ws.messages:
            getattr(st, kind)(plain(text, MESSAGE_LIMIT))
    ws.messages.clear()


def shape_text(shape) -> str:
    if shape is None:
        return "vectors, not images"
    h, w, c = shape
    return f"{h}x{w} px, {'grey' if c == 1 else 'colour'}"


def needs_model(ws: Workspace, feature: str) -> str:
    """Why `feature` is unavailable for embeddings, in one sentence."""
    return (
        f"{feature} needs a model: upload images or a checkpoint. '{ws.dataset_label}' holds precomputed vectors, "
        "which are mapped as they are and cannot be decoded."
    )


def clear_selections(ws: Workspace) -> None:
    ws.selection, ws.decoded, ws.base = [], None, None


def select_dataset(ws: Workspace, key: str, quiet: bool = False, fetch: bool = False) -> bool:
    """Make a dataset active; on failure say why and keep everything as it was.
    `quiet`: the model that follows (when the active one takes other images) is chosen without saying so.
    `fetch`: the user asked to download a built-in that is not on the server yet (the Data page's button); without
    it such a dataset (named by a link or a saved view) is not downloaded, and the message says where to fetch it."""
    option = find_option(ws, key, models=False)
    if option is None:
        say(ws, "error", f"{named('dataset', key)} is not available here; choose one of the listed datasets.")
        return False
    if not fetch and option.key == option.source and needs_download(option.source):
        say(ws, "warning", fetch_first(option.source, ws.dataset_label))
        return False
    try:
        dataset = resources.dataset_for(option)
    except latent_core.InvalidInputError as exc:
        say(ws, "error", explain(exc))
        return False
    ws.dataset_key, ws.dataset = key, dataset
    clear_selections(ws)
    if ws.model is None or ws.model.image_shape != ws.image_shape:
        refit_model(ws, option, quiet)
    return True


def refit_model(ws: Workspace, option: Option, quiet: bool = False) -> None:
    """After a dataset change, make a model that takes its images active
    (or none, for embeddings), saying what changed unless `quiet`."""
    previous = ws.model_label if ws.model is not None and not quiet else None
    ws.model_key = ws.model = ws.model_fp = None
    if ws.is_embeddings:
        if previous:
            say(
                ws,
                "info",
                f"'{option.label}' holds vectors, so no model is active: the Map shows the vectors themselves.",
            )
        return
    match = compatible_model(ws)
    if match and select_model(ws, match.key, quiet=True):
        if previous:
            say(
                ws,
                "info",
                f"Switched the model to '{match.label}': "
                f"'{previous}' takes other images than {shape_text(ws.image_shape)}.",
            )
    elif previous:
        say(
            ws,
            "warning",
            f"No model fits '{option.label}' ({shape_text(ws.image_shape)}) yet: '{previous}' takes other images. "
            "Train one on the Model page.",
        )


def model_shape(option: Option) -> tuple | None:
    """A model's (H, W, C) (resources.model_image_shape); None if it cannot be loaded."""
    try:
        return resources.model_image_shape(option)
    except latent_core.InvalidInputError:
        return None


def compatible_model(ws: Workspace) -> Option | None:
    """A model for the active dataset's image shape, preferring one trained on that dataset."""
    candidates = [o for o in catalog.model_options(ws.saved_models) if model_shape(o) == ws.image_shape]
    named = [o for o in candidates if o.source == ws.dataset.name]
    return (named or candidates or [None])[0]


def select_model(ws: Workspace, key: str, quiet: bool = False) -> bool:
    """Make a model active if it takes the active dataset's images; otherwise say why and keep the old one."""
    option = find_option(ws, key, models=True)
    if option is None:
        say(ws, "error", f"{named('model', key)} is not available in this workspace; choose one of the listed models.")
        return False
    try:
        model, fingerprint = resources.model_for(option)
    except latent_core.InvalidInputError as exc:
        say(ws, "error", explain(exc))
        return False
    if model.image_shape != ws.image_shape:
        if not quiet:
            say(ws, "error", mismatch_text(ws, option, model))
        return False
    if not model.can_encode:
        say(ws, "error", f"Model '{option.label}' has no encoder, so it cannot place the dataset on the map.")
        return False
    if fingerprint != ws.model_fp:
        ws.decoded, ws.base = None, None  # both hold codes of the previous model
        if model.kind == "gan":
            ws.path_mode = "slerp"  # a GAN's codes come from N(0, I): slerp keeps them at a typical length
    ws.model_key, ws.model, ws.model_fp = key, model, fingerprint
    return True


def mismatch_text(ws: Workspace, option: Option, model: latent_core.LatentModel) -> str:
    """Why a model cannot be active with the active dataset."""
    if ws.is_embeddings:
        return (
            f"Model '{option.label}' takes {shape_text(model.image_shape)} images, "
            f"but '{ws.dataset_label}' holds vectors; choose an image dataset on the Data page to use it."
        )
    return (
        f"Model '{option.label}' takes {shape_text(model.image_shape)} images, but the dataset "
        f"'{ws.dataset_label}' has {shape_text(ws.image_shape)}; choose or train a model for these images."
    )
