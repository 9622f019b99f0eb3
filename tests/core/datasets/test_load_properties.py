"""Property tests: any array, table or byte string either loads with the right shape or raises InvalidInputError."""

from __future__ import annotations

import csv
import io
import uuid

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

import latent_core
from latent_core import EmbeddingSet, ImageDataset, InvalidInputError, Limits
from tests.builders import npy_bytes, write_zip

SMALL = Limits(min_images=1, max_array_bytes=2**20, max_pixels_per_image=4096, max_csv_rows=50, max_embedding_dim=16)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DTYPES = st.sampled_from([np.uint8, np.int16, np.float32, np.float64, np.bool_, np.complex64])
MAGIC = [
    b"",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF89a",
    b"BM",
    b"RIFF\0\0\0\0WEBP",
    b"\x93NUMPY\x01\x00",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"\0\0\x08\x03",
    b"\x80\x04",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("properties")


def fresh(folder, suffix: str):
    return folder / f"{uuid.uuid4().hex}{suffix}"


def expected_images_shape(shape) -> tuple | None:
    """What load_dataset must return for a clean array of this shape, or None if it must refuse it."""
    if len(shape) == 3:
        return (*shape, 1)
    if len(shape) == 4 and shape[3] in (1, 3):
        return tuple(shape)
    if len(shape) == 4 and shape[1] in (1, 3):
        return (shape[0], shape[2], shape[3], shape[1])
    return None


def corrupt(data: bytes, draw) -> bytes:
    """Cut, flip one byte, or leave as is."""
    how = draw(st.sampled_from(["none", "cut", "flip"]))
    if how == "none" or not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    return data[:at] if how == "cut" else data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]


@given(data=st.data())
@SETTINGS
def test_any_array_file_loads_with_the_right_shape_or_is_refused(folder, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=5, min_side=0, max_side=6))
    array = data.draw(hnp.arrays(DTYPES, shape))
    payload = npy_bytes(array)
    damaged = corrupt(payload, data.draw)
    if data.draw(st.booleans()):
        path = fresh(folder, ".npy")
        path.write_bytes(damaged)
    else:
        path = write_zip(
            fresh(folder, ".npz"),
            {"images.npy": damaged, "labels.npy": npy_bytes(np.zeros(shape[0] if shape else 0, np.int64))},
        )
    try:
        result = latent_core.load_dataset(path, limits=SMALL)
    except InvalidInputError:
        return
    assert isinstance(result, ImageDataset) and result.images.dtype == np.uint8
    if damaged == payload:
        assert result.images.shape == expected_images_shape(shape)


@st.composite
def tables(draw):
    """(text, expected vectors shape or None when the table was damaged)."""
    rows, dim = draw(st.integers(1, 8)), draw(st.integers(1, 5))
    numbers = draw(st.lists(st.lists(st.floats(-1e6, 1e6), min_size=dim, max_size=dim), min_size=rows, max_size=rows))
    labelled, header = draw(st.booleans()), draw(st.booleans())
    delimiter = draw(st.sampled_from([",", "\t", ";"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    if header:
        writer.writerow([f"c{i}" for i in range(dim)] + (["label"] if labelled else []))
    for i, row in enumerate(numbers):
        writer.writerow(
            [repr(v) for v in row] + ([f"w_{draw(st.text('abc, ', max_size=4))}{i % 3}"] if labelled else [])
        )
    text = out.getvalue()
    damage = draw(st.sampled_from(["none", "none", "cell", "cut", "insert"]))
    if damage == "cell":
        text = text.replace(repr(numbers[-1][0]), draw(st.text(max_size=5)), 1)
    elif damage == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(max_size=8)) + text[at:]
    return text, ((rows, dim) if damage == "none" else None)


@given(case=tables())
@SETTINGS
def test_any_table_loads_with_the_right_shape_or_is_refused(folder, case):
    text, shape = case
    path = fresh(folder, ".csv")
    path.write_bytes(text.encode("utf-8"))
    try:
        result = latent_core.load_embeddings(path, limits=SMALL)
    except InvalidInputError:
        assert shape is None, "a clean table was refused"
        return
    assert isinstance(result, EmbeddingSet) and result.vectors.dtype == np.float32 and result.vectors.ndim == 2
    if shape is not None:
        assert result.vectors.shape == shape


@given(
    magic=st.sampled_from(MAGIC),
    tail=st.binary(max_size=300),
    suffix=st.sampled_from(["", ".png", ".jpg", ".npy", ".npz", ".zip", ".gz", ".csv"]),
)
@SETTINGS
def test_any_bytes_are_a_dataset_or_refused(folder, magic, tail, suffix):
    path = fresh(folder, suffix)
    path.write_bytes(magic + tail)
    for load in (latent_core.load_dataset, latent_core.load_embeddings):
        try:
            result = load(path, limits=SMALL)
        except InvalidInputError:
            continue
        assert isinstance(result, (ImageDataset, EmbeddingSet))


@given(
    data=st.data(),
    fmt=st.sampled_from(["PNG", "JPEG", "GIF", "BMP", "WEBP"]),
    mode=st.sampled_from(["L", "RGB", "RGBA", "P", "1", "I;16"]),
)
@SETTINGS
def test_any_damaged_image_loads_or_is_refused(folder, data, fmt, mode):
    size = (data.draw(st.integers(1, 20)), data.draw(st.integers(1, 20)))
    image = Image.fromarray(np.random.default_rng(size[0]).integers(0, 256, (*size, 3), dtype=np.uint8)).convert(
        mode if mode != "I;16" else "I"
    )
    out = io.BytesIO()
    try:
        image.save(out, fmt)
    except (OSError, ValueError, KeyError):
        return  # this format cannot store this mode
    payload = out.getvalue()
    damaged = corrupt(payload, data.draw)
    path = fresh(folder, "." + fmt.lower())
    path.write_bytes(damaged)
    try:
        result = latent_core.load_dataset(path, limits=SMALL)
    except InvalidInputError:
        return
    assert result.images.dtype == np.uint8 and result.images.shape[3] in (1, 3)
    if damaged == payload:
        assert result.images.shape[1:3] == size
