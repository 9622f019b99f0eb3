"""Size limits for everything a user can hand in; each can be set through an environment variable."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields

from .errors import InvalidInputError

TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def size_text(nbytes: int) -> str:
    """'812 bytes' or '12.5 MB': sizes in messages."""
    return f"{nbytes:,} bytes" if nbytes < 2**20 else f"{nbytes / 2**20:,.1f} MB"


def env_name(field: str) -> str:
    return "LATENT_" + field.upper()


def _parse(field: str, default, text: str):
    """One environment value as the field's type; a bad value stops start-up with a clear message."""
    value = text.strip().lower()
    if isinstance(default, bool):
        if value in TRUE + FALSE:
            return value in TRUE
        raise InvalidInputError(f"Environment variable {env_name(field)}={text!r} must be 1 or 0.")
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise InvalidInputError(f"Environment variable {env_name(field)}={text!r} must be a positive whole number.")
    return number


@dataclass(frozen=True)
class Limits:
    """Defaults are documented in README.md; LATENT_<FIELD in upper case> overrides each.

    Every loader takes `limits=` (default: LIMITS, read from the environment at import),
    and every refusal names the variable that raises the limit.
    """

    max_images: int = 200_000
    min_images: int = 2
    max_pixels_per_image: int = 1024 * 1024
    max_array_bytes: int = 2 * 1024**3
    max_file_bytes: int = 1024**3
    max_zip_entries: int = 250_000
    max_zip_total_bytes: int = 2 * 1024**3
    max_zip_ratio: int = 200
    max_csv_rows: int = 1_000_000
    max_embedding_dim: int = 4096
    allow_torchscript: bool = False

    @classmethod
    def from_env(cls) -> "Limits":
        values = {}
        for f in fields(cls):
            text = os.environ.get(env_name(f.name))
            values[f.name] = f.default if text is None else _parse(f.name, f.default, text)
        return cls(**values)

    def check(self, field: str, value: int, text: str) -> None:
        """Raise InvalidInputError '<text>, over the limit of <limit> (<env var>).' when value > limit."""
        limit = getattr(self, field)
        if value > limit:
            shown = size_text(limit) if field.endswith("_bytes") else f"{limit:,}"
            raise InvalidInputError(f"{text}, over the limit of {shown} (set {env_name(field)} to change it).")


LIMITS = Limits.from_env()
