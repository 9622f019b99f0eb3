"""Data page: choose or upload the active dataset and see what is in it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import latent_core
from latent_core.datasets.builtin import DATA_FOLDER_WORDS, needs_download
from ui import catalog, images, large_maps, state, upload_widgets
from ui.choices import choice_box
from ui.previews import preview_captions

PREVIEW = 40
TO_FETCH = "dataset_to_fetch"  # session state: the built-in chosen for download, until Download or Cancel

ws = state.workspace()
st.title("Data")
st.caption(
    "The images whose latent space you explore: a built-in set or your own files. Switching datasets keeps the model "
    "if it takes the same image size."
)
state.show_messages(ws)


def choose_dataset(key: str) -> None:
    """Make the chosen dataset active; one that must first be downloaded waits for the Download button."""
    st.session_state.pop(TO_FETCH, None)
    if needs_download(key):
        st.session_state[TO_FETCH] = key
    else:
        state.select_dataset(ws, key)


def fetch_offer() -> None:
    """The Download button for a chosen built-in that is not on the server yet: the only way a download starts."""
    name = st.session_state.get(TO_FETCH)
    if name is None:
        return
    with st.container(key="fetch_box", border=True):
        st.markdown(
            f"**{name}** is not on this server yet. Download it from the internet into {DATA_FOLDER_WORDS}: this "
            "needs a network connection and happens once per server."
        )
        left, right = st.columns([1, 4])
        fetch = left.button("Download", key="fetch_dataset", type="primary", icon=":material/download:")
        right.button("Cancel", key="fetch_cancel", on_click=st.session_state.pop, args=(TO_FETCH, None))
    if fetch:
        del st.session_state[TO_FETCH]
        with st.spinner(f"Downloading {name}…"):
            state.select_dataset(ws, name, fetch=True)
        st.rerun()


def dataset_picker() -> None:
    options = catalog.dataset_options(ws.uploaded_data)
    labels = {o.key: o.label for o in options}
    choice_box(
        st.columns([2, 3])[0],
        "Dataset",
        list(labels),
        ws.dataset_key,
        name="dataset_choice",
        on_choose=choose_dataset,
        format_func=labels.get,
        help="digits and shapes are built in and work offline; mnist, fashion-mnist, kmnist and cifar10 are downloaded "
        "once per server when you press Download, which needs a network connection. Files uploaded below are kept in "
        "this workspace.",
    )


def embeddings_summary(embeddings: latent_core.EmbeddingSet) -> None:
    cols = st.columns(4)
    cols[0].metric("Vectors", f"{len(embeddings):,}")
    cols[1].metric("Dimensions", embeddings.dim)
    cols[2].metric("Images", "one per vector" if embeddings.images is not None else "none")
    cols[3].metric("Classes", len(np.unique(embeddings.labels)) if embeddings.labels is not None else "unlabelled")
    st.caption(
        "Precomputed vectors: the Map projects them as they are (no model). "
        "Decoding, interpolation and traversal need a model."
    )


def summary_section(dataset: latent_core.ImageDataset) -> None:
    if isinstance(dataset, latent_core.EmbeddingSet):
        return embeddings_summary(dataset)
    h, w, c = dataset.image_shape
    cols = st.columns(4)
    cols[0].metric("Images", f"{len(dataset):,}")
    cols[1].metric("Image size", f"{h} × {w}", help="Height × width in pixels.")
    cols[2].metric("Channels", "1 (grey)" if c == 1 else f"{c} (colour)")
    cols[3].metric("Classes", len(np.unique(dataset.labels)) if dataset.labels is not None else "unlabelled")
    if dataset.factors:
        st.caption("Known generative factors: " + ", ".join(dataset.factors) + " (the map can be coloured by each).")


def preview_section(dataset: latent_core.ImageDataset | latent_core.EmbeddingSet) -> None:
    st.subheader("Preview")
    if dataset.images is None:
        st.caption("No images were given with these vectors; the Map shows them as dots.")
        return
    index = np.random.default_rng(0).choice(len(dataset), min(PREVIEW, len(dataset)), replace=False)
    captions, side = preview_captions([f"{dataset.label_text(i) or '#' + str(i)}" for i in index])
    images.show_row(dataset.images[index], captions, side=side)


def class_counts_section(dataset: latent_core.ImageDataset | latent_core.EmbeddingSet) -> None:
    st.subheader("Images per class")
    if dataset.labels is None:
        st.caption("This dataset has no labels.")
        return
    values, counts = np.unique(dataset.labels, return_counts=True)
    names = [dataset.label_text(int(np.flatnonzero(dataset.labels == v)[0])) for v in values]
    st.bar_chart(
        pd.DataFrame({"class": names, "images": counts}), x="class", y="images", sort=False, height=260, color="#4f46e5"
    )


large_maps.data_choice()
dataset_picker()
fetch_offer()
upload_widgets.dataset_uploader(ws)
summary_section(ws.dataset)
left, right = st.columns([3, 2], gap="large")
with left:
    preview_section(ws.dataset)
with right:
    class_counts_section(ws.dataset)
