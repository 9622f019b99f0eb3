"""Engine errors in the app's words: an InvalidInputError's hint becomes a pointer to this app's own controls.

The engine says what to change in terms any front end understands (latent_core.errors.HINTS);
only here is that turned into the name of a page and a widget.
"""

from __future__ import annotations

HINT_WORDS = {  # keyed by latent_core.errors.HINTS
    "embeddings": "On the Data page, choose 'Embeddings (vectors)' under 'The file holds' and upload it again.",
    "label_column": "Give its header name or number in the Data page's 'Label column' field.",
    "upload": "On the Data page, upload the files under 'Upload your own data'.",
}


def explain(exc: Exception) -> str:
    """The sentence to show for an engine error: its message, then what to do in this app when it has a hint."""
    words = HINT_WORDS.get(getattr(exc, "hint", None) or "")
    return f"{exc} {words}" if words else str(exc)
