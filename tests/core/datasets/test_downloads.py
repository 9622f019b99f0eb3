"""Which built-in datasets would be downloaded, and a failed download's words (no server path in them)."""

from __future__ import annotations

import urllib.error

import numpy as np
import pytest

import latent_core
from latent_core.datasets.builtin import ON_DISK, needs_download


def test_needs_download_looks_for_torchvisions_files(tmp_path):
    assert not needs_download("digits", tmp_path) and not needs_download("shapes", tmp_path)
    for name, (folder, files) in ON_DISK.items():
        assert needs_download(name, tmp_path)
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        for file in files[:-1]:
            (tmp_path / folder / file).write_bytes(np.zeros(1, np.uint8).tobytes())
        assert needs_download(name, tmp_path), "one file is still missing"
        (tmp_path / folder / files[-1]).write_bytes(b"")
        assert not needs_download(name, tmp_path)


@pytest.mark.parametrize("name", ["mnist", "cifar10"])
def test_a_failed_download_names_the_setting_not_the_folder(name, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError(f"cannot write {tmp_path}/x")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    with pytest.raises(latent_core.InvalidInputError) as caught:
        latent_core.load_dataset(name, root=tmp_path)
    message = str(caught.value)
    assert "the server's dataset folder (LATENT_EXPLORER_DATA)" in message and str(tmp_path) not in message
