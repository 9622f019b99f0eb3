"""The one content hash: equal content gives equal fingerprints, any change gives another, and known values stay."""

from __future__ import annotations

import numpy as np

import latent_core
from latent_core.io.fingerprint import fingerprint


def test_equal_content_equal_fingerprint_and_every_part_counts():
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert fingerprint(a, "x", 3) == fingerprint(a.copy(), "x", 3) == fingerprint(np.asfortranarray(a), "x", 3)
    assert (
        len({fingerprint(a, "x", 3), fingerprint(a, "x", 4), fingerprint(a, "y", 3), fingerprint(a + 1, "x", 3)}) == 4
    )
    assert fingerprint(b"abc") == fingerprint("abc") != fingerprint(None)


def test_dataset_fingerprints_stay_as_recorded_in_the_shipped_model_cards(digits):
    recorded = latent_core.load_model("digits").config["dataset"]["fingerprint"]
    assert digits.fingerprint == recorded == "2e5250b18b51bbb280329825f1cb5166"
