"""Label arrays from files (integers or text) as int64 codes plus optional names."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidInputError


def sort_key(text: str):
    """Numbers in numeric order first ('2' before '10'), then other text in alphabetical order."""
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    return (0, number, text) if np.isfinite(number) else (1, 0.0, text)


def encode_labels(values, count: int, source: str) -> tuple[np.ndarray, list[str] | None]:
    """(codes, names): non-negative integers stay as they are with no names; text becomes codes into sorted names."""
    values = np.asarray(values)
    if values.shape != (count,):
        raise InvalidInputError(
            f"Labels in '{source}' have shape {values.shape}; expected one per item, shape ({count},)."
        )
    if values.dtype.kind in "biu" or (
        values.dtype.kind == "f" and np.isfinite(values).all() and (values == np.round(values)).all()
    ):
        codes = values.astype(np.int64)
        if count and codes.min() < 0:
            raise InvalidInputError(f"Labels in '{source}' include {codes.min()}; integer labels must be 0 or more.")
        return codes, None
    if values.dtype.kind not in "US":
        raise InvalidInputError(f"Labels in '{source}' are of type {values.dtype}; give whole numbers or text.")
    return codes_from_texts([v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values.tolist()])


def codes_from_texts(texts: list[str]) -> tuple[np.ndarray, list[str]]:
    """Each text's index into the sorted distinct texts, and those texts."""
    names = sorted(set(texts), key=sort_key)
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[t] for t in texts], dtype=np.int64), names
