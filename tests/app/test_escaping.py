"""Text from a link or a file name reaches the page as plain text: escaped, bounded, without direction overrides
(issue 10, defect 3). The payloads are those of the issue's probe."""

from __future__ import annotations

import re

import pytest

from tests.app.app_workspace import app, texts
from tests.app.test_upload_widgets import OCTETS, npz_bytes
from ui import state
from ui.messages import MESSAGE_LIMIT, VALUE_LIMIT, escape, plain, visible

LINK = "[Click to re-login](http://evil.example/login)"
PIXEL = "![x](http://127.0.0.1:9/pixel.png)"
HUGE = "A" * 20_000
RTL = "report\u202egpj.exe"
MARKUP = re.compile(r"(?<!\\)[\[\]<]|(?<!\\)(?:https?:|www\.)|(?<!\\):[a-z]")  # what would render as a link or image
HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\x00-\x09\x0b-\x1f\x7f-\x9f]")  # not \n (app)


def rendered(at) -> list[str]:
    """The Markdown bodies of every element that renders Markdown, as the browser receives them."""
    bodies = [e.proto.body for kind in ("error", "warning", "info", "success") for e in getattr(at, kind)]
    return bodies + [e.proto.body for e in at.markdown] + [e.proto.body for e in at.caption]


def assert_plain(at) -> None:
    for body in rendered(at):
        assert not MARKUP.search(body.replace(":material/", "")), body  # the app's own icons aside
        assert not HIDDEN.search(body), ascii(body)
        assert len(body) <= MESSAGE_LIMIT + 200, len(body)


@pytest.mark.parametrize(
    "params",
    [
        {"method": LINK},
        {"dims": PIXEL},
        {"method": LINK, "dims": PIXEL, "dataset": HUGE, "model": RTL},
        {"dataset": LINK, "model": PIXEL},
    ],
)
def test_link_values_are_shown_as_plain_bounded_text(params):
    at = app(**params)
    assert not at.exception, texts(at.exception)
    shown = texts(at.warning) + texts(at.error)
    assert shown, "a bad link value is reported"
    assert_plain(at)
    assert not any("evil.example" in body or "127.0.0.1" in body or "AAAA" in body for body in rendered(at))


def test_a_file_named_like_a_markdown_link_is_shown_as_its_name_never_as_a_link(monkeypatch, tmp_path):
    monkeypatch.setenv("LATENT_EXPLORER_UPLOADS", str(tmp_path / "uploads"))
    at = app()
    at.switch_page("pages/data.py").run()
    name = f"{LINK} {PIXEL} {RTL} {'B' * 300}.npz"
    at.file_uploader(key="upload_data").set_value((name, npz_bytes(), OCTETS)).run()
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    assert ws.dataset_key == "data-1"
    assert_plain(at)
    (success,) = at.success
    assert success.proto.body.startswith("'\\[Click to re-login\\](http\\://evil.example/login)")
    assert "is now the active dataset" in success.proto.body and "B" * (VALUE_LIMIT - 10) not in success.proto.body
    for page in ("pages/model.py", "pages/map.py", "pages/traverse.py"):
        at.switch_page(page).run()
        assert not at.exception, texts(at.exception)
        assert_plain(at)


def test_messages_are_rendered_escaped_and_bounded(ws):
    at = app()
    shown = at.session_state["workspace"]
    state.say(shown, "warning", f"Value {LINK} and {PIXEL} and {RTL} and {HUGE}")
    at.run()
    (warning,) = [w for w in at.warning if "Value" in w.proto.body]
    assert len(warning.proto.body) <= MESSAGE_LIMIT + 100
    assert_plain(at)


def test_plain_escapes_links_images_directives_and_bare_urls():
    assert plain(LINK) == "\\[Click to re-login\\](http\\://evil.example/login)"
    assert plain(PIXEL) == "!\\[x\\](http\\://127.0.0.1\\:9/pixel.png)"
    assert escape("see www.evil.example or me@evil.example") == "see www\\.evil.example or me\\@evil.example"
    assert escape(":red[big] :material/home: $x^2$ <b>hi</b> `code` *em* _em_ ~s~ a|b") == (
        "\\:red\\[big\\] \\:material/home: \\$x^2\\$ \\<b\\>hi\\</b\\> \\`code\\` \\*em\\* \\_em\\_ \\~s\\~ a\\|b"
    )
    assert escape("Switched the model to 'digits': it fits.") == "Switched the model to 'digits': it fits."


def test_visible_replaces_control_and_direction_characters_and_cuts_long_text():
    assert visible("a\u202eb\u2066c\u2069d\u200be") == "a�b�c�d�e"
    assert visible("line\nbreak\x00nul\x85nel\ttab") == "line break nul nel tab"
    cut = visible("x" * 20_000)
    assert len(cut) == VALUE_LIMIT and cut.endswith("…")
    assert visible("short") == "short" and len(visible("y" * 500, 120)) == 120
