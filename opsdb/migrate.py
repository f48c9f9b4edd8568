"""Apply, roll back and list schema migrations with yoyo, safe when two deploys race.

A session-level advisory lock serialises opsdb's own deploys (the second waits, then finds
nothing to do); yoyo's lock row additionally guards against a plain `yoyo apply`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from yoyo import get_backend, read_migrations

from opsdb.config import yoyo_url
from opsdb.resources import migrations_dir

_LOCK_KEY = 0x6F707364_62  # "opsdb": one advisory-lock key for every deploy


@dataclass(frozen=True)
class MigrationState:
    id: str
    applied: bool


class _DeployLock:
    """Holds `pg_advisory_lock` on its own connection for the duration of a deploy."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: psycopg.Connection[Any] | None = None

    def __enter__(self) -> None:
        self._conn = psycopg.connect(self._dsn.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        self._conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))

    def __exit__(self, *exc: object) -> None:
        assert self._conn is not None
        try:
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
        finally:
            self._conn.close()


@contextmanager
def _yoyo(dsn: str) -> Iterator[tuple[Any, Any]]:
    """yoyo's backend and the migrations, with the backend's connection closed afterwards."""
    backend = get_backend(yoyo_url(dsn))
    try:
        yield backend, read_migrations(str(migrations_dir()))
    finally:
        backend.connection.close()


def apply(dsn: str) -> list[str]:
    """Apply every pending migration; returns the ids applied (empty when up to date)."""
    with _DeployLock(dsn), _yoyo(dsn) as (backend, migrations):
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        return [m.id for m in pending]


def rollback(dsn: str, *, count: int | None = 1) -> list[str]:
    """Roll back the last `count` applied migrations (all of them when None)."""
    with _DeployLock(dsn), _yoyo(dsn) as (backend, migrations):
        with backend.lock():
            applied = backend.to_rollback(migrations)
            chosen = applied if count is None else applied[:count]
            backend.rollback_migrations(chosen)
        return [m.id for m in chosen]


def status(dsn: str) -> list[MigrationState]:
    """Every known migration, in order, with whether it is applied."""
    with _yoyo(dsn) as (backend, migrations):
        return [MigrationState(m.id, backend.is_applied(m)) for m in migrations]
