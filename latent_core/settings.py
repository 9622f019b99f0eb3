"""Settings: every environment variable of latent_core and the app, read in one place and in one way.

`settings()` is the current Settings, read from os.environ when it is called (and reused while the
variables keep their values), so a server is set up by its environment and a test by
monkeypatch.setenv. A variable that is unset or empty takes the default; a bad value raises
InvalidInputError naming the variable. README.md's settings table lists every variable of
`variables()` (a test checks it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from .errors import InvalidInputError
from .limits import Limits, env_name

TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class Variable(NamedTuple):
    """One environment variable: which field of Limits or Settings it sets, how it is read, and what it means."""

    owner: type
    field: str
    kind: type
    minimum: int
    meaning: str


def env_setting(variable: str, meaning: str, default=None, default_factory=None, kind: type = Path, minimum: int = 1):
    """A Settings field read from `variable`: a Path (~ expanded), a str, an int of at least `minimum`, or a bool."""
    metadata = {"variable": variable, "meaning": meaning, "kind": kind, "minimum": minimum}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def parse(variable: str, text: str, kind: type, minimum: int = 1):
    """One environment value as `kind`; a bad value raises InvalidInputError naming the variable."""
    value = text.strip()
    if kind is str:
        return value
    if kind is Path:
        return Path(value).expanduser()
    if kind is bool:
        if value.lower() in TRUE + FALSE:
            return value.lower() in TRUE
        raise InvalidInputError(f"Environment variable {variable}={text!r} must be 1 or 0.")
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        wanted = "a positive whole number" if minimum == 1 else f"a whole number of at least {minimum}"
        raise InvalidInputError(f"Environment variable {variable}={text!r} must be {wanted}.")
    return number


def default_uploads_dir() -> Path:
    return Path(tempfile.gettempdir()) / "latent-explorer-uploads"


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "latent-explorer" / "projections"


def default_data_dir() -> Path:
    return Path.home() / ".cache" / "latent-explorer" / "datasets"


def default_models_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "models"


def default_jobs() -> int:
    """One worker process per core but one (left to the server), at least 1."""
    return max(1, (os.cpu_count() or 1) - 1)


def default_home() -> Path:
    """The user's data folder: $XDG_DATA_HOME/latent-explorer, else ~/.local/share/latent-explorer."""
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    return (Path(base).expanduser() if base else Path.home() / ".local" / "share") / "latent-explorer"


@dataclass(frozen=True)
class Settings:
    """Everything set by the environment. `limits` holds the LATENT_MAX_*, LATENT_MIN_IMAGES and
    LATENT_ALLOW_TORCHSCRIPT settings (see Limits); each other field names its variable in its metadata."""

    limits: Limits = field(default_factory=Limits)
    cache_dir: Path = env_setting(
        "LATENT_EXPLORER_CACHE",
        "fitted projections, keyed by the codes' fingerprint, method and parameters; safe to delete",
        default_factory=default_cache_dir,
    )
    cache_max_bytes: int = env_setting(
        "LATENT_EXPLORER_CACHE_MAX_BYTES",
        "the projection cache's size bound in bytes (least recently used entries go first)",
        512 * 1024**2,
        kind=int,
        minimum=0,
    )
    uploads_dir: Path = env_setting(
        "LATENT_EXPLORER_UPLOADS",
        "the app's per-session folders for uploads being read (deleted once kept in the library)",
        default_factory=default_uploads_dir,
    )
    data_dir: Path = env_setting(
        "LATENT_EXPLORER_DATA", "torchvision downloads of the built-in datasets", default_factory=default_data_dir
    )
    models_dir: Path = env_setting(
        "LATENT_EXPLORER_MODELS", "the shipped checkpoints", default_factory=default_models_dir
    )
    home: Path = env_setting(
        "LATENT_EXPLORER_HOME",
        "the library: saved workspaces, datasets and models (files by content hash, and the SQLite database "
        "unless LATENT_EXPLORER_DB names another); default $XDG_DATA_HOME/latent-explorer or "
        "~/.local/share/latent-explorer",
        default_factory=default_home,
    )
    db_url: str | None = env_setting(
        "LATENT_EXPLORER_DB",
        "the library's database as a SQLAlchemy URL (e.g. postgresql+psycopg://user@host/db for a shared "
        "deployment); default SQLite in the library folder",
        kind=str,
    )
    quota_bytes: int = env_setting(
        "LATENT_EXPLORER_QUOTA_BYTES",
        "the bytes of datasets and models one workspace may keep in the library",
        2 * 1024**3,
        kind=int,
    )
    idle_days: int = env_setting(
        "LATENT_EXPLORER_IDLE_DAYS",
        "workspaces unused for more days than this are removed by `latent-core library gc` and at server start",
        90,
        kind=int,
    )
    jobs: int = env_setting(
        "LATENT_EXPLORER_JOBS",
        "how many heavy jobs (training, large projections, anomaly scores) run at once in worker processes; "
        "more wait in line; default the number of cores - 1, at least 1",
        default_factory=default_jobs,
        kind=int,
    )
    start_dataset: Path | None = env_setting(
        "LATENT_EXPLORER_DATASET", "a dataset file or folder the app offers and starts on"
    )
    start_model: Path | None = env_setting(
        "LATENT_EXPLORER_MODEL", "a checkpoint folder or .zip the app offers and starts on"
    )
    large_map: Path | None = env_setting(
        "LATENT_EXPLORER_MAP",
        "a map Parquet from `latent-core project --codes` the app opens with its model (Data page, 'Large map')",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """The settings of `environ`: its value for each variable that is set and not empty, else the default."""
        values: dict[type, dict] = {Limits: {}, Settings: {}}
        for variable, spec in VARIABLES.items():
            text = environ.get(variable, "")
            if text.strip():
                values[spec.owner][spec.field] = parse(variable, text, spec.kind, spec.minimum)
        return cls(limits=Limits(**values[Limits]), **values[Settings])


def variables() -> dict[str, Variable]:
    """Every environment variable that sets something, with its field and meaning."""
    found = {
        env_name(f.name): Variable(Limits, f.name, type(f.default), 1, f.metadata["meaning"]) for f in fields(Limits)
    }
    for f in fields(Settings):
        if "variable" in f.metadata:
            meta = f.metadata
            found[meta["variable"]] = Variable(Settings, f.name, meta["kind"], meta["minimum"], meta["meaning"])
    return found


VARIABLES = variables()


def settings() -> Settings:
    """The settings of the environment as it is now (read again only when one of the variables changed)."""
    return _settings_of(tuple(os.environ.get(variable) for variable in VARIABLES))


@lru_cache(maxsize=8)
def _settings_of(values: tuple) -> Settings:
    return Settings.from_env({name: value for name, value in zip(VARIABLES, values, strict=True) if value is not None})
