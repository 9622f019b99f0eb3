"""Built-in datasets are downloaded only when the user presses Download on the Data page, never because a link or a
saved view names them; a failed download says so in words without a server path (issue 10, defect 5)."""

from __future__ import annotations

from urllib.error import URLError

import pytest

import latent_core
from latent_core.datasets.builtin import MNIST_FILES
from latent_core.settings import settings
from tests.app.app_workspace import app, choice, texts
from ui import resources


@pytest.fixture
def no_network(monkeypatch) -> list:
    """Every download attempt is recorded and fails as it does offline."""
    import torchvision

    tried = []

    def offline(*args, **kwargs):
        tried.append(kwargs.get("root"))
        raise URLError(f"no network at {kwargs.get('root')}")

    for name in ("MNIST", "FashionMNIST", "KMNIST", "CIFAR10"):
        monkeypatch.setattr(torchvision.datasets, name, offline)
    return tried


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "kmnist", "cifar10"])
def test_a_link_naming_a_download_does_not_download_and_says_where_to_fetch_it(no_network, name):
    at = app(dataset=name)
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    assert no_network == [] and ws.dataset_key == "digits" and ws.model_key == "digits"
    (warning,) = [w for w in texts(at.warning) if name in w]
    assert "only downloaded when you ask" in warning and "Data page" in warning and "'digits' stays active" in warning


def test_download_only_from_the_button_and_the_error_shows_no_server_path(no_network):
    at = app()
    at.switch_page("pages/data.py").run()
    choice(at, "dataset_choice").select("mnist").run()
    ws = at.session_state["workspace"]
    assert no_network == [] and ws.dataset_key == "digits"
    assert any("not on this server yet" in m for m in texts(at.markdown))
    at.button(key="fetch_cancel").click().run()
    assert no_network == [] and not [b for b in at.button if b.key == "fetch_dataset"]
    choice(at, "dataset_choice").select("mnist").run()
    at.button(key="fetch_dataset").click().run()
    assert not at.exception, texts(at.exception)
    assert len(no_network) == 1 and ws.dataset_key == "digits"
    (error,) = texts(at.error)
    folder = str(settings().data_dir)
    assert "Could not download" in error and "LATENT" in error and "EXPLORER" in error and "DATA" in error
    assert folder not in error and "/" + folder.strip("/").split("/")[0] not in error.replace("http\\://", "")


def test_a_built_in_already_on_disk_is_chosen_without_a_button(no_network, monkeypatch):
    raw = settings().data_dir / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for file in MNIST_FILES:
        (raw / file).write_bytes(b"")
    loaded, digits = [], latent_core.load_dataset("digits")

    def from_disk(name, **options):
        loaded.append(name)
        return digits

    monkeypatch.setattr(latent_core, "load_dataset", from_disk)
    at = app()
    at.switch_page("pages/data.py").run()
    try:
        choice(at, "dataset_choice").select("mnist").run()
    finally:
        resources.builtin_dataset.clear()  # its 'mnist' was digits
    assert not at.exception, texts(at.exception)
    assert loaded == ["mnist"] and at.session_state["workspace"].dataset_key == "mnist"
    assert not [b for b in at.button if b.key == "fetch_dataset"]
