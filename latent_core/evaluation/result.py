"""Evaluation: every figure `evaluate` measures, JSON-ready (metrics.json, the library's metrics column)."""

from __future__ import annotations

import math
from dataclasses import MISSING, asdict, dataclass, field, fields

from ..errors import InvalidInputError
from .likelihood import ACTIVE_KL_NATS

COLLAPSE_SPREAD = 0.1  # reconstructions whose spread is below 10% of the data's have collapsed
FORMAT_VERSION = 1


@dataclass
class Evaluation:
    """How good a model is on held-out images. Nats are per image; None where a figure does not apply.

    Which images: `split` is 'validation' (the held-out part of the model's own training data),
    'training' (its own data, which had no held-out part) or 'all' (other data); `n_images` of them.

    Density figures (None for a model without a density, with `density_note` saying why), under the model's
    pixel likelihood `likelihood` ('bernoulli', 'gaussian' or 'continuous_bernoulli'):
    elbo_nats: the ELBO, log p(x|z) - KL with one z drawn from q per image (a lower bound on log p(x),
    so negative), with its standard error over images elbo_se; elbo_recon_nats: its reconstruction
    part -log p(x|z); elbo_kl_nats: its KL part (the sum of kl_per_dim). iwae_nll_nats: the IWAE
    upper bound on -log p(x) with `k` samples, its standard error over images iwae_se, and the mean
    effective sample size of its importance weights iwae_ess (1 to k). kl_per_dim: mean KL of each
    latent dimension; active_units: dimensions whose KL exceeds 0.01 nats.

    recon_mse: per-pixel MSE in [0, 1] of the decoded posterior mean; mean_image_mse: the same for the
    mean image (the baseline to beat); recon_spread_ratio: the reconstructions' spread across images
    over the images' (root mean per-pixel variance), near 0 when every image decodes alike.
    `binarized`: targets were thresholded at 0.5 (the binarised-MNIST convention).

    For datasets with known factors (`factor_names`; `factor_notes` say which were left out and why):
    mig, dci_disentanglement, dci_completeness, dci_informativeness and sap (see disentanglement.py),
    and for the shapes dataset `readout` (see readout.ShapeReadout.to_dict) on reconstructions.
    """

    model_name: str
    dataset_name: str
    dataset_fingerprint: str
    split: str
    n_images: int
    binarized: bool
    seed: int
    k: int | None
    seconds: float
    recon_mse: float
    mean_image_mse: float
    recon_spread_ratio: float | None
    elbo_nats: float | None = None
    elbo_se: float | None = None
    elbo_recon_nats: float | None = None
    elbo_kl_nats: float | None = None
    iwae_nll_nats: float | None = None
    iwae_se: float | None = None
    iwae_ess: float | None = None
    density_note: str | None = None
    likelihood: str | None = None
    kl_per_dim: list[float] | None = None
    active_units: int | None = None
    factor_names: list[str] | None = None
    factor_notes: list[str] = field(default_factory=list)
    mig: float | None = None
    dci_disentanglement: float | None = None
    dci_completeness: float | None = None
    dci_informativeness: float | None = None
    sap: float | None = None
    readout: dict | None = None

    @property
    def inactive_dims(self) -> list[int] | None:
        """Latent dimensions that carry no information (KL at most 0.01 nats), or None without a density."""
        if self.kl_per_dim is None:
            return None
        return [i for i, value in enumerate(self.kl_per_dim) if not value > ACTIVE_KL_NATS]

    @property
    def collapsed(self) -> bool:
        """Whether reconstructions' spread across images is below 10% of the data's."""
        return self.recon_spread_ratio is not None and self.recon_spread_ratio < COLLAPSE_SPREAD

    def warnings(self) -> list[str]:
        """Sentences for a user: collapsed reconstructions, and most latent dimensions inactive."""
        found = []
        if self.collapsed:
            found.append(
                f"Reconstructions barely differ between images: their spread is {self.recon_spread_ratio:.0%} of "
                f"the data's (below {COLLAPSE_SPREAD:.0%}), so the model decodes nearly every image alike, close to "
                "the mean image. Train for more steps, lower β, use KL warm-up or free bits, or a larger latent size."
            )
        inactive = self.inactive_dims
        if inactive and len(inactive) > len(self.kl_per_dim) / 2:
            found.append(
                f"{len(inactive)} of {len(self.kl_per_dim)} latent dimensions carry no information "
                f"(KL at most {ACTIVE_KL_NATS} nats), so moving along them changes nothing. "
                "Use a smaller latent size or free bits; a lower β or longer training also helps."
            )
        return found

    def to_dict(self) -> dict:
        """A JSON-ready dict: numbers, text, lists and None (never NaN or infinity), with a format version and
        the `warnings()` sentences (for the model card; from_dict ignores them)."""
        return {"version": FORMAT_VERSION, **plain(asdict(self)), "warnings": self.warnings()}

    @classmethod
    def from_dict(cls, data: dict) -> Evaluation:
        """The Evaluation a `to_dict` made; unknown keys (from newer versions) are ignored."""
        if not isinstance(data, dict):
            raise InvalidInputError(f"Evaluation figures are a JSON object, not {type(data).__name__}.")
        known = {f.name for f in fields(cls)}
        missing = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
        missing = [name for name in missing if name not in data]
        if missing:
            raise InvalidInputError(f"Evaluation figures lack {', '.join(missing)}.")
        return cls(**{key: value for key, value in data.items() if key in known})


def plain(value):
    """NaN and infinities to None, tuples to lists, numpy scalars to Python numbers, recursively."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
