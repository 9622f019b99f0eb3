"""fingerprint: the one content hash of latent_core and the app (datasets, codes, cache keys, checkpoints)."""

from __future__ import annotations

import hashlib

import numpy as np


def fingerprint(*parts) -> str:
    """32 hex digits of blake2b-128 over the parts in order: equal content gives an equal fingerprint in any process.

    bytes-like parts are hashed as they are, arrays as their C-order bytes (add repr(shape) as a
    part where the shape matters), strings as UTF-8, anything else (None, numbers, tuples) by its repr.
    """
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, np.ndarray):
            part = np.ascontiguousarray(part).tobytes()
        elif isinstance(part, str):
            part = part.encode()
        elif not isinstance(part, (bytes, bytearray, memoryview)):
            part = repr(part).encode()
        digest.update(part)
    return digest.hexdigest()
