"""Delimited text (CSV, TSV, or space-separated like GloVe) as a matrix of vectors plus one optional label column.

The first row is a header when a column that holds numbers below holds text in it. The label
column is `label_column` (a header name or a 0-based index), else a column named label/labels/
class, else the one column that is not numeric; every other cell must be a finite number (one that is not is
reported by its line in the file, counted from 1 with the header line and blank lines, as a text editor shows it).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from ..errors import InvalidInputError
from ..limits import Limits

DELIMITERS = (",", "\t", ";")
SAMPLE_LINES, SAMPLE_CHARS = 5, 1 << 16
LABEL_NAMES = ("label", "labels", "class")


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def decode_text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"File '{name}' is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start:,}); save it as UTF-8."
        ) from None


def pick_delimiter(text: str) -> str | None:
    """The delimiter on every one of the first lines, preferring the same count on each, then the most numeric
    fields; None (runs of whitespace) when no delimiter is on every line."""
    sample = [line for line in text[:SAMPLE_CHARS].splitlines() if line.strip()][:SAMPLE_LINES]
    scores = {}
    for d in DELIMITERS:
        counts = [line.count(d) for line in sample]
        if sample and min(counts) > 0:
            numeric = sum(is_number(cell) for line in sample for cell in line.split(d))
            scores[d] = (len(set(counts)) == 1, numeric)
    return max(scores, key=scores.get) if scores else None


def rows(text: str, delimiter: str | None, name: str, limits: Limits):
    """(line number, fields) for each non-blank row, refusing more than `max_csv_rows` data rows."""
    if delimiter is None:
        numbered = ((i, line.split()) for i, line in enumerate(io.StringIO(text), 1))
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        numbered = ((reader.line_num, row) for row in reader)
    count = 0
    try:
        for line, fields in numbered:
            if fields and any(f.strip() for f in fields):
                count += 1
                limits.check("max_csv_rows", count - 1, f"File '{name}' holds at least {count - 1:,} rows of data")
                yield line, fields
    except csv.Error as exc:
        raise InvalidInputError(f"File '{name}' is not valid CSV near line {reader.line_num} ({exc}).") from None


def label_index(header: list[str] | None, first: list[str], label_column, name: str) -> int | None:
    """Which column holds labels (see the module docstring), or None."""
    if label_column is not None:
        if isinstance(label_column, str) and header and label_column in header:
            return header.index(label_column)
        if isinstance(label_column, int) and 0 <= label_column < len(first):
            return label_column
        raise InvalidInputError(
            f"File '{name}' has no column {label_column!r}; its columns are {header or list(range(len(first)))}."
        )
    if header:
        named = [i for i, h in enumerate(header) if h.strip().lower() in LABEL_NAMES]
        if named:
            return named[0]
    text = [i for i, cell in enumerate(first) if not is_number(cell)]
    if len(text) > 1:
        shown = ", ".join(repr(header[i]) if header else str(i) for i in text)
        raise InvalidInputError(
            f"File '{name}' has {len(text)} columns that are not numbers ({shown}); "
            "name the label column (label_column= in Python) and remove the others.",
            hint="label_column",
        )
    return text[0] if text else None


def read_table(path: Path, delimiter: str | None = None, label_column=None, limits: Limits | None = None):
    """(vectors float64 (N, d), label texts or None): see the module docstring for the rules."""
    name = path.name
    text = decode_text(path.read_bytes(), name)
    if delimiter is None:
        delimiter = pick_delimiter(text)
    it = rows(text, delimiter, name, limits)
    head = [next(it, None), next(it, None)]
    if head[0] is None:
        raise InvalidInputError(f"File '{name}' holds no rows of numbers.")
    width = len(head[0][1])
    has_header = (
        head[1] is not None
        and len(head[1][1]) == width
        and any(is_number(b) and not is_number(a) for a, b in zip(head[0][1], head[1][1], strict=True))
    )
    header = head[0][1] if has_header else None
    data_rows = ([] if has_header else head[:1]) + ([head[1]] if head[1] else [])
    labels_at = label_index(header, data_rows[0][1] if data_rows else head[0][1], label_column, name)
    dim = width - (labels_at is not None)
    limits.check("max_embedding_dim", dim, f"File '{name}' has vectors of {dim:,} values")
    vectors, labels, lines = [], [], []
    for line, fields in (r for part in (data_rows, it) for r in part):
        if len(fields) != width:
            raise InvalidInputError(
                f"File '{name}' is ragged: line {line} has {len(fields)} fields but line {head[0][0]} has {width}."
            )
        values = [f for i, f in enumerate(fields) if i != labels_at]
        try:
            vectors.append(np.array([float(f) for f in values]))
        except ValueError:
            column, bad = next((i, f) for i, f in enumerate(fields) if i != labels_at and not is_number(f))
            raise InvalidInputError(
                f"File '{name}', line {line}, column {column + 1}: {bad!r} is not a number."
            ) from None
        lines.append(line)
        if labels_at is not None:
            labels.append(fields[labels_at].strip())
    if not vectors or dim == 0:
        raise InvalidInputError(f"File '{name}' holds no columns of numbers.")
    matrix = np.stack(vectors)
    check_finite(matrix, lines, labels_at, name)
    return matrix, (labels if labels_at is not None else None)


def check_finite(matrix: np.ndarray, lines: list[int], labels_at: int | None, name: str) -> None:
    """Refuse NaN, infinite values and values too large for float32 in `matrix` (N, d), naming the first one's line
    in the file (`lines`: the file line of each row) and its column (1-based, the label column counted)."""
    with np.errstate(over="ignore", invalid="ignore"):
        bad = ~np.isfinite(matrix.astype(np.float32))
    if not bad.any():
        return
    row, value_column = np.argwhere(bad)[0]
    column = value_column + (labels_at is not None and labels_at <= value_column)
    raise InvalidInputError(
        f"File '{name}' holds {int(bad.sum()):,} NaN or infinite values (or values too large for float32), "
        f"the first on line {lines[row]}, column {column + 1} ({float(matrix[row, value_column]):g})."
    )
