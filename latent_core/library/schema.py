"""The library's tables (SQLAlchemy 2 Core) and its database engine, the same on SQLite and PostgreSQL.

workspaces: one row per workspace, named by the sha256 of its token (the token itself is never stored),
with its saved view and a counter per key prefix; datasets, models and maps belong to one workspace
each and name their files by content hash (see store.py). JSON is stored as text, so any database takes it.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_MS = 30_000
READING = "latent_library_reading"  # the execution option of transactions that only read


def finite(value):
    """`value` with every NaN or infinite float replaced by None (strict JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def plain(value):
    """A value json cannot write as it is, as one it can: numpy numbers and arrays as numbers and lists, else text."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


class JSONText(TypeDecorator):
    """A JSON value kept as text: portable across databases, and strict (NaN is stored as null)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        plain_value = json.loads(json.dumps(value, default=plain))  # numpy values to numbers, then NaN to null
        return json.dumps(finite(plain_value), allow_nan=False, separators=(",", ":"))

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite returns naive ones, read here as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


metadata = MetaData()

KEY = String(40)  # data-<n>, run-<n>, checkpoint-<n>
HASH = String(64)  # a content hash or fingerprint

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created", UTCDateTime, nullable=False),
    Column("last_used", UTCDateTime, nullable=False, index=True),
    Column("view", JSONText, nullable=False),
    Column("datasets_made", Integer, nullable=False, default=0),
    Column("runs_made", Integer, nullable=False, default=0),
    Column("checkpoints_made", Integer, nullable=False, default=0),
)

# the counter that numbers each key prefix within a workspace: data-<n>, run-<n>, checkpoint-<n>
COUNTERS = {"data": "datasets_made", "run": "runs_made", "checkpoint": "checkpoints_made"}


def owned(name: str, *columns: Column) -> Table:
    """A table of things that belong to one workspace, keyed by (workspace, key) when it has a key column."""
    parts = [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True),
        *columns,
        Column("created", UTCDateTime, nullable=False),
    ]
    if any(column.name == "key" for column in columns):
        parts.append(UniqueConstraint("workspace_id", "key", name=f"{name}_workspace_key"))
    return Table(name, metadata, *parts)


datasets = owned(
    "datasets",
    Column("key", KEY, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("content_hash", HASH, nullable=False, index=True),
    Column("size", Integer, nullable=False),
    Column("shape", JSONText, nullable=False),
    Column("report", JSONText, nullable=False),
    Column("bytes", BigInteger, nullable=False),
)

models = owned(
    "models",
    Column("key", KEY, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("latent_dim", Integer, nullable=False),
    Column("beta", Float, nullable=True),
    Column("epochs", Integer, nullable=False),
    Column("dataset_name", Text, nullable=True),
    Column("dataset_fingerprint", Text, nullable=True),
    Column("val_loss", Float, nullable=True),
    Column("metrics", JSONText, nullable=False),
    Column("history", JSONText, nullable=False),
    Column("config", JSONText, nullable=False),
    Column("parent", KEY, nullable=True),
    Column("content_hash", HASH, nullable=False, index=True),
    Column("bytes", BigInteger, nullable=False),
    Column("seconds", Float, nullable=True),
)

maps = owned(
    "maps",
    Column("dataset_key", Text, nullable=False),
    Column("model_key", Text, nullable=False),
    Column("method", Text, nullable=False),
    Column("dims", Integer, nullable=False),
    Column("settings", JSONText, nullable=False),
    Column("codes_fingerprint", Text, nullable=False),
)


def sqlite_pragmas(dbapi_connection, _record) -> None:
    """Each SQLite connection: WAL journal, foreign keys on, a wait instead of 'database is locked', and
    transactions begun by SQLAlchemy (see begin_immediate) rather than by the sqlite3 module."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def begin_immediate(connection) -> None:
    """SQLite transactions take the write lock when they begin, so two processes that read and then write
    (numbering keys, checking quotas) wait for each other instead of failing half-way; a connection with the
    READING execution option begins a plain transaction, which in WAL mode neither waits for nor blocks writers."""
    reading = connection.get_execution_options().get(READING, False)
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`; on SQLite with the pragmas and locking above, elsewhere as the database comes."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
        event.listen(engine, "connect", sqlite_pragmas)
        event.listen(engine, "begin", begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)
