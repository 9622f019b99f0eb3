"""round_trip: decode map points (or codes), re-encode the decoded images, and say where they land.

A model whose encoder inverts its decoder sends every decoded image back to the code it came from; where the
re-encoded code lands far away, the decoder makes images the encoder reads as something else (often in empty
parts of the map, or in a collapsed region). The distances are measured in the latent space (Euclidean, in
code units) and on the map (in map units), so the map can draw an arrow from the start to where it lands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InvalidInputError
from .projection.validation import check_codes, check_points

__all__ = ["RoundTrip", "round_trip"]


@dataclass(frozen=True)
class RoundTrip:
    """Where m decoded images land when encoded again.

    start_codes float32 (m, d) and start_positions float32 (m, dims): the codes decoded and their map positions
    (the given points themselves when map points were given); images uint8 (m, H, W, C): the decoded images;
    codes float32 (m, d): their posterior means; positions float32 (m, dims): those codes on the map;
    latent_distance float32 (m,): |codes - start_codes|; map_distance float32 (m,): |positions - start_positions|.
    """

    start_codes: np.ndarray
    start_positions: np.ndarray
    images: np.ndarray
    codes: np.ndarray
    positions: np.ndarray
    latent_distance: np.ndarray
    map_distance: np.ndarray

    def describe(self, index: int = 0) -> str:
        """One sentence about point `index`, for a panel beside the map."""
        latent, moved = float(self.latent_distance[index]), float(self.map_distance[index])
        return (
            f"Decoded and encoded again, this point lands {latent:.3g} away in the latent space "
            f"and {moved:.3g} away on the map."
        )


def round_trip(model, projection, points=None, *, codes=None) -> RoundTrip:
    """Decode `points` (map positions float (m, dims), or one (dims,)) or `codes` (float (m, d), or one (d,)),
    encode the decoded images again (posterior mean) and place those codes on the map with projection.transform.

    Give exactly one of points and codes. Map points become codes through projection.inverse (exact for PCA).
    Raises InvalidInputError for a model without an encoder, a projection of other codes, or wrong shapes.
    """
    if not getattr(model, "can_encode", False):
        name = getattr(model, "name", type(model).__name__)
        raise InvalidInputError(
            f"Model '{name}' has no encoder, so its decoded images cannot be encoded again for a round trip."
        )
    width = projection.codes.shape[1]
    if width != model.latent_dim:
        raise InvalidInputError(
            f"The map was made of codes with {width} values each, but this model's codes have {model.latent_dim}; "
            "make the map with this model first."
        )
    if (points is None) == (codes is None):
        raise InvalidInputError("A round trip starts from map points or from codes: give exactly one of them.")
    if points is not None:
        start_positions = check_points(points, projection.dims).astype(np.float32)
        start_codes = np.asarray(projection.inverse(start_positions), dtype=np.float32)
    else:
        start_codes = check_codes(np.atleast_2d(codes), "codes to decode")
        if start_codes.shape[1] != model.latent_dim:
            raise InvalidInputError(
                f"Codes for this model need {model.latent_dim} values each, not {start_codes.shape[1]}."
            )
        start_positions = projection.transform(start_codes)
    images = model.decode(start_codes)
    landed = model.encode(images)
    positions = projection.transform(landed)
    return RoundTrip(
        start_codes=start_codes,
        start_positions=start_positions,
        images=images,
        codes=landed,
        positions=positions,
        latent_distance=np.linalg.norm(landed - start_codes, axis=1).astype(np.float32),
        map_distance=np.linalg.norm(positions - start_positions, axis=1).astype(np.float32),
    )
