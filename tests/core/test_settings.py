"""Settings: every environment variable is read by latent_core.settings, in one way, and listed in README.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from latent_core import InvalidInputError, Limits, Settings
from latent_core.settings import settings, variables
from tests.paths import README


def settings_table() -> str:
    """README's 'Settings' section up to the next heading."""
    text = README.read_text()
    start = text.index("\n## Settings\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_the_readme_table_lists_every_variable_and_no_other():
    rows = [line for line in settings_table().splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in re.findall(r"`(LATENT_[A-Z_]+)", row.split("|")[1])}
    assert listed == set(variables())


def test_every_field_is_set_by_one_variable():
    owned = {(spec.owner, spec.field) for spec in variables().values()}
    expected = {(Limits, name) for name in Limits.__dataclass_fields__}
    expected |= {(Settings, name) for name in Settings.__dataclass_fields__ if name != "limits"}
    assert owned == expected and len(owned) == len(variables())
    assert all(spec.meaning for spec in variables().values())


def test_defaults_and_values():
    assert Settings.from_env({}) == Settings() and Settings().limits == Limits()
    assert Settings().start_dataset is None and Settings().models_dir.name == "models"
    read = Settings.from_env(
        {
            "LATENT_MAX_IMAGES": " 5 ",
            "LATENT_ALLOW_TORCHSCRIPT": "yes",
            "LATENT_EXPLORER_CACHE": "~/maps",
            "LATENT_EXPLORER_CACHE_MAX_BYTES": "0",
            "LATENT_EXPLORER_DATASET": "/data/pets.zip",
            "LATENT_EXPLORER_UPLOADS": "",
        }
    )
    assert (
        read.limits.max_images == 5 and read.limits.allow_torchscript and read.limits.min_images == Limits().min_images
    )
    assert read.cache_dir == Path.home() / "maps" and read.cache_max_bytes == 0
    assert read.start_dataset == Path("/data/pets.zip")
    assert read.uploads_dir == Settings().uploads_dir  # empty counts as unset


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("LATENT_MAX_IMAGES", "0", "must be a positive whole number"),
        ("LATENT_MAX_FILE_BYTES", "1e9", "must be a positive whole number"),
        ("LATENT_ALLOW_TORCHSCRIPT", "maybe", "must be 1 or 0"),
        ("LATENT_EXPLORER_CACHE_MAX_BYTES", "-1", "must be a whole number of at least 0"),
    ],
)
def test_a_bad_value_names_its_variable(variable, value, message):
    with pytest.raises(InvalidInputError, match=rf"^Environment variable {variable}='{re.escape(value)}' {message}\.$"):
        Settings.from_env({variable: value})


def test_settings_follow_the_environment(monkeypatch, tmp_path):
    first = settings()
    assert settings() is first  # read again only when a variable changes
    monkeypatch.setenv("LATENT_EXPLORER_UPLOADS", str(tmp_path))
    monkeypatch.setenv("LATENT_MAX_CSV_ROWS", "7")
    assert settings().uploads_dir == tmp_path and settings().limits.max_csv_rows == 7
    monkeypatch.delenv("LATENT_MAX_CSV_ROWS")
    assert settings().limits.max_csv_rows == Limits().max_csv_rows
