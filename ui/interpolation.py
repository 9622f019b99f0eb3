"""Interpolation paths through waypoints: the codes along the path, decoded strips, PNG and GIF exports."""

from __future__ import annotations

import numpy as np

from latent_core.imaging import gif_bytes, png_bytes, upscale_for_display
from latent_core.traversal import interpolate_path

from .images import strip

MODES = {"linear": "Linear", "slerp": "Spherical (slerp)"}


def path_codes(waypoints: np.ndarray, steps: int, mode: str) -> np.ndarray:
    """Codes from the first waypoint to the last, `steps` per segment, each waypoint once."""
    return interpolate_path(np.asarray(waypoints, dtype=np.float32), steps, mode)


def exports(frames: np.ndarray) -> tuple[bytes, bytes]:
    """(PNG strip, looping GIF) of decoded frames, enlarged so small images stay visible."""
    scale = upscale_for_display(frames.shape[1])
    return png_bytes(strip(frames), scale), gif_bytes(frames, scale)
