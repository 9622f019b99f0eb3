"""NumPy uploads: layouts, value ranges, labels, and headers checked before anything is allocated."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import latent_core
from latent_core import InvalidInputError, Limits
from tests.builders import noise, npy_bytes, npy_declaring, write_zip


def save(tmp_path, name: str, array) -> object:
    path = tmp_path / name
    path.write_bytes(npy_bytes(array))
    return path


@pytest.mark.parametrize(
    "shape, layout",
    [
        ((4, 8, 6), "(N, H, W)"),
        ((4, 8, 6, 3), "(N, H, W, C)"),
        ((4, 3, 8, 6), "(N, C, H, W)"),
        ((4, 8, 6, 1), "(N, H, W, C)"),
    ],
)
def test_layouts(tmp_path, shape, layout):
    array = noise(shape)
    data, report = latent_core.load_dataset_with_report(save(tmp_path, "x.npy", array))
    expected = array.transpose(0, 2, 3, 1) if layout == "(N, C, H, W)" else array.reshape(4, 8, 6, -1)
    assert data.images.shape == expected.shape and np.array_equal(data.images, expected)
    assert report.summary() == f"Read 'x.npy' as arrays; layout {layout}; uint8 values."


@pytest.mark.parametrize(
    "scale, note", [(1.0, "float32 values in [0, 1], scaled by 255"), (255.0, "float32 values in [0, 255]")]
)
def test_float_ranges_are_detected_and_stated(tmp_path, scale, note):
    array = (np.linspace(0, 1, 4 * 8 * 8).reshape(4, 8, 8) * scale).astype(np.float32)
    data, report = latent_core.load_dataset_with_report(save(tmp_path, "f.npy", array))
    assert data.images.max() == 255 and data.images.min() == 0 and note in report.summary()


def test_fortran_order_arrays_read_the_same(tmp_path):
    array = noise((3, 8, 5))
    assert np.array_equal(
        latent_core.load_dataset(save(tmp_path, "f.npy", np.asfortranarray(array))).images[..., 0], array
    )


def test_npz_with_text_labels_and_explicit_names(tmp_path):
    text = write_zip(
        tmp_path / "text.npz",
        {"images.npy": npy_bytes(noise((3, 8, 8))), "labels.npy": npy_bytes(np.array(["b", "a", "b"]))},
    )
    data = latent_core.load_dataset(text)
    assert data.label_names == ["a", "b"] and data.labels.tolist() == [1, 0, 1]
    named = write_zip(
        tmp_path / "named.npz",
        {
            "x.npy": npy_bytes(noise((2, 8, 8))),
            "labels.npy": npy_bytes(np.array([1, 0])),
            "label_names.npy": npy_bytes(np.array(["zero", "one"])),
        },
    )
    data = latent_core.load_dataset(named)
    assert data.label_text(0) == "one" and data.label_text(1) == "zero"


@pytest.mark.parametrize(
    "members, message",
    [
        ({"a.npy": noise((2, 8, 8)), "b.npy": noise((2, 8, 8))}, r"holds arrays a, b; name the images array 'images'"),
        (
            {"images.npy": noise((2, 8, 8)), "labels.npy": np.array([0, 1, 2])},
            r"Labels in 'bad\.npz' have shape \(3,\); expected one per item, shape \(2,\)",
        ),
        (
            {"images.npy": noise((2, 8, 8)), "labels.npy": np.array([0.5, 1])},
            r"Labels in 'bad\.npz' are of type float64; give whole numbers or text",
        ),
        (
            {"images.npy": noise((2, 8, 8)), "labels.npy": np.array([-1, 1])},
            r"include -1; integer labels must be 0 or more",
        ),
        ({"images.npy": noise((2, 8, 8, 5))}, r"holds an array of shape \(2, 8, 8, 5\); images must be"),
        (
            {"images.npy": np.full((2, 8, 8), 300.0)},
            r"have values from 300 to 300; expected the range \[0, 1\] or \[0, 255\]",
        ),
        ({"images.npy": np.zeros((2, 8, 8), bool)}, r"must be numbers, not bool"),
        ({"images.npy": np.zeros((2, 8, 8), complex)}, r"has data type complex128; only plain numbers"),
        ({"images.npy": np.zeros(2, dtype=[("a", "u1"), ("b", "f4")])}, r"has data type .*; only plain numbers"),
    ],
)
def test_bad_npz_contents_are_explained(tmp_path, members, message):
    path = write_zip(tmp_path / "bad.npz", {k: npy_bytes(v) for k, v in members.items()})
    with pytest.raises(InvalidInputError, match=message):
        latent_core.load_dataset(path)


def test_npz_member_that_is_not_an_array(tmp_path):
    path = write_zip(tmp_path / "odd.npz", {"images.npy": npy_bytes(noise((2, 8, 8))), "run.py": b"print(1)"})
    with pytest.raises(InvalidInputError, match=r"Archive 'odd\.npz' holds 'run\.py', which is not an \.npy array"):
        latent_core.load_dataset(path)


def test_huge_declared_shape_is_refused_without_allocating(tmp_path):
    path = tmp_path / "huge.npy"
    path.write_bytes(npy_declaring((2**40,), "|u1"))
    assert path.stat().st_size < 1024
    tracemalloc.start()
    try:
        with pytest.raises(
            InvalidInputError, match=r"declares shape \(1099511627776,\) of uint8, 1,048,576\.0 MB, over the limit"
        ):
            latent_core.load_dataset(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20


def test_declared_data_longer_than_the_file_is_refused(tmp_path):
    path = tmp_path / "short.npy"
    path.write_bytes(npy_declaring((4, 8, 8)))
    with pytest.raises(
        InvalidInputError, match=r"declares shape \(4, 8, 8\) of float64 \(2,048 bytes\) but holds only 16 bytes"
    ):
        latent_core.load_dataset(path)


def test_two_dimensional_arrays_point_to_load_embeddings(tmp_path):
    with pytest.raises(
        InvalidInputError, match=r"vectors, not images; read it as embeddings instead \(load_embeddings in Python\)\.$"
    ):
        latent_core.load_dataset(save(tmp_path, "v.npy", np.zeros((5, 3))))


def test_size_and_channels_apply_to_arrays_too(tmp_path):
    data, report = latent_core.load_dataset_with_report(
        save(tmp_path, "x.npy", noise((3, 8, 8))), size=(16, 12), channels=3
    )
    assert data.images.shape == (3, 16, 12, 3) and "converted to 16x12 pixels with 3 channel(s)" in report.summary()


def test_array_limits(tmp_path):
    path = save(tmp_path, "x.npy", noise((3, 8, 8)))
    with pytest.raises(
        InvalidInputError, match=r"'x\.npy' holds 3 images, over the limit of 2 \(set LATENT_MAX_IMAGES"
    ):
        latent_core.load_dataset(path, limits=Limits(max_images=2))
    with pytest.raises(InvalidInputError, match=r"'one\.npy' holds 1 usable image\(s\); at least 2 are needed"):
        latent_core.load_dataset(save(tmp_path, "one.npy", noise((1, 8, 8))))


def test_npz_inside_is_read_as_arrays(tmp_path):
    members = {"images.npy": npy_bytes(noise((3, 8, 8))), "labels.npy": npy_bytes(np.array([0, 2, 1]))}
    data, report = latent_core.load_dataset_with_report(write_zip(tmp_path / "arrays.npz", members))
    assert data.images.shape == (3, 8, 8, 1) and data.labels.tolist() == [0, 2, 1] and report.kind == "arrays"
