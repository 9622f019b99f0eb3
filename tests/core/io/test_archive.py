"""Zip archives read through SafeZip: a header that claims more than its entry holds, and a file that is not a zip."""

from __future__ import annotations

import struct

import pytest

import latent_core
from latent_core import InvalidInputError
from tests.builders import image_bytes, noise, write_zip


def test_header_that_claims_more_than_the_entry_holds(tmp_path):
    path = write_zip(tmp_path / "a.zip", {"a.png": image_bytes(noise((8, 8))), "b.png": image_bytes(noise((8, 8)))})
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, at + 24, struct.unpack_from("<I", data, at + 24)[0] + 1000)
    path.write_bytes(bytes(data))
    with pytest.raises(
        InvalidInputError, match=r"Archive 'a\.zip': entry 'b\.png' (holds fewer bytes than|could not be read)"
    ):
        latent_core.load_dataset(path)


def test_not_a_zip_at_all(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(InvalidInputError, match=r"Archive 'broken\.zip' could not be opened as a zip file"):
        latent_core.load_dataset(path)
