"""Data page (AppTest): the default dataset, switching datasets, and offline downloads failing in words."""

from __future__ import annotations

from urllib.error import URLError

from tests.app.app_workspace import app, choice, texts


def data_page():
    at = app()
    at.switch_page("pages/data.py").run()
    assert not at.exception, texts(at.exception)
    return at


def test_default_dataset_is_digits_with_size_counts_and_preview():
    at = data_page()
    assert texts(at.title) == ["Data"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Images"] == "1,797" and metrics["Image size"] == "8 × 8" and metrics["Classes"] == "10"
    assert len(at.image) >= 1  # the preview grid
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"), "the per-class bar chart is missing"
    assert choice(at, "dataset_choice").value == "digits"


def test_switching_dataset_keeps_only_a_matching_model():
    at = data_page()
    choice(at, "dataset_choice").select("shapes").run()
    ws = at.session_state["workspace"]
    assert ws.dataset_key == "shapes" and ws.dataset.image_shape == (32, 32, 1)
    assert ws.model is None or ws.model.image_shape == (32, 32, 1)
    if ws.model is None:
        assert any("No model fits" in w for w in texts(at.warning))
    assert [m.value for m in at.metric if m.label == "Image size"] == ["32 × 32"]


def test_unavailable_download_is_an_error_in_words_and_keeps_the_dataset(monkeypatch):
    import torchvision

    def offline(*args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", offline)  # the same on every machine, network or not
    at = data_page()
    choice(at, "dataset_choice").select("cifar10").run()
    at.button(key="fetch_dataset").click().run()  # a download starts only from this button
    ws = at.session_state["workspace"]
    errors = texts(at.error)
    assert ws.dataset_key == "digits" and ws.model is not None
    assert errors and "cifar10" in errors[0] and "Traceback" not in errors[0]
    assert not at.exception
    assert choice(at, "dataset_choice").value == "digits"
