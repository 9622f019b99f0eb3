"""The zip end record read with struct: counts, comments, zip64, and the entry bound before the directory is parsed."""

from __future__ import annotations

import io
import zipfile

import pytest

from latent_core import InvalidInputError, Limits
from latent_core.io import SafeZip
from latent_core.io.zipend import END, END_SIGNATURE, read_end_record


def zip_bytes(count: int, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(count):
            archive.writestr(f"f{i}.txt", b"x")
        archive.comment = comment
    return buffer.getvalue()


def claiming(data: bytes, entries: int) -> bytes:
    """The same archive whose end record claims `entries` entries (on this disk and in all)."""
    data = bytearray(data)
    at = data.rfind(END_SIGNATURE)
    data[at + 8 : at + 12] = entries.to_bytes(2, "little") * 2
    return bytes(data)


def test_counts_and_directory_are_read_from_the_end_record():
    data = zip_bytes(3)
    record = read_end_record(io.BytesIO(data))
    assert record.entries == 3 and not record.zip64 and record.comment == b""
    assert data[record.directory_offset : record.directory_offset + 4] == b"PK\x01\x02"  # a central directory header
    assert record.directory_offset + record.directory_size + END.size == len(data)


@pytest.mark.parametrize("comment", [b"made by hand", b"PK\x01\x02 and PK\x06\x07 look-alikes\0\xff", b"c" * 65_535])
def test_a_trailing_comment_is_skipped_to_find_the_record(comment, tmp_path):
    data = zip_bytes(2, comment)
    record = read_end_record(io.BytesIO(data))
    assert record.entries == 2 and record.comment == comment
    path = tmp_path / "commented.zip"
    path.write_bytes(data)
    with SafeZip(path, Limits(max_zip_entries=2)) as archive:
        assert [e.name for e in archive.entries] == ["f0.txt", "f1.txt"]
        assert archive.entries[1].read() == b"x"


def test_a_signature_inside_the_comment_is_read_as_zipfile_reads_it(tmp_path):
    """zipfile takes the last signature with a whole record after it, so both see the same (forged) record."""
    data = zip_bytes(2, b"PK\x05\x06" + b"\xff" * 30)
    assert read_end_record(io.BytesIO(data)).entries == 0xFFFF
    path = tmp_path / "forged.zip"
    path.write_bytes(data)
    with pytest.raises(InvalidInputError, match=r"Archive 'forged\.zip' declares 65,535 entries, over the limit of 10"):
        SafeZip(path, Limits(max_zip_entries=10))


def test_zip64_counts_come_from_the_zip64_record():
    data = zip_bytes(0x10000 + 5)  # over 65,535 entries, so zipfile writes a zip64 record and locator
    record = read_end_record(io.BytesIO(data))
    assert record.zip64 and record.entries == 65_541


@pytest.mark.parametrize("data", [b"", b"PK\x05\x06", b"plain text, not a zip" * 5, b"\0" * 100])
def test_no_end_record_is_none(data):
    assert read_end_record(io.BytesIO(data)) is None


def test_an_end_record_claiming_too_many_entries_is_refused_before_the_directory_is_read(tmp_path, monkeypatch):
    path = tmp_path / "liar.zip"
    path.write_bytes(claiming(zip_bytes(2), 60_000))
    monkeypatch.setattr(zipfile, "ZipFile", lambda *a, **k: pytest.fail("the directory was parsed"))
    with pytest.raises(
        InvalidInputError,
        match=r"Archive 'liar\.zip' declares 60,000 entries, over the limit of 1,000 "
        r"\(set LATENT_MAX_ZIP_ENTRIES to change it\)\.",
    ):
        SafeZip(path, Limits(max_zip_entries=1_000))


def test_an_end_record_claiming_too_few_entries_is_caught_after_the_directory_is_read(tmp_path):
    path = tmp_path / "liar.zip"
    path.write_bytes(claiming(zip_bytes(5), 1))
    with pytest.raises(InvalidInputError, match=r"Archive 'liar\.zip' holds 5 entries, over the limit of 3"):
        SafeZip(path, Limits(max_zip_entries=3))


def test_a_file_without_an_end_record_is_not_a_zip(tmp_path):
    path = tmp_path / "fake.zip"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 64)
    with pytest.raises(InvalidInputError, match=r"Archive 'fake\.zip' could not be opened as a zip file"):
        SafeZip(path)
