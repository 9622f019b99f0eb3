"""Words on the page: engine errors in the app's words, and outside text (from a URL or a file name) made plain.

The engine says what to change in terms any front end understands (latent_core.errors.HINTS);
only here is that turned into the name of a page and a widget.

Streamlit renders the text of st.error/warning/info/success, st.markdown and st.caption as Markdown. Anything a
link, a file name or a file's content may have put into such text goes through `plain` (or `visible` and then
`escape`, when a value is put into a longer sentence): control and direction-changing characters are replaced,
the length is bounded, and every character that could start Markdown, a Streamlit directive, a bare link or maths
is escaped, so the text is shown as typed and never as a link, an image or markup.
"""

from __future__ import annotations

import re
import unicodedata

HINT_WORDS = {  # keyed by latent_core.errors.HINTS
    "embeddings": "On the Data page, choose 'Embeddings (vectors)' under 'The file holds' and upload it again.",
    "label_column": "Give its header name or number in the Data page's 'Label column' field.",
    "upload": "On the Data page, upload the files under 'Upload your own data'.",
}

VALUE_LIMIT = 80  # a value from outside (a file name, a URL's value), in characters
LABEL_LIMIT = 100  # a dataset's or model's label: a name of at most 80 characters and a short suffix
MESSAGE_LIMIT = 600  # a whole message or report
ELLIPSIS = "…"
SHOWN_FOR_HIDDEN = "\ufffd"  # '�' where a direction or invisible formatting character was
MARKUP = re.compile(
    r"[\\`*\[\]<>$~|]"  # emphasis, links and images, code, HTML and autolinks, maths, strike-through, tables
    r"|(?<![^\W_])_|_(?![^\W_])"  # '_' that could start or end emphasis: not one inside a word (LATENT_MAX_...)
    r"|:(?=\S)"  # Streamlit's :colour[...], :material/icon: and :emoji: directives, and scheme:// of bare links
    r"|(?<=www)\.|@"  # www. and e-mail bare links
)


def explain(exc: Exception) -> str:
    """The sentence to show for an engine error: its message, then what to do in this app when it has a hint."""
    words = HINT_WORDS.get(getattr(exc, "hint", None) or "")
    return f"{exc} {words}" if words else str(exc)


def visible(text, limit: int = VALUE_LIMIT) -> str:
    """`text` as one line a person can read: control characters (C0, C1, line breaks) become spaces, direction
    overrides and other invisible formatting characters (U+202E, U+2066-2069, zero-width ones) become '�', and
    text longer than `limit` characters is cut with '…'. Markdown is left as it is (see `escape`)."""
    shown = []
    for char in str(text):
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            shown.append(" ")
        elif category in ("Cf", "Cs", "Co"):
            shown.append(SHOWN_FOR_HIDDEN)
        else:
            shown.append(char)
    line = "".join(shown)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + ELLIPSIS


def escape(text: str) -> str:
    """`text` with a backslash before every character that could make Markdown of it (links, images, emphasis,
    code, HTML, maths, Streamlit directives, bare URLs and e-mail addresses); it renders as typed."""
    return MARKUP.sub(lambda match: "\\" + match.group(0), text)


def plain(text, limit: int = VALUE_LIMIT) -> str:
    """Outside text ready for any Streamlit element that renders Markdown: `visible`, then `escape`."""
    return escape(visible(text, limit))


def fetch_first(name: str, current: str) -> str:
    """Why the built-in dataset `name`, which must be downloaded, was not made active when a link or a saved view
    named it; `current`: the label of the dataset that stays active."""
    return (
        f"The '{name}' dataset is not on this server yet and is only downloaded when you ask: choose it on the Data "
        f"page and press 'Download'. '{current}' stays active."
    )
