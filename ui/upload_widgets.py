"""The upload widgets of the Data and Model pages; what happens to the files is in ui/uploads.py.

The upload size limit is Streamlit's server.maxUploadSize (MB, in .streamlit/config.toml);
latent_core's own limits (LATENT_MAX_* variables) apply to what is inside the files.
"""

from __future__ import annotations

import streamlit as st

from . import uploads
from .messages import MESSAGE_LIMIT, plain
from .state import Workspace
from .uploads import EMBEDDINGS, IMAGES

KINDS = {IMAGES: "Images", EMBEDDINGS: "Embeddings (vectors)"}
AS_READ = 0  # size or channels: leave it to the file (a selectbox shows None as an empty choice)
SIZES = [AS_READ, 8, 16, 28, 32, 48, 64, 96, 128]
CHANNELS = {AS_READ: "As in the files", 1: "Grey", 3: "Colour (RGB)"}


def dataset_uploader(ws: Workspace) -> None:
    """Upload a dataset file (and its labels, or the vectors' images); the page reruns once it is handled."""
    with st.container(key="upload_data_box", border=True):
        st.markdown("**Upload your own data**")
        left, right = st.columns([3, 2], gap="medium")
        kind = right.radio(
            "The file holds",
            list(KINDS),
            key="upload_kind",
            format_func=KINDS.get,
            horizontal=True,
            help="Images: a zip of images, .npy/.npz arrays or MNIST IDX files. Embeddings: precomputed vectors "
            "(N, d) in a .csv or .npy, mapped without a model. CSV files are always read as embeddings.",
        )
        main = left.file_uploader(
            "Dataset file",
            key="upload_data",
            help="A .zip of images (one folder per class, or flat), .npy/.npz arrays, an MNIST IDX images file "
            "(raw or .gz), or embeddings (.csv/.npy). Files are recognised by their content.",
        )
        size = channels = None
        label_column = ""
        if kind == IMAGES:
            companion = left.file_uploader(
                "Labels file (MNIST IDX, optional)",
                key="upload_labels",
                help="The labels that go with an IDX images file, raw or .gz.",
            )
            side = right.selectbox(
                "Image size",
                SIZES,
                key="upload_size",
                format_func=lambda s: f"{s} × {s}" if s else "The most common in the file",
                help="Images of other sizes are stretched to this one.",
            )
            size = (side, side) if side else None
            channels = (
                right.selectbox("Colour", list(CHANNELS), key="upload_channels", format_func=CHANNELS.get) or None
            )
        else:
            companion = left.file_uploader(
                "Images for the vectors (optional)",
                key="upload_images",
                help="One image per vector, in the same order (a zip of images, .npy/.npz or IDX): "
                "shown when you hover or click a point.",
            )
            label_column = right.text_input(
                "Label column (optional)",
                key="upload_label_column",
                help="The header name or 0-based number of the CSV column with labels. By default a column "
                "named label, labels or class, or the one column that is not numeric.",
            )
    if uploads.receive_dataset(ws, main, companion, kind, size, channels, label_column):
        st.rerun()
    report = uploads.upload_report(ws)
    if report is not None:
        st.info(plain(f"How it was read: {report.summary()}", MESSAGE_LIMIT), icon=":material/fact_check:")


CHECKPOINT_WORDS = (
    "A zipped checkpoint folder from this app or latent-core: config.json and model.safetensors. "
    "Pickled files (.pt, .pth, .pkl) are refused, never loaded."
)


def model_uploader(ws: Workspace) -> None:
    """Upload a checkpoint .zip; the page reruns once it is handled.

    Any file is accepted by the widget (no `type=`): the browser's own refusal said only "files are not allowed",
    whereas the engine names what a file is and what to give instead ("it is a torch.save archive, …")."""
    uploaded = st.file_uploader("Upload a checkpoint (.zip)", key="upload_model")
    st.caption(CHECKPOINT_WORDS)
    if uploads.receive_model(ws, uploaded):
        st.rerun()
