"""ImageDataset: the uint8 image container every model, projection and page works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .errors import InvalidInputError
from .io.fingerprint import fingerprint

MIN_SIDE, MAX_SIDE = 8, 128


@dataclass(eq=False)
class ImageDataset:
    """Images with optional labels and generative factors.

    images: uint8 (N, H, W, C), C in {1, 3}; labels: int64 (N,) or None;
    label_names: names indexed by label value; factors: name -> array (N,).
    """

    images: np.ndarray
    labels: np.ndarray | None = None
    label_names: list[str] | None = None
    factors: dict[str, np.ndarray] = field(default_factory=dict)
    name: str = "dataset"

    def __post_init__(self):
        images = np.asarray(self.images)
        if images.dtype != np.uint8:
            raise InvalidInputError(
                f"Images for '{self.name}' must be uint8, not {images.dtype}; "
                "use ImageDataset.from_array to convert floats."
            )
        if images.ndim == 3:
            images = images[..., None]
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise InvalidInputError(
                f"Images for '{self.name}' must have shape (N, H, W, C) with 1 or 3 channels, not {images.shape}."
            )
        if len(images) == 0:
            raise InvalidInputError(f"Dataset '{self.name}' holds no images.")
        self.images = np.ascontiguousarray(images)
        n = len(images)
        if self.labels is not None:
            labels = np.asarray(self.labels)
            if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
                raise InvalidInputError(
                    f"Labels for '{self.name}' must be {n} integers, one per image, "
                    f"not an array of shape {labels.shape} and type {labels.dtype}."
                )
            self.labels = labels.astype(np.int64)
            if self.label_names is not None and (labels.min() < 0 or labels.max() >= len(self.label_names)):
                raise InvalidInputError(
                    f"Labels for '{self.name}' run from {labels.min()} to {labels.max()} "
                    f"but only {len(self.label_names)} label names were given."
                )
        for key, values in self.factors.items():
            if len(values) != n:
                raise InvalidInputError(f"Factor '{key}' of '{self.name}' has {len(values)} values for {n} images.")

    @classmethod
    def from_array(cls, array, **kwargs) -> ImageDataset:
        """Build from uint8, or float in [0, 1] or [0, 255]; rejects NaN/Inf with the first bad index."""
        name = kwargs.get("name", "dataset")
        array = np.asarray(array)
        if array.dtype == np.uint8:
            return cls(array, **kwargs)
        if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
            raise InvalidInputError(f"Images for '{name}' must be numbers, not {array.dtype}.")
        finite = np.isfinite(array)
        if not finite.all():
            bad = np.flatnonzero(~finite.reshape(len(array), -1).all(axis=1))
            raise InvalidInputError(
                f"Images for '{name}' contain {int((~finite).sum())} NaN or infinite values "
                f"(first in image {int(bad[0])})."
            )
        low, high = float(array.min()), float(array.max())
        if low < 0 or high > 255:
            raise InvalidInputError(
                f"Images for '{name}' have values from {low:g} to {high:g}; expected the range [0, 1] or [0, 255]."
            )
        scale = 255.0 if (np.issubdtype(array.dtype, np.floating) and high <= 1.0) else 1.0
        return cls(np.rint(array * scale).astype(np.uint8), **kwargs)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(H, W, C)."""
        return tuple(self.images.shape[1:])

    @cached_property
    def fingerprint(self) -> str:
        """Content hash of images and labels: equal data gives an equal fingerprint in any process."""
        labels = () if self.labels is None else (self.labels,)
        return fingerprint(repr(self.images.shape), self.images, *labels)

    def subset(self, indices) -> ImageDataset:
        """A new dataset of the given rows, keeping names and factors."""
        indices = np.asarray(indices)
        return ImageDataset(
            self.images[indices],
            None if self.labels is None else self.labels[indices],
            self.label_names,
            {k: np.asarray(v)[indices] for k, v in self.factors.items()},
            self.name,
        )

    def label_text(self, index: int) -> str:
        """Human name of one image's label, or '' when unlabelled."""
        if self.labels is None:
            return ""
        value = int(self.labels[index])
        return self.label_names[value] if self.label_names else str(value)


def check_image_size(shape, name: str) -> None:
    """Models accept 8-128 px sides; say so in words when an image is outside that."""
    h, w = shape[:2]
    if not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE):
        raise InvalidInputError(
            f"Images of '{name}' are {h}x{w} pixels; "
            f"models take sides from {MIN_SIDE} to {MAX_SIDE} pixels, so resize them first."
        )
