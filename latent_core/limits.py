"""Size limits for everything a user can hand in; each can be set through an environment variable."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class Limits:
    """Defaults are documented in README.md; LATENT_<FIELD in upper case> overrides each."""

    max_images: int = 200_000
    max_pixels_per_image: int = 1024 * 1024
    max_array_bytes: int = 2 * 1024**3
    max_file_bytes: int = 1024**3
    max_zip_entries: int = 250_000
    max_zip_total_bytes: int = 2 * 1024**3
    max_zip_ratio: int = 200
    max_csv_rows: int = 1_000_000
    max_embedding_dim: int = 4096
    min_images: int = 2

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(**{f.name: _env_int("LATENT_" + f.name.upper(), f.default) for f in fields(cls)})


LIMITS = Limits.from_env()
