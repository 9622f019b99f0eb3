"""LoadReport: what a loader decided and what it passed over, for the app and the CLI to show."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInputError
from ..limits import Limits

SHOWN_SKIPS = 5


@dataclass
class LoadReport:
    """source: the file or name read; kind: 'built-in', 'idx', 'images', 'arrays' or 'embeddings';
    notes: decisions in words (value range, resizing, channels); skipped: (entry, reason) pairs."""

    source: str
    kind: str
    notes: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def skipped_text(self) -> str:
        """'3 files skipped: a.txt (is text), ...' or '' when nothing was skipped."""
        if not self.skipped:
            return ""
        shown = "; ".join(f"{name} ({reason})" for name, reason in self.skipped[:SHOWN_SKIPS])
        more = f"; and {len(self.skipped) - SHOWN_SKIPS:,} more" if len(self.skipped) > SHOWN_SKIPS else ""
        return f"{len(self.skipped):,} file(s) skipped: {shown}{more}"

    def summary(self) -> str:
        """One paragraph for the user: how the data was read, then what was skipped."""
        parts = [f"Read '{self.source}' as {self.kind}"] + self.notes + ([self.skipped_text()] if self.skipped else [])
        return "; ".join(parts) + "."


def check_count(count: int, report: LoadReport, limits: Limits) -> None:
    """Refuse fewer than `min_images` or more than `max_images` images, saying what was skipped."""
    limits.check("max_images", count, f"'{report.source}' holds {count:,} images")
    if count < limits.min_images:
        skipped = f" ({report.skipped_text()})" if report.skipped else ""
        raise InvalidInputError(
            f"'{report.source}' holds {count:,} usable image(s){skipped}; at least {limits.min_images:,} are needed "
            f"(set LATENT_MIN_IMAGES to change it)."
        )
