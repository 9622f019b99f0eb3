"""save_upload: files land only in the folder they are given, under safe names, and never over the size limit."""

from __future__ import annotations

import io

import pytest

from latent_core import InvalidInputError, Limits, save_upload
from latent_core.uploads import safe_name
from tests.builders import snapshot


@pytest.mark.parametrize(
    "name, safe",
    [
        ("digits.zip", "digits.zip"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\evil.png", "evil.png"),
        ("..", "upload"),
        (".bashrc", "bashrc"),
        ("my photo (1).JPG", "my_photo_1_.JPG"),
        ("", "upload"),
        ("a/b/", "upload"),
        ("x" * 300 + ".npz", "x" * 80 + ".npz"),
        ("caf\u00e9.csv", "caf_.csv"),
        ("archive.tar.gz", "archive.tar.gz"),
    ],
)
def test_names_are_sanitised(name, safe):
    assert safe_name(name) == safe


def test_uploads_never_leave_the_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "session"
    folder.mkdir()
    before = snapshot(outside)
    for name in ("../outside/evil.png", "/tmp/evil.png", "..\\..\\evil.png", "evil.png"):
        path = save_upload(name, b"data", folder)
        assert path.parent == folder.resolve() and path.read_bytes() == b"data"
    assert sorted(p.name for p in folder.iterdir()) == ["evil-1.png", "evil-2.png", "evil-3.png", "evil.png"]
    assert snapshot(outside) == before


def test_an_existing_link_is_never_followed(tmp_path):
    folder = tmp_path / "session"
    folder.mkdir()
    target = tmp_path / "target.txt"
    (folder / "a.png").symlink_to(target)
    path = save_upload("a.png", b"data", folder)
    assert path.name == "a-1.png" and not target.exists()


def test_uploads_over_the_size_limit_leave_nothing_behind(tmp_path):
    with pytest.raises(
        InvalidInputError,
        match=r"Upload 'big\.bin' is at least 5,000 bytes, over the limit of 4,096 bytes \(set LATENT_MAX_FILE_BYTES",
    ):
        save_upload("big.bin", io.BytesIO(b"x" * 5000), tmp_path, Limits(max_file_bytes=4096))
    assert list(tmp_path.iterdir()) == []
