"""latent_core.search.find_points: images by number, range and label, and what it says when nothing matches."""

from __future__ import annotations

import numpy as np
import pytest

from latent_core import EmbeddingSet, ImageDataset, InvalidInputError
from latent_core.search import find_points

LABELS = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 1])


@pytest.fixture
def named():
    return ImageDataset(np.zeros((10, 8, 8, 1), np.uint8), LABELS, ["zero", "One", "two"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("3", [3]),
        ("#3", [3]),
        ("7-9", [7, 8, 9]),
        ("9 - 7", [7, 8, 9]),
        ("one", [1, 3, 7, 9]),
        ("ONE, 0", [0, 1, 3, 7, 9]),
        ("label 2", [2, 5, 6]),
        ("two,two,#2", [2, 5, 6]),
    ],
)
def test_queries_name_images_by_number_range_and_label(named, query, expected):
    found = find_points(named, query)
    assert found.dtype == np.int64 and found.tolist() == expected


def test_a_number_is_an_image_also_where_labels_are_named_by_numbers_and_label_n_is_the_label():
    for names in (None, ["0", "1", "2"]):
        data = ImageDataset(np.zeros((10, 8, 8, 1), np.uint8), LABELS, names)
        assert find_points(data, "2").tolist() == [2]
        assert find_points(data, "label 2").tolist() == [2, 5, 6]


def test_embeddings_are_searched_alike():
    data = EmbeddingSet(np.zeros((10, 4), np.float32), LABELS, ["a", "b", "c"])
    assert find_points(data, "b").tolist() == [1, 3, 7, 9]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("", "Type an image number"),
        (" , ", "Type an image number"),
        ("x" * 201, "at most 200"),
        ("10", "numbered 0 to 9"),
        ("5-10", "numbered 0 to 9"),
        ("label 7", "No image has label 7"),
        ("[x](http://evil.example)", "The labels are: zero, One, two"),
    ],
)
def test_what_matches_nothing_says_why_without_echoing_the_query(named, query, words):
    with pytest.raises(InvalidInputError, match=words) as caught:
        find_points(named, query)
    assert "evil" not in str(caught.value)


def test_a_dataset_without_labels_says_to_search_by_number():
    with pytest.raises(InvalidInputError, match="no labels"):
        find_points(ImageDataset(np.zeros((4, 8, 8, 1), np.uint8)), "label 1")
