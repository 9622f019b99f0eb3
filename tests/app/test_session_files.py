"""The session folder (ui.session_files.SessionFolder): uploads in transit in one folder under the upload root,
removed with the session."""

from __future__ import annotations

import io

import latent_core
from tests.builders import image_bytes, noise, write_zip
from ui.session_files import SessionFolder


def test_session_folder_round_trip_and_cleanup(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_EXPLORER_UPLOADS", str(tmp_path / "uploads"))
    zipped = write_zip(tmp_path / "pets.zip", {f"{i}.png": image_bytes(noise((8, 8), i)) for i in range(3)})
    with SessionFolder() as session:
        assert session.path.parent == tmp_path / "uploads"
        assert session.uploads.parent == session.path
        saved = session.save("../pets.zip", io.BytesIO(zipped.read_bytes()))
        assert saved.parent == session.uploads
        assert latent_core.load_dataset(saved).images.shape == (3, 8, 8, 1)
    assert not session.path.exists() and (tmp_path / "uploads").exists()
    other = SessionFolder(tmp_path / "elsewhere")
    other.cleanup()
    other.cleanup()
    assert not other.path.exists()
