"""Library: workspaces and their saved datasets, models and maps; metadata in SQL, files by content hash.

A workspace is named by a token of 32 lowercase hex characters (128 random bits), like a share link;
the database keeps only the token's sha256. Keys count up within a workspace: "data-<n>" for datasets,
"run-<n>" for trained and "checkpoint-<n>" for uploaded models. Files are written first and moved into
place whole (store.py); the row that makes them part of a workspace is written after, in one transaction,
so a process killed during a save leaves no half entry. Quotas and retention come from settings().
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import string
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import bindparam, delete, exists, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..checkpoint.loading import load_checkpoint
from ..dataset import ImageDataset
from ..datasets import EmbeddingSet
from ..errors import InvalidInputError
from ..limits import size_text
from ..model import LatentModel
from ..settings import settings
from .records import DatasetRecord, MapRecord, ModelRecord, check_name, fit_name
from .rows import (
    dataset_by_hash,
    dataset_by_key,
    datasets_of,
    maps_of,
    model_by_hash,
    model_by_key,
    model_values,
    models_of,
    next_key,
    record_map,
    refers_to,
    touch_workspace,
    workspace_usage,
)
from .schema import READING, datasets, make_engine, maps, metadata, models, utcnow, workspaces
from .store import (
    DATASET_SUFFIX,
    ObjectStore,
    dataset_arrays,
    dataset_from_arrays,
    dataset_hash,
    folder_hash,
    npz_bytes_at_most,
    tree_bytes,
    write_out,
)

TOKEN_LENGTH = 32
SOURCES = {"trained": "run", "uploaded": "checkpoint"}  # a model's source -> its key prefix
MAX_VIEW_BYTES = 1024 * 1024
GRACE_S = 600.0  # files younger than this are never swept: a save in another process may be about to use them
KNOWN_IDS = 4096  # token -> workspace id entries a Library remembers (save_view); it forgets them all beyond this
# A view save, built once (SQLAlchemy compiles it once per dialect): the row must have both the id and the token's
# hash, so a remembered id never writes to another workspace, even where a deleted workspace's id is reused (SQLite).
SAVE_VIEW = (
    update(workspaces)
    .where(workspaces.c.id == bindparam("wid"), workspaces.c.token_sha256 == bindparam("sha"))
    .values(view=bindparam("new_view", type_=workspaces.c.view.type), last_used=bindparam("now"))
)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Library:
    """Workspaces, datasets and models kept on disk: metadata in SQL (SQLAlchemy 2 Core), files by content hash.

    home: the folder of the files (objects/) and of the default SQLite database; default settings().home
    (LATENT_EXPLORER_HOME). url: any SQLAlchemy URL; default settings().db_url (LATENT_EXPLORER_DB), else
    SQLite at home/library.sqlite3. Two processes (two app servers, the CLI) may share one library.
    """

    def __init__(self, url: str | None = None, home: Path | None = None):
        current = settings()
        self.home = Path(home).expanduser() if home is not None else current.home
        self.home.mkdir(parents=True, exist_ok=True)
        self.url = url or current.db_url or f"sqlite:///{self.home / 'library.sqlite3'}"
        self.store = ObjectStore(self.home)
        self.engine = make_engine(self.url)
        self._ids: dict[str, int] = {}  # token -> workspace id, as save_view found them (an id never changes)
        try:
            metadata.create_all(self.engine)
        except DBAPIError:  # another process created the tables at the same moment
            metadata.create_all(self.engine)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A transaction that only reads: on SQLite it takes no write lock (see schema.begin_immediate)."""
        with self.engine.connect() as conn:
            conn.execution_options(**{READING: True})
            with conn.begin():
                yield conn

    def close(self) -> None:
        """Close the database connections (the library can still be used: they reopen on demand)."""
        self.engine.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Library(url={self.engine.url.render_as_string(hide_password=True)!r}, home={str(self.home)!r})"

    # workspaces

    @staticmethod
    def valid_token(token) -> bool:
        """Whether `token` has the form of a workspace token: 32 lowercase hex characters."""
        return isinstance(token, str) and len(token) == TOKEN_LENGTH and set(token) <= set(string.hexdigits.lower())

    def create_workspace(self) -> str:
        """A new, empty workspace; returns its token (the only way to reach it: the database keeps its hash)."""
        token, now = secrets.token_hex(TOKEN_LENGTH // 2), utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                insert(workspaces).values(token_sha256=token_sha256(token), created=now, last_used=now, view={})
            )
        return token

    def has_workspace(self, token) -> bool:
        """Whether `token` names a workspace here; False for malformed or unknown tokens (never raises for them)."""
        if not self.valid_token(token):
            return False
        with self._reading() as conn:
            return bool(conn.scalar(select(exists().where(workspaces.c.token_sha256 == token_sha256(token)))))

    def _workspace(self, conn, token) -> int:
        """The id of the workspace `token` names, else InvalidInputError in words."""
        if not self.valid_token(token):
            raise InvalidInputError("This workspace link is not valid: a workspace token is 32 characters 0-9 and a-f.")
        found = conn.scalar(select(workspaces.c.id).where(workspaces.c.token_sha256 == token_sha256(token)))
        if found is None:
            raise InvalidInputError(
                f"No workspace has this link (token {token[:6]}…): it is mistyped, or the workspace was removed "
                f"after {settings().idle_days} days unused."
            )
        return found

    def touch(self, token) -> None:
        """Mark the workspace used now (retention counts idle days from its last use)."""
        with self.engine.begin() as conn:
            touch_workspace(conn, self._workspace(conn, token))

    def view(self, token) -> dict:
        """The workspace's saved view (a JSON object), {} when none was saved."""
        with self._reading() as conn:
            wid = self._workspace(conn, token)
            return conn.scalar(select(workspaces.c.view).where(workspaces.c.id == wid)) or {}

    def save_view(self, token, view: dict) -> None:
        """Keep the view (dataset key, model key, method, dims, colour, picks, path, sliders...): a JSON object."""
        try:
            size = len(json.dumps(view, allow_nan=False)) if isinstance(view, dict) else None
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"A workspace view must be plain JSON ({exc}).") from None
        if size is None or size > MAX_VIEW_BYTES:
            raise InvalidInputError(f"A workspace view must be a JSON object of at most {size_text(MAX_VIEW_BYTES)}.")
        with self.engine.begin() as conn:
            # The map saves the view on every click: one UPDATE by the remembered id, the token lookup only the first
            # time, or when the row is gone (then _workspace raises, as for any unknown or malformed token).
            wid = self._ids.get(token) if self.valid_token(token) else None
            if wid is None or not self._write_view(conn, wid, token, view):
                wid = self._workspace(conn, token)
                self._write_view(conn, wid, token, view)
        if len(self._ids) >= KNOWN_IDS:
            self._ids.clear()
        self._ids[token] = wid

    @staticmethod
    def _write_view(conn, wid: int, token: str, view: dict) -> bool:
        """Write the view to workspace `wid` if it is the one `token` names; whether it was."""
        values = {"wid": wid, "sha": token_sha256(token), "new_view": view, "now": utcnow()}
        return conn.execute(SAVE_VIEW, values).rowcount == 1

    def usage(self, token) -> int:
        """Bytes of the files this workspace refers to (each file counted once)."""
        with self._reading() as conn:
            return workspace_usage(conn, self._workspace(conn, token))

    def _check_quota(self, conn, wid: int, content_hash: str, nbytes: int, name: str) -> None:
        """InvalidInputError when keeping `nbytes` more (unless this workspace has the file already) would pass
        the quota."""
        if refers_to(conn, wid, content_hash):
            return
        quota, used = settings().quota_bytes, workspace_usage(conn, wid)
        if used + nbytes > quota:
            raise InvalidInputError(
                f"'{name}' needs {size_text(nbytes)} but this workspace already keeps {size_text(used)} of its "
                f"{size_text(quota)} quota (LATENT_EXPLORER_QUOTA_BYTES); delete datasets or runs you no longer need."
            )

    # datasets

    def save_dataset(
        self, token, data: ImageDataset | EmbeddingSet, name: str, report: dict | None = None
    ) -> DatasetRecord:
        """Keep a dataset as one .npz by content hash. The same content twice is stored once (and in one workspace
        returns the record it already has). Over the workspace's quota: InvalidInputError, nothing written."""
        kind, arrays = dataset_arrays(data)
        content_hash, name = dataset_hash(kind, arrays), fit_name(name, data.name)
        report = asdict(report) if is_dataclass(report) else dict(report or {})
        with self._reading() as conn:
            wid = self._workspace(conn, token)
            if (record := dataset_by_hash(conn, wid, content_hash)) is not None:
                return record
            self._check_quota(conn, wid, content_hash, npz_bytes_at_most(arrays), name)
        final = self.store.path(content_hash, DATASET_SUFFIX)
        with self.store.staging() as staging:
            if not self.store.refresh(final):
                final, _ = self.store.publish(self.store.write_dataset(staging, arrays), content_hash, DATASET_SUFFIX)
            values = {"name": name, "kind": kind, "content_hash": content_hash, "size": len(data), "report": report}
            values |= {"shape": list(data.image_shape if kind == "images" else (data.dim,)), "bytes": tree_bytes(final)}
            return self._insert(token, datasets, "data", values, dataset_by_hash)

    def _insert(self, token, table, prefix: str, values: dict, by_hash):
        """Write the row of a file now in place, numbering its key, after checking the quota again (another process
        may have saved meanwhile); the record the workspace already has for this content if it has one."""
        with self.engine.begin() as conn:
            wid = self._workspace(conn, token)
            touch_workspace(conn, wid)  # first: its row lock makes other saves to this workspace wait (PostgreSQL)
            if (record := by_hash(conn, wid, values["content_hash"])) is not None:
                return record
            self._check_quota(conn, wid, values["content_hash"], values["bytes"], values["name"])
            key = next_key(conn, wid, prefix)
            conn.execute(insert(table).values(workspace_id=wid, key=key, created=utcnow(), **values))
            return by_hash(conn, wid, values["content_hash"])

    def datasets(self, token) -> list[DatasetRecord]:
        """The workspace's datasets, oldest first."""
        with self._reading() as conn:
            return datasets_of(conn, self._workspace(conn, token))

    def dataset(self, token, key: str) -> DatasetRecord:
        """One of the workspace's datasets; InvalidInputError if `key` is not in this workspace."""
        with self._reading() as conn:
            return dataset_by_key(conn, self._workspace(conn, token), key)

    def load_dataset(self, token, key: str) -> ImageDataset | EmbeddingSet:
        """The saved dataset, named as its record."""
        record = self.dataset(token, key)
        return dataset_from_arrays(self.store.read_dataset(record.content_hash), record.name)

    def export_dataset(self, token, key: str, out=None) -> Path | bytes:
        """The dataset's .npz (readable by lc.load_dataset or lc.load_embeddings): written to `out`, or returned
        as bytes when out is None."""
        data = self.store.path(self.dataset(token, key).content_hash, DATASET_SUFFIX).read_bytes()
        return data if out is None else write_out(out, data)

    def delete_dataset(self, token, key: str) -> None:
        """Forget a dataset and the maps drawn from it; its file goes at the next gc when nothing else uses it."""
        with self.engine.begin() as conn:
            wid = self._workspace(conn, token)
            dataset_by_key(conn, wid, key)
            conn.execute(delete(maps).where(maps.c.workspace_id == wid, maps.c.dataset_key == key))
            conn.execute(delete(datasets).where(datasets.c.workspace_id == wid, datasets.c.key == key))

    # models

    def save_model(
        self,
        token,
        model: LatentModel,
        name: str,
        *,
        parent: str | None = None,
        seconds: float | None = None,
        source: str = "trained",
    ) -> ModelRecord:
        """Keep a model's checkpoint folder by content hash, keyed "run-<n>" (source "trained") or "checkpoint-<n>"
        (source "uploaded"). The same checkpoint twice in one workspace returns the record it already has.
        Over the workspace's quota: InvalidInputError, nothing written."""
        if source not in SOURCES:
            raise InvalidInputError(f"A model's source is one of {', '.join(SOURCES)}, not {source!r}.")
        if parent is not None and not (isinstance(parent, str) and 0 < len(parent) <= 40):
            raise InvalidInputError(f"A model's parent is the key of another model, not {str(parent)[:60]!r}.")
        name = fit_name(name, model.name)
        with self._reading() as conn:
            self._workspace(conn, token)
        with self.store.staging() as staging:
            folder = model.save(staging / "checkpoint")
            content_hash, nbytes = folder_hash(folder), tree_bytes(folder)
            with self._reading() as conn:
                wid = self._workspace(conn, token)
                if (record := model_by_hash(conn, wid, content_hash, self.store)) is not None:
                    return record
                self._check_quota(conn, wid, content_hash, nbytes, name)
            self.store.publish(folder, content_hash)
        values = model_values(model.config) | {
            "name": name,
            "source": source,
            "parent": parent,
            "seconds": None if seconds is None else float(seconds),
            "content_hash": content_hash,
            "bytes": nbytes,
        }
        return self._insert(
            token, models, SOURCES[source], values, lambda conn, wid, h: model_by_hash(conn, wid, h, self.store)
        )

    def models(self, token) -> list[ModelRecord]:
        """The workspace's models, oldest first."""
        with self._reading() as conn:
            return models_of(conn, self._workspace(conn, token), self.store)

    def model(self, token, key: str) -> ModelRecord:
        """One of the workspace's models; InvalidInputError if `key` is not in this workspace."""
        with self._reading() as conn:
            return model_by_key(conn, self._workspace(conn, token), key, self.store)

    def load_model(self, token, key: str) -> LatentModel:
        """The saved model, rebuilt from its checkpoint folder."""
        return load_checkpoint(self.model(token, key).path, allow_torchscript=False)

    def rename_model(self, token, key: str, name: str) -> ModelRecord:
        """Give a model a new name: 1 to 80 printable characters, else InvalidInputError."""
        name = check_name(name)
        with self.engine.begin() as conn:
            wid = self._workspace(conn, token)
            model_by_key(conn, wid, key, self.store)
            conn.execute(update(models).where(models.c.workspace_id == wid, models.c.key == key).values(name=name))
            return model_by_key(conn, wid, key, self.store)

    def set_metrics(self, token, key: str, metrics: dict) -> ModelRecord:
        """Record a model's quality figures (a JSON object of numbers and text), replacing those it had."""
        if not isinstance(metrics, dict):
            raise InvalidInputError(f"A model's metrics are a JSON object, not {type(metrics).__name__}.")
        with self.engine.begin() as conn:
            wid = self._workspace(conn, token)
            model_by_key(conn, wid, key, self.store)
            query = update(models).where(models.c.workspace_id == wid, models.c.key == key)
            conn.execute(query.values(metrics=metrics))
            return model_by_key(conn, wid, key, self.store)

    def delete_model(self, token, key: str) -> None:
        """Forget a model and the maps drawn with it; its files go at the next gc when nothing else uses them."""
        with self.engine.begin() as conn:
            wid = self._workspace(conn, token)
            model_by_key(conn, wid, key, self.store)
            conn.execute(delete(maps).where(maps.c.workspace_id == wid, maps.c.model_key == key))
            conn.execute(delete(models).where(models.c.workspace_id == wid, models.c.key == key))

    def export_model(self, token, key: str, out=None) -> Path | bytes:
        """A checkpoint .zip (config.json, model.safetensors, README.md) that lc.load_model and the Model page's
        uploader accept: written to `out`, or returned as bytes when out is None."""
        folder = self.model(token, key).path
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in folder.iterdir() if p.is_file()):
                archive.write(path, path.name)
        return buffer.getvalue() if out is None else write_out(out, buffer.getvalue())

    # maps

    def record_map(self, token, dataset_key: str, model_key: str, config, codes_fingerprint: str) -> None:
        """Note a map the app drew (config: a ProjectionConfig); drawing the same map again only renews its date."""
        with self.engine.begin() as conn:
            wid = self._workspace(conn, token)
            record_map(conn, wid, str(dataset_key), str(model_key), config, str(codes_fingerprint))
            touch_workspace(conn, wid)

    def maps(self, token) -> list[MapRecord]:
        """The maps drawn in this workspace, oldest first."""
        with self._reading() as conn:
            return maps_of(conn, self._workspace(conn, token))

    # retention

    def gc(self, idle_days: int | None = None, now=None, *, grace_s: float = GRACE_S) -> dict:
        """Remove workspaces unused for more than `idle_days` (default settings().idle_days) with their rows, then
        every file no row refers to and every leftover of an interrupted save, when older than `grace_s` seconds.
        Returns counts: workspaces, datasets, models, maps, files, bytes, temp."""
        idle_days = settings().idle_days if idle_days is None else idle_days
        if not isinstance(idle_days, int) or idle_days < 0:
            raise InvalidInputError(f"Idle days must be a whole number of at least 0, not {idle_days!r}.")
        cutoff = (now or utcnow()) - timedelta(days=idle_days)
        idle = select(workspaces.c.id).where(workspaces.c.last_used < cutoff)
        counts = {}
        with self.engine.begin() as conn:
            for name, table in (("maps", maps), ("datasets", datasets), ("models", models)):
                counts[name] = conn.execute(delete(table).where(table.c.workspace_id.in_(idle))).rowcount
            counts["workspaces"] = conn.execute(delete(workspaces).where(workspaces.c.last_used < cutoff)).rowcount
            referenced = set(conn.scalars(select(datasets.c.content_hash)))
            referenced |= set(conn.scalars(select(models.c.content_hash)))
        return counts | self.store.sweep(referenced, grace_s)

    def counts(self) -> dict:
        """How many workspaces, datasets, models and maps the database holds."""
        with self._reading() as conn:
            return {
                name: conn.scalar(select(func.count()).select_from(table))
                for name, table in (
                    ("workspaces", workspaces),
                    ("datasets", datasets),
                    ("models", models),
                    ("maps", maps),
                )
            }
