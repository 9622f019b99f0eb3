"""Finding images by index or label: the Map page's search box, and `latent-core` scripts.

A query is one or more terms separated by commas:

  12        image #12 (also "#12")
  10-20     images #10 to #20, both included
  seven     every image whose label is named "seven" (case does not matter)
  label 3   every image with label 3, named or not (a number alone is always an image number, also where the
            labels are named by numbers, as the digits' are)

The answer is the sorted, distinct dataset indices int64 (M,). What does not match says why, in words.
"""

from __future__ import annotations

import re

import numpy as np

from .errors import InvalidInputError

MAX_QUERY_CHARS = 200
INDEX = re.compile(r"#?(\d{1,12})")
RANGE = re.compile(r"#?(\d{1,12})\s*-\s*#?(\d{1,12})")
LABEL = re.compile(r"label\s+(\d{1,12})", re.IGNORECASE)


def find_points(data, query: str) -> np.ndarray:
    """Dataset indices (M,) int64 of the images a query names, for an ImageDataset or EmbeddingSet `data`.

    Raises InvalidInputError for an empty or overlong query, an index outside the dataset, or a label no image has.
    """
    if not isinstance(query, str) or not query.strip():
        raise InvalidInputError("Type an image number (12), a range (10-20) or a label name to search for.")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInputError(f"A search is at most {MAX_QUERY_CHARS} characters long.")
    found = [term_points(data, term.strip()) for term in query.split(",") if term.strip()]
    if not found:
        raise InvalidInputError("Type an image number (12), a range (10-20) or a label name to search for.")
    return np.unique(np.concatenate(found)).astype(np.int64)


def term_points(data, term: str) -> np.ndarray:
    """The indices one term names (see the module's docstring)."""
    n = len(data)
    labels = getattr(data, "labels", None)
    names = getattr(data, "label_names", None)
    if match := RANGE.fullmatch(term):
        first, last = sorted(int(v) for v in match.groups())
        check_index(last, n)
        return np.arange(first, last + 1)
    if match := LABEL.fullmatch(term):
        return label_points(labels, int(match.group(1)), term)
    if match := INDEX.fullmatch(term):
        check_index(int(match.group(1)), n)
        return np.array([int(match.group(1))])
    if names:
        lowered = [str(name).casefold() for name in names]
        if term.casefold() in lowered:
            return label_points(labels, lowered.index(term.casefold()), term)
    known = f" The labels are: {', '.join(map(str, names[:12]))}{' …' if len(names) > 12 else ''}." if names else ""
    raise InvalidInputError(f"No image matches a search term of {len(term)} characters.{known}")


def check_index(index: int, n: int) -> None:
    if index >= n:
        raise InvalidInputError(f"Image #{index} is not in this dataset: its images are numbered 0 to {n - 1}.")


def label_points(labels: np.ndarray | None, value: int, term: str) -> np.ndarray:
    if labels is None:
        raise InvalidInputError("This dataset has no labels to search by; search by image number instead.")
    found = np.flatnonzero(np.asarray(labels) == value)
    if not len(found):
        raise InvalidInputError(f"No image has label {value}.")
    return found
