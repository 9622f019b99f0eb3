"""The server's own settings (issue 10, defect 5): local by default, no tracebacks in the browser."""

from __future__ import annotations

import re
import tomllib

from tests.paths import APP

ROOT = APP.parent


def test_exceptions_show_their_type_only_in_the_browser():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] in ("type", "none")


def test_make_run_listens_on_this_machine_unless_host_is_given():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^HOST \?= 127\.0\.0\.1$", makefile, re.MULTILINE)
    (run,) = [line for line in makefile.splitlines() if "streamlit run app.py" in line]
    assert "--server.address $(HOST)" in run
