"""Precomputed embeddings: CSV/TSV/space-separated tables, .npy/.npz vectors, labels and images beside them."""

from __future__ import annotations

import numpy as np
import pytest

import latent_core
from latent_core import EmbeddingSet, InvalidInputError, Limits
from tests.builders import image_bytes, noise, npy_bytes, write_zip


def table(tmp_path, name: str, text: str, **options) -> EmbeddingSet:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return latent_core.load_embeddings(path, **options)


def test_csv_with_header_and_label_column(tmp_path):
    emb = table(tmp_path, "e.csv", "x,y,label\n1,2,cat\n3,4.5,dog\n-1e-3,0,cat\n")
    assert emb.vectors.dtype == np.float32 and emb.vectors.tolist() == [[1, 2], [3, 4.5], [np.float32(-1e-3), 0]]
    assert emb.label_names == ["cat", "dog"] and emb.labels.tolist() == [0, 1, 0] and emb.images is None
    assert emb.name == "e" and len(emb) == 3 and emb.dim == 2 and emb.label_text(1) == "dog"


def test_word_embeddings_without_header_use_the_text_column(tmp_path):
    emb = table(tmp_path, "words.csv", '"hello, world",0.1,0.2\nking,0.3,0.4\nqueen,0.5,0.6\n')
    assert emb.vectors.shape == (3, 2) and [emb.label_text(i) for i in range(3)] == ["hello, world", "king", "queen"]


def test_glove_style_space_separated_text(tmp_path):
    emb = table(tmp_path, "glove.txt", "the 0.1 0.2 0.3\n, 0.4 0.5 0.6\nof  0.7 0.8 0.9\n")
    assert emb.vectors.shape == (3, 3) and [emb.label_text(i) for i in range(3)] == ["the", ",", "of"]


def test_tsv_with_a_byte_order_mark_and_numeric_labels_in_numeric_order(tmp_path):
    emb = table(tmp_path, "e.tsv", "\ufeffa\tb\tlabel\n1\t2\t10\n3\t4\t2\n5\t6\t2\n")
    assert emb.vectors.shape == (3, 2) and emb.label_names == ["2", "10"] and emb.labels.tolist() == [1, 0, 0]


def test_unlabelled_numbers_only(tmp_path):
    emb = table(tmp_path, "plain.csv", "1,2,3\n4,5,6\n")
    assert emb.vectors.shape == (2, 3) and emb.labels is None


def test_label_column_can_be_chosen_by_name_or_index(tmp_path):
    by_name = table(tmp_path, "e.csv", "v,w,group\n1,2,7\n3,4,8\n", label_column="group")
    assert by_name.vectors.tolist() == [[1, 2], [3, 4]] and by_name.label_names == ["7", "8"]
    by_index = table(tmp_path, "e.csv", "1,2,7\n3,4,8\n", label_column=0)
    assert by_index.vectors.tolist() == [[2, 7], [4, 8]] and by_index.label_names == ["1", "3"]


@pytest.mark.parametrize(
    "text, options, message",
    [
        (
            "name,kind,v\na,x,1\nb,y,2\n",
            {},
            r"has 2 columns that are not numbers \('name', 'kind'\); name the label column \(label_column= in Python\)",
        ),
        ("x,y\n1,2\n", {"label_column": "nope"}, r"has no column 'nope'; its columns are \['x', 'y'\]"),
        ("x,y\n1,nan\n2,3\ninf,4\n", {}, r"holds 2 NaN or infinite values .*the first on line 2, column 2 \(nan\)"),
        (
            "x,y\n1,2\n3,1e300\n",
            {},
            r"holds 1 NaN or infinite values \(or values too large for float32\), "
            r"the first on line 3, column 2 \(1e\+300\)",
        ),
        ("1,2\n3,nan\n", {}, r"the first on line 2, column 2 \(nan\)"),  # no header: line 2 is the second data row
        ("label,x,y\na,1,2\n\nb,3,inf\n", {}, r"the first on line 4, column 3 \(inf\)"),  # blank line and label counted
        ("x,y\n1,2\n3,\n", {}, r"line 3, column 2: '' is not a number"),
        ("", {}, r"File 'bad\.csv' is empty\."),
        ("\n\n", {}, r"holds no rows of numbers"),
        ("label\na\nb\n", {}, r"holds no columns of numbers"),
        ("1," + "9" * 200_000 + "\n", {}, r"is not valid CSV near line 1 \(field larger than field limit"),
    ],
)
def test_bad_tables_are_explained(tmp_path, text, options, message):
    with pytest.raises(InvalidInputError, match=message):
        table(tmp_path, "bad.csv", text, **options)


