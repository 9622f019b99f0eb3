"""The one error class the app shows to users."""

from __future__ import annotations

HINTS = (
    "embeddings",
    "label_column",
    "upload",
)  # what an error may point a user to; a UI words each for its own controls


class InvalidInputError(ValueError):
    """Bad input from a user: the message is one sentence that names the input and what to change.

    `hint` is None or one of HINTS: the input a user can change to get past the error, named
    for any front end ("embeddings": read the file as embeddings; "label_column": name the
    label column; "upload": hand in the files yourself). The engine never names a page or a
    widget; the app turns the hint into its own words.
    """

    def __init__(self, message: str, hint: str | None = None):
        if hint is not None and hint not in HINTS:
            raise ValueError(f"Unknown hint {hint!r}; known hints are {', '.join(HINTS)}.")
        super().__init__(message)
        self.hint = hint
