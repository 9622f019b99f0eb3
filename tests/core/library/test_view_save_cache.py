"""Library.save_view remembers each workspace's id: a save is one UPDATE, and never writes to another workspace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

import latent_core as lc
from latent_core.library.library import token_sha256
from latent_core.library.schema import workspaces
from tests.core.library.roundtrip import set_last_used
from tests.core.library.test_postgres import pg_library  # noqa: F401 (a fixture: the PostgreSQL runs below)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_library(request, library):
    """The library on SQLite, then on PostgreSQL (skipped without LATENT_EXPLORER_TEST_PG, as test_postgres is)."""
    return library if request.param == "sqlite" else request.getfixturevalue("pg_library")


def statements(library) -> list[str]:
    """The SQL statements `library` sends from now on (their first word, upper case), in order."""
    sent: list[str] = []
    event.listen(library.engine, "before_cursor_execute", lambda *args: sent.append(args[2].split()[0].upper()))
    return sent


def workspace_id(library, token) -> int:
    with library.engine.connect() as conn:
        return conn.scalar(select(workspaces.c.id).where(workspaces.c.token_sha256 == token_sha256(token)))


def remove(library, token) -> None:
    """Remove the workspace as retention does (only it: other tests may share a PostgreSQL database)."""
    set_last_used(library, token, datetime(2000, 1, 1, tzinfo=UTC))
    assert library.gc(idle_days=1, grace_s=0)["workspaces"] >= 1
    assert not library.has_workspace(token)


def test_a_view_saved_again_is_one_update_without_looking_the_token_up(any_library):
    token, other = any_library.create_workspace(), any_library.create_workspace()
    any_library.save_view(token, {"base": [0.0, 1.0]})
    sent = statements(any_library)
    for i in range(3):
        any_library.save_view(token, {"base": [float(i), 1.0]})
    assert sent.count("UPDATE") == 3 and "SELECT" not in sent
    assert any_library.view(token) == {"base": [2.0, 1.0]} and any_library.view(other) == {}


def test_a_removed_workspace_still_refuses_a_view_after_its_id_was_remembered(any_library):
    token = any_library.create_workspace()
    any_library.save_view(token, {"colour": "label"})
    remove(any_library, token)
    with pytest.raises(lc.InvalidInputError, match="No workspace has this link"):
        any_library.save_view(token, {"colour": "label"})


def test_a_remembered_id_that_sqlite_gives_to_a_new_workspace_is_not_written_to(library):
    removed = library.create_workspace()
    library.save_view(removed, {"dataset": "data-1"})
    old_id = workspace_id(library, removed)
    remove(library, removed)
    newer = library.create_workspace()
    assert workspace_id(library, newer) == old_id  # SQLite reuses the largest id once its row is gone
    with pytest.raises(lc.InvalidInputError, match="No workspace has this link"):
        library.save_view(removed, {"dataset": "data-2"})
    assert library.view(newer) == {}
    library.save_view(newer, {"dataset": "data-3"})
    assert library.view(newer) == {"dataset": "data-3"}


def test_malformed_tokens_and_views_are_refused_as_before(library, token):
    for malformed in ("not-a-token", None, ["a"]):
        with pytest.raises(lc.InvalidInputError, match="workspace link is not valid"):
            library.save_view(malformed, {})
    library.save_view(token, {"a": 1})
    with pytest.raises(lc.InvalidInputError, match="plain JSON"):
        library.save_view(token, {"a": object()})
    assert library.view(token) == {"a": 1}
