"""Upload folders: files land only in the session folder, under safe names, and go away with the session."""
from __future__ import annotations

import io

import pytest

import latent_core
from latent_core import InvalidInputError, Limits, save_upload
from latent_core.uploads import safe_name
from test_uploads_corpus import image_bytes, noise, snapshot, write_zip
from ui.session_files import SessionFolder


@pytest.mark.parametrize("name, safe", [
    ("digits.zip", "digits.zip"), ("../../etc/passwd", "passwd"), ("C:\\Users\\me\\evil.png", "evil.png"), ("..", "upload"),
    (".bashrc", "bashrc"), ("my photo (1).JPG", "my_photo_1_.JPG"), ("", "upload"), ("a/b/", "upload"), ("x" * 300 + ".npz", "x" * 80 + ".npz"),
    ("caf\u00e9.csv", "caf_.csv"), ("archive.tar.gz", "archive.tar.gz"),
])
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
    with pytest.raises(InvalidInputError, match=r"Upload 'big\.bin' is at least 5,000 bytes, over the limit of 4,096 bytes \(set LATENT_MAX_FILE_BYTES"):
        save_upload("big.bin", io.BytesIO(b"x" * 5000), tmp_path, Limits(max_file_bytes=4096))
    assert list(tmp_path.iterdir()) == []


def test_session_folder_round_trip_and_cleanup(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_EXPLORER_UPLOADS", str(tmp_path / "uploads"))
    zipped = write_zip(tmp_path / "pets.zip", {f"{i}.png": image_bytes(noise((8, 8), i)) for i in range(3)})
    with SessionFolder() as session:
        assert session.path.parent == tmp_path / "uploads"
        assert (session.uploads.parent, session.models.parent) == (session.path, session.path)
        saved = session.save("../pets.zip", io.BytesIO(zipped.read_bytes()))
        assert saved.parent == session.uploads
        assert latent_core.load_dataset(saved).images.shape == (3, 8, 8, 1)
    assert not session.path.exists() and (tmp_path / "uploads").exists()
    other = SessionFolder(tmp_path / "elsewhere")
    other.cleanup()
    other.cleanup()
    assert not other.path.exists()
