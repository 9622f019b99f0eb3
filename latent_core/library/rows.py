"""The library's queries: rows of a workspace read as records, keys numbered, usage summed.

Every function takes an open connection (in a transaction) and a workspace id, so Library decides
what happens in one transaction.
"""

from __future__ import annotations

from sqlalchemy import insert, select, union_all, update

from ..errors import InvalidInputError
from .records import DatasetRecord, MapRecord, ModelRecord
from .schema import COUNTERS, datasets, finite, maps, models, utcnow, workspaces


def touch_workspace(conn, wid: int) -> None:
    conn.execute(update(workspaces).where(workspaces.c.id == wid).values(last_used=utcnow()))


def next_key(conn, wid: int, prefix: str) -> str:
    """The next key of this prefix in the workspace ("run-4" after run-3), never reused after a delete."""
    counter = workspaces.c[COUNTERS[prefix]]
    conn.execute(update(workspaces).where(workspaces.c.id == wid).values({counter: counter + 1}))
    return f"{prefix}-{conn.scalar(select(counter).where(workspaces.c.id == wid))}"


def owned_files(conn, wid: int) -> dict[str, int]:
    """content hash -> bytes of every file the workspace's rows refer to."""
    query = union_all(
        select(datasets.c.content_hash, datasets.c.bytes).where(datasets.c.workspace_id == wid),
        select(models.c.content_hash, models.c.bytes).where(models.c.workspace_id == wid),
    )
    return {row.content_hash: row.bytes for row in conn.execute(query)}


def workspace_usage(conn, wid: int) -> int:
    return sum(owned_files(conn, wid).values())


def refers_to(conn, wid: int, content_hash: str) -> bool:
    return content_hash in owned_files(conn, wid)


def dataset_record(row) -> DatasetRecord:
    return DatasetRecord(
        key=row.key,
        name=row.name,
        kind=row.kind,
        content_hash=row.content_hash,
        size=row.size,
        shape=tuple(row.shape),
        report=row.report,
        bytes=row.bytes,
        created=row.created,
    )


def model_record(row, store) -> ModelRecord:
    return ModelRecord(
        key=row.key,
        name=row.name,
        kind=row.kind,
        source=row.source,
        latent_dim=row.latent_dim,
        beta=row.beta,
        epochs=row.epochs,
        dataset_name=row.dataset_name,
        dataset_fingerprint=row.dataset_fingerprint,
        val_loss=row.val_loss,
        metrics=row.metrics,
        history=row.history,
        config=row.config,
        parent=row.parent,
        content_hash=row.content_hash,
        bytes=row.bytes,
        created=row.created,
        seconds=row.seconds,
        path=store.path(row.content_hash),
    )


def model_values(config: dict) -> dict:
    """The columns a model's config fills: kind, latent size, β (VAEs only), epochs, data, losses and metrics."""
    history = [dict(epoch) for epoch in config.get("history") or [] if isinstance(epoch, dict)]
    data = config.get("dataset") if isinstance(config.get("dataset"), dict) else {}
    metrics = config.get("metrics") if isinstance(config.get("metrics"), dict) else {}
    best = config.get("best_epoch")  # the epoch whose weights were kept (early stopping, or cancel)
    kept = next((epoch for epoch in history if epoch.get("epoch") == best), history[-1] if history else {})
    val_loss = kept.get("val_loss")
    beta = config.get("beta", 1.0) if config["kind"] == "vae" else None
    return {
        "kind": config["kind"],
        "latent_dim": int(config["architecture"]["latent_dim"]),
        "beta": None if beta is None else float(beta),
        "epochs": len(history),
        "dataset_name": data.get("name"),
        "dataset_fingerprint": data.get("fingerprint"),
        "val_loss": finite(None if val_loss is None else float(val_loss)),
        "metrics": metrics,
        "history": history,
        "config": {k: v for k, v in config.items() if k != "history"},
    }


def in_workspace(table, wid: int):
    return select(table).where(table.c.workspace_id == wid).order_by(table.c.created, table.c.id)


def datasets_of(conn, wid: int) -> list[DatasetRecord]:
    return [dataset_record(row) for row in conn.execute(in_workspace(datasets, wid))]


def models_of(conn, wid: int, store) -> list[ModelRecord]:
    return [model_record(row, store) for row in conn.execute(in_workspace(models, wid))]


def maps_of(conn, wid: int) -> list[MapRecord]:
    return [
        MapRecord(
            row.dataset_key, row.model_key, row.method, row.dims, row.settings, row.codes_fingerprint, row.created
        )
        for row in conn.execute(in_workspace(maps, wid))
    ]


def by_key(conn, table, wid: int, key: str, what: str):
    row = conn.execute(select(table).where(table.c.workspace_id == wid, table.c.key == str(key))).first()
    if row is None:
        raise InvalidInputError(f"{what} '{str(key)[:40]}' is not in this workspace.")
    return row


def dataset_by_key(conn, wid: int, key: str) -> DatasetRecord:
    return dataset_record(by_key(conn, datasets, wid, key, "Dataset"))


def model_by_key(conn, wid: int, key: str, store) -> ModelRecord:
    return model_record(by_key(conn, models, wid, key, "Model"), store)


def by_hash(conn, table, wid: int, content_hash: str):
    query = in_workspace(table, wid).where(table.c.content_hash == content_hash).limit(1)
    return conn.execute(query).first()


def dataset_by_hash(conn, wid: int, content_hash: str) -> DatasetRecord | None:
    row = by_hash(conn, datasets, wid, content_hash)
    return None if row is None else dataset_record(row)


def model_by_hash(conn, wid: int, content_hash: str, store) -> ModelRecord | None:
    row = by_hash(conn, models, wid, content_hash)
    return None if row is None else model_record(row, store)


def record_map(conn, wid: int, dataset_key: str, model_key: str, config, codes: str) -> None:
    """Insert a map's row (config: a ProjectionConfig), or renew the date of the same map drawn before."""
    values = {"dataset_key": dataset_key, "model_key": model_key, "method": config.method, "dims": int(config.dims)}
    values["codes_fingerprint"] = codes
    settings = config.to_dict()
    same = select(maps.c.id, maps.c.settings).where(
        maps.c.workspace_id == wid, *(maps.c[k] == v for k, v in values.items())
    )
    found = [row.id for row in conn.execute(same) if row.settings == settings]
    if found:
        conn.execute(update(maps).where(maps.c.id == found[0]).values(created=utcnow()))
    else:
        conn.execute(insert(maps).values(workspace_id=wid, settings=settings, created=utcnow(), **values))
