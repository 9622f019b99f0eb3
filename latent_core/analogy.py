"""analogy: latent arithmetic a - b + c ("a is to b as ? is to c"), decoded.

As in White, "Sampling Generative Networks" (2016) and Latent Space Cartography (Liu et al. 2019): the offset
from b to a (an attribute vector when b and a differ in one property) is added to c. Each of a, b and c is a
code (d,), an image (H, W, C) or (H, W) uint8 (encoded to its posterior mean), or a class mean (`class_mean`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InvalidInputError

__all__ = ["Analogy", "analogy", "class_mean"]


@dataclass(frozen=True)
class Analogy:
    """inputs float32 (3, d): the codes of a, b and c; code float32 (d,): a - b + c; images uint8 (4, H, W, C):
    a, b and c decoded, then the result decoded."""

    inputs: np.ndarray
    code: np.ndarray
    images: np.ndarray

    @property
    def image(self) -> np.ndarray:
        """The result decoded, uint8 (H, W, C)."""
        return self.images[3]


def as_code(model, value, name: str) -> np.ndarray:
    """A code (d,) float32 from a code, or from an image of the model's shape (encoded: its posterior mean)."""
    array = np.asarray(value)
    if array.dtype == np.uint8 and array.ndim in (2, 3):
        if not model.can_encode:
            raise InvalidInputError(
                f"Model '{model.name}' has no encoder, so image {name} cannot be placed in its latent space; "
                "give codes instead."
            )
        return model.encode(array[None])[0]
    try:
        code = np.asarray(array, dtype=np.float32)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a latent code or a uint8 image.") from None
    if code.shape != (model.latent_dim,):
        raise InvalidInputError(
            f"{name} must be a code of {model.latent_dim} values or a uint8 image of shape {model.image_shape}, "
            f"not an array of shape {code.shape}."
        )
    if not np.isfinite(code).all():
        raise InvalidInputError(f"Code {name} contains NaN or infinite values.")
    return code


def analogy(model, a, b, c) -> Analogy:
    """The code a - b + c and its decoded image, with a, b and c decoded beside it (see Analogy).

    a, b, c: each a code float (d,) or a uint8 image (H, W, C) / (H, W) the model encodes.
    """
    inputs = np.stack([as_code(model, value, name) for value, name in ((a, "a"), (b, "b"), (c, "c"))])
    code = (inputs[0] - inputs[1] + inputs[2]).astype(np.float32)
    images = model.decode(np.concatenate([inputs, code[None]]))
    return Analogy(inputs=inputs, code=code, images=images)


def class_mean(model, dataset, label: int, max_images: int = 2000, seed: int = 0) -> np.ndarray:
    """The mean posterior mean (d,) float32 of a dataset's images of class `label` (at most `max_images` of them,
    drawn by `seed`, so large classes stay quick)."""
    if dataset.labels is None:
        raise InvalidInputError(f"Dataset '{dataset.name}' has no labels, so it has no class means.")
    members = np.flatnonzero(dataset.labels == int(label))
    if not len(members):
        raise InvalidInputError(f"Dataset '{dataset.name}' has no images of class {label}.")
    if len(members) > max_images:
        members = np.sort(np.random.default_rng(seed).choice(members, max_images, replace=False))
    if not model.can_encode:
        raise InvalidInputError(f"Model '{model.name}' has no encoder, so it has no class means.")
    return model.encode(dataset.images[members]).mean(axis=0).astype(np.float32)
