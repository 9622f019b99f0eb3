"""Issue 13's rough edges outside the map: what the checkpoint uploader accepts, preview captions that do not break
mid-word, no 'Share chart' button on any plotly chart, and plotly.js served where the browser caches it."""

from __future__ import annotations

import ast
import io
import json
import re
from pathlib import Path

import pytest
import torch

from tests.app.app_workspace import app, map_payload, texts
from tests.app.test_upload_widgets import OCTETS
from tests.paths import REPO
from ui import images, previews, static_files, upload_widgets
from ui.map_component import CHART_CONFIG


@pytest.fixture(autouse=True)
def uploads_root(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("LATENT_EXPLORER_UPLOADS", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def torch_save_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.save({"weight": torch.zeros(2)}, buffer)
    return buffer.getvalue()


def test_the_checkpoint_uploader_takes_any_file_and_says_why_a_pt_file_is_refused():
    at = app()
    at.switch_page("pages/model.py").run()
    uploader = at.file_uploader(key="upload_model")
    assert list(uploader.proto.type) == []  # a browser-side `type=` refusal says only "files are not allowed"
    assert upload_widgets.CHECKPOINT_WORDS in texts(at.caption)  # what is accepted, visible before any upload
    uploader.set_value(("model.pt", torch_save_bytes(), OCTETS)).run()
    assert not at.exception, texts(at.exception)
    [error] = texts(at.error)
    assert error.startswith("Refused 'model.pt': it is a torch.save archive, which holds pickled code; give a ")
    assert at.session_state["workspace"].model_key == "digits"


def test_preview_images_are_as_wide_as_their_captions_longest_word():
    shorten, char_px = previews.preview_captions, previews.CAPTION_CHAR_PX
    assert shorten(["3", "7"]) == (["3", "7"], previews.PREVIEW_SIDE)  # short labels keep the 64 px images
    captions, side = shorten(["person_33", "person_3"])
    assert captions == ["person_33", "person_3"] and side >= len("person_33") * char_px
    captions, side = shorten(["Ankle boot", "T-shirt/top"])  # words break at spaces, so the longest word counts
    assert side >= len("T-shirt/top") * char_px and side < len("Ankle boot T-shirt/top") * char_px
    captions, side = shorten(["a_label_far_too_long_for_any_image_row x"])
    assert side == previews.PREVIEW_MAX_SIDE and captions[0].endswith("… x")
    assert len(captions[0].split()[0]) * char_px <= side


def test_the_data_page_shows_preview_images_wide_enough_for_their_captions(monkeypatch):
    shown = []
    monkeypatch.setattr(images, "show_row", lambda pictures, captions, side: shown.append((captions, side)))
    at = app()
    at.switch_page("pages/data.py").run()
    assert not at.exception, texts(at.exception)
    [(captions, side)] = shown
    assert len(captions) == 40 and set(captions) <= set("0123456789") and side == previews.PREVIEW_SIDE
    ws = at.session_state["workspace"]
    monkeypatch.setattr(ws.dataset, "label_names", [f"person_{30 + k}" for k in range(10)])  # as Olivetti faces
    shown.clear()
    at.run()
    [(captions, side)] = shown
    assert set(captions) <= set(ws.dataset.label_names) and side >= len("person_33") * previews.CAPTION_CHAR_PX


def plotly_chart_calls() -> list[tuple[str, ast.Call]]:
    found = []
    for path in [*sorted((REPO / "ui").glob("*.py")), *sorted((REPO / "pages").glob("*.py")), REPO / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "plotly_chart":
                found.append((f"{path.name}:{node.lineno}", node))
    return found


def test_every_plotly_chart_hides_its_mode_bar_or_uses_chart_config():
    calls = plotly_chart_calls()
    assert len(calls) >= 6
    for where, call in calls:
        config = next((k.value for k in call.keywords if k.arg == "config"), None)
        assert config is not None, f"{where}: st.plotly_chart without config= shows plotly's 'Share chart' button"
        if isinstance(config, ast.Name):
            assert config.id == "CHART_CONFIG", where
        else:
            assert ast.literal_eval(config) == {"displayModeBar": False}, where
    assert CHART_CONFIG["showSendToCloud"] is False and "sendChartToCloud" in CHART_CONFIG["modeBarButtonsToRemove"]


def test_plotly_is_copied_into_the_static_folder_once_and_addressed_there(monkeypatch, tmp_path):
    monkeypatch.setattr(static_files, "STATIC_DIR", tmp_path / "static")
    options = {"server.enableStaticServing": True, "server.baseUrlPath": "explorer/"}
    monkeypatch.setattr(static_files.config, "get_option", options.get)
    url = static_files.plotly_url()
    assert url == f"/explorer/app/static/plotly-{static_files.plotly.__version__}/plotly.min.js"
    placed = tmp_path / "static" / static_files.PLOTLY_NAME
    assert placed.read_bytes() == static_files.PLOTLY_SOURCE.read_bytes()
    assert placed.stat().st_mtime == pytest.approx(static_files.PLOTLY_SOURCE.stat().st_mtime, abs=1e-3)
    assert [p.name for p in placed.parent.iterdir()] == ["plotly.min.js"]  # no partial copy left
    modified = placed.stat().st_mtime_ns
    assert static_files.plotly_url() == url and placed.stat().st_mtime_ns == modified  # not copied again
    options["server.enableStaticServing"] = False
    assert static_files.plotly_url() is None  # the component route serves it then


def test_the_maps_own_plotly_bundle_is_served_when_built_and_the_full_one_is_not_copied(monkeypatch, tmp_path):
    monkeypatch.setattr(static_files, "STATIC_DIR", tmp_path / "static")
    monkeypatch.setattr(static_files.config, "get_option", {"server.enableStaticServing": True}.get)
    built = tmp_path / "static" / static_files.map_bundle_name()
    built.parent.mkdir(parents=True)
    built.write_text("/* plotly.js (core, scattergl, scatter3d) */")
    assert static_files.plotly_url() == f"/app/static/{static_files.map_bundle_name()}"
    assert not (tmp_path / "static" / static_files.PLOTLY_NAME).exists()
    built.unlink()  # not built (no npm): the installed plotly package's bundle, as before
    assert static_files.plotly_url() == f"/app/static/{static_files.PLOTLY_NAME}"


def test_the_maps_plotly_bundle_pins_the_plotly_js_of_the_installed_plotly_package():
    """The map draws the same with its own bundle as with the fallback: both are the same plotly.js version, pinned
    in web/plotly-map/package.json and its lock file."""
    header = static_files.PLOTLY_SOURCE.read_text(encoding="utf-8")[:200]
    installed = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", header).group(1)
    assert static_files.map_bundle_name() == f"plotly-map-{installed}/plotly.min.js"
    lock = json.loads((static_files.MAP_BUNDLE_PACKAGE.parent / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/plotly.js"]["version"] == installed


def test_the_map_loads_plotly_from_the_static_route():
    data = map_payload(app())
    built = (static_files.STATIC_DIR / static_files.map_bundle_name()).is_file()
    assert data["plotly_url"] == f"/app/static/{static_files.map_bundle_name() if built else static_files.PLOTLY_NAME}"
