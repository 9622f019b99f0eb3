"""What a file is, judged by its first bytes; and whether its name claims something else."""

from __future__ import annotations

from pathlib import PurePath

from ..errors import InvalidInputError

HEAD_BYTES = 16
ZIP_HEADER = b"PK\x03\x04"  # a zip's first local file header; an empty zip starts with its end record instead
IMAGE_KINDS = ("png", "jpeg", "gif", "bmp", "webp")
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"\x93NUMPY", "npy"),
    (ZIP_HEADER, "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\x1f\x8b", "gzip"),
)
# What each file-name extension promises; a name with another extension is not checked.
EXTENSION_KINDS = {
    **{ext: IMAGE_KINDS for ext in (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")},
    ".npy": ("npy",),
    ".npz": ("zip",),
    ".zip": ("zip",),
    ".gz": ("gzip",),
    ".csv": ("text",),
    ".tsv": ("text",),
    ".txt": ("text",),
}
DESCRIPTIONS = {
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "bmp": "a BMP image",
    "webp": "a WebP image",
    "npy": "a NumPy array",
    "zip": "a zip archive",
    "gzip": "gzip-compressed data",
    "idx": "an IDX array",
    "pickle": "a Python pickle",
    "text": "text",
    "empty": "empty",
    "unknown": "of an unknown type",
}


def sniff(head: bytes) -> str:
    """The kind of data that starts with `head` (at least HEAD_BYTES bytes when the file has them)."""
    if not head:
        return "empty"
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if len(head) >= 4 and head[:3] == b"\x00\x00\x08" and 1 <= head[3] <= 3:
        return "idx"
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:
        return "pickle"
    if is_text(head):
        return "text"
    return "unknown"


def is_text(head: bytes) -> bool:
    """UTF-8 without NUL bytes; a multi-byte character cut off at the end of `head` still counts."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


def sniff_file(path) -> str:
    with open(path, "rb") as f:
        return sniff(f.read(HEAD_BYTES))


def describe(kind: str) -> str:
    return DESCRIPTIONS[kind]


def mismatch(name: str, kind: str) -> str | None:
    """Why the name's extension contradicts the content, or None when it does not."""
    promised = EXTENSION_KINDS.get(PurePath(name).suffix.lower())
    if promised is None or kind in promised:
        return None
    return f"is named '{PurePath(name).suffix}' but its content is {describe(kind)}"


def check_name(name: str, kind: str) -> None:
    """Refuse an empty file, and one whose extension promises another kind of content than its first bytes show."""
    if kind == "empty":
        raise InvalidInputError(f"File '{PurePath(name).name}' is empty.")
    reason = mismatch(name, kind)
    if reason:
        raise InvalidInputError(
            f"Refused '{PurePath(name).name}': it {reason}; rename it or give the file its name promises."
        )
