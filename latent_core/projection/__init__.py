"""Latent maps: fit a 2-D/3-D projection of latent codes, map points both ways, cache fitted maps."""

from .cache import ProjectionCache
from .config import DIMS, METHODS, ProjectionConfig
from .fit import fit_projection
from .progress import ProjectionCancelled
from .projection import Projection
from .validation import check_codes

__all__ = [
    "DIMS",
    "METHODS",
    "Projection",
    "ProjectionCache",
    "ProjectionCancelled",
    "ProjectionConfig",
    "check_codes",
    "fit_projection",
]