def test_table_limits(tmp_path):
    with pytest.raises(
        InvalidInputError, match=r"holds at least 3 rows of data, over the limit of 2 \(set LATENT_MAX_CSV_ROWS"
    ):
        table(tmp_path, "e.csv", "x\n1\n2\n3\n", limits=Limits(max_csv_rows=2))
    with pytest.raises(
        InvalidInputError, match=r"has vectors of 3 values, over the limit of 2 \(set LATENT_MAX_EMBEDDING_DIM"
    ):
        table(tmp_path, "e.csv", "1,2,3\n", limits=Limits(max_embedding_dim=2))


def test_npy_and_npz_vectors_with_labels_and_images(tmp_path):
    (tmp_path / "v.npy").write_bytes(npy_bytes(np.arange(6, dtype=np.float64).reshape(3, 2)))
    assert latent_core.load_embeddings(tmp_path / "v.npy").vectors.tolist() == [[0, 1], [2, 3], [4, 5]]
    members = {
        "embeddings.npy": npy_bytes(np.ones((3, 4))),
        "labels.npy": npy_bytes(np.array(["b", "a", "b"])),
        "images.npy": npy_bytes(np.zeros((3, 1, 8, 8), np.float32)),
    }
    emb = latent_core.load_embeddings(write_zip(tmp_path / "e.npz", members))
    assert emb.vectors.shape == (3, 4) and emb.label_names == ["a", "b"] and emb.images.shape == (3, 8, 8, 1)


def test_images_alongside_come_from_any_dataset_source(tmp_path):
    pictures = write_zip(tmp_path / "pics.zip", {f"{i}.png": image_bytes(noise((8, 8), i)) for i in range(3)})
    emb = table(tmp_path, "e.csv", "1,2\n3,4\n5,6\n", images=pictures)
    assert emb.images.shape == (3, 8, 8, 1) and np.array_equal(emb.images[1, ..., 0], noise((8, 8), 1))
    with pytest.raises(InvalidInputError, match=r"has 3 images for 2 vectors; give one image per vector"):
        table(tmp_path, "e.csv", "1,2\n3,4\n", images=pictures)


def test_the_two_loaders_point_to_each_other(tmp_path):
    (tmp_path / "e.csv").write_text("1,2\n3,4\n")
    with pytest.raises(InvalidInputError, match=r"File 'e\.csv' is text, not images; .* read it as embeddings instead"):
        latent_core.load_dataset(tmp_path / "e.csv")
    (tmp_path / "i.npy").write_bytes(npy_bytes(noise((3, 8, 8))))
    with pytest.raises(
        InvalidInputError,
        match=r"holds an array of shape \(3, 8, 8\); embeddings must be 2-D \(N, d\)\. Images load with load_dataset",
    ):
        latent_core.load_embeddings(tmp_path / "i.npy")
    (tmp_path / "p.png").write_bytes(image_bytes(noise((8, 8))))
    with pytest.raises(
        InvalidInputError,
        match=r"File 'p\.png' is a PNG image; embeddings are read from CSV/TSV text, \.npy or \.npz files",
    ):
        latent_core.load_embeddings(tmp_path / "p.png")


def test_the_engine_says_what_a_file_holds_and_reports_how_vectors_were_read(tmp_path):
    pictures = write_zip(tmp_path / "pics.zip", {f"{i}.png": image_bytes(noise((8, 8), i)) for i in range(3)})
    (tmp_path / "e.csv").write_text("x,y,label\n1,2,cat\n3,4,dog\n5,6,cat\n")
    (tmp_path / "v.npy").write_bytes(npy_bytes(np.ones((3, 2))))
    holds = {name: latent_core.file_holds(tmp_path / name) for name in ("e.csv", "v.npy", "pics.zip")}
    assert holds == {
        "e.csv": "embeddings",
        "v.npy": "images",
        "pics.zip": "images",
    }  # arrays: images unless asked otherwise
    emb, report = latent_core.load_embeddings_with_report(tmp_path / "e.csv", label_column="label", images=pictures)
    assert emb.labels.tolist() == [0, 1, 0] and emb.images.shape == (3, 8, 8, 1)
    assert report.summary() == "Read 'e.csv' as embeddings; 3 vectors of 2 values; 2 labels; with one image per vector."
    assert latent_core.load_embeddings_with_report(tmp_path / "v.npy")[1].notes == [
        "3 vectors of 2 values",
        "no labels",
        "no images",
    ]


def test_fingerprint_follows_content(tmp_path):
    a = table(tmp_path, "a.csv", "1,2\n3,4\n")
    b = table(tmp_path, "b.csv", "1,2\n3,4\n")
    c = table(tmp_path, "c.csv", "1,2\n3,5\n")
    assert a.fingerprint == b.fingerprint != c.fingerprint
