"""Size limits for everything a user can hand in; each is set by an environment variable (see settings.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import InvalidInputError


def size_text(nbytes: int) -> str:
    """'812 bytes' or '12.5 MB': sizes in messages."""
    return f"{nbytes:,} bytes" if nbytes < 2**20 else f"{nbytes / 2**20:,.1f} MB"


def env_name(field_name: str) -> str:
    """The environment variable of a limit: LATENT_<FIELD in upper case>."""
    return "LATENT_" + field_name.upper()


def limit(default, meaning: str):
    """A Limits field; `meaning` is what README.md's settings table says about it."""
    return field(default=default, metadata={"meaning": meaning})


@dataclass(frozen=True)
class Limits:
    """What a loader accepts at most. Every loader takes `limits=` (default: the environment's,
    `latent_core.settings.settings().limits`), and every refusal names the variable that raises the limit."""

    max_images: int = limit(200_000, "images in a dataset")
    min_images: int = limit(2, "images a dataset needs at least")
    max_pixels_per_image: int = limit(
        1024 * 1024, "pixels per image (1024 × 1024); Pillow's decompression-bomb warning is an error"
    )
    max_array_bytes: int = limit(2 * 1024**3, "bytes of array data (2 GiB)")
    max_file_bytes: int = limit(1024**3, "bytes per file (1 GiB)")
    max_zip_entries: int = limit(250_000, "entries in a zip")
    max_zip_total_bytes: int = limit(2 * 1024**3, "bytes a zip unpacks to in all (2 GiB)")
    max_zip_ratio: int = limit(200, "compression ratio of one zip entry")
    max_csv_rows: int = limit(1_000_000, "rows of a CSV/TSV table")
    max_embedding_dim: int = limit(4096, "values per embedding vector")
    allow_torchscript: bool = limit(
        False, "1 accepts TorchScript models (executable code); they are refused by default"
    )

    def check(self, field_name: str, value: int, text: str) -> None:
        """Raise InvalidInputError '<text>, over the limit of <limit> (<env var>).' when value > limit."""
        limit_value = getattr(self, field_name)
        if value > limit_value:
            shown = size_text(limit_value) if field_name.endswith("_bytes") else f"{limit_value:,}"
            raise InvalidInputError(f"{text}, over the limit of {shown} (set {env_name(field_name)} to change it).")
