"""Apply, roll back and list schema migrations with yoyo, safe when two deploys race.

A session-level advisory lock serialises opsdb's own deploys (the second waits, then finds
nothing to do); yoyo's lock row additionally guards against a plain `yoyo apply`. Both need
a direct connection: through a transaction pooler the advisory lock would be held by whichever
server session the pooler picked (two deploys could hold it at once) and yoyo's savepoints
fail, so a pooled DSN is refused (ConfigurationError naming OPSDB_MIGRATE_DSN). The lock is
waited for at most `lock_timeout` seconds (`OPSDB_MIGRATE_LOCK_TIMEOUT`); then
DeployLockTimeoutError names the session holding it (pid, application_name, role).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from yoyo import get_backend, read_migrations

from opsdb.config import redact_dsn, yoyo_url
from opsdb.errors import ConfigurationError, DatabaseUnavailableError, DeployLockTimeoutError
from opsdb.resources import migrations_dir

_LOCK_KEY = 0x6F707364_62  # "opsdb": one advisory-lock key for every deploy
DEFAULT_LOCK_TIMEOUT = 60.0

_HOLDER = """
SELECT a.pid, a.application_name, a.usename, a.client_addr::text AS client, a.backend_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid
"""


@dataclass(frozen=True)
class MigrationState:
    id: str
    applied: bool


def _connect(dsn: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(
            dsn.replace("postgresql+psycopg://", "postgresql://"),
            autocommit=True,
            application_name="opsdb-migrate",
            connect_timeout=10,
        )
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailableError(f"cannot connect to {redact_dsn(dsn)}: {redact_dsn(str(exc))}") from None


def refuse_pooled(conn: psycopg.Connection[Any], dsn: str) -> None:
    """ConfigurationError when `conn` goes through a pooler (the server's pid is not the start-up one)."""
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    if row is None or row[0] != conn.info.backend_pid:
        raise ConfigurationError(
            f"{redact_dsn(dsn)} goes through a connection pooler; migrations need a direct connection "
            "to PostgreSQL (DDL, a session lock): set OPSDB_MIGRATE_DSN to one"
        )


class _DeployLock:
    """Holds `pg_advisory_lock` on its own direct connection for the duration of a deploy."""

    def __init__(self, dsn: str, timeout: float) -> None:
        self._dsn = dsn
        self._timeout = timeout
        self._conn: psycopg.Connection[Any] | None = None

    def __enter__(self) -> None:
        self._conn = conn = _connect(self._dsn)
        try:
            refuse_pooled(conn, self._dsn)
            deadline = time.monotonic() + self._timeout
            delay = 0.05
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK_KEY,)).fetchone()[0]:  # type: ignore[index]
                if time.monotonic() + delay > deadline:
                    raise DeployLockTimeoutError(f"another deploy holds the migration lock: {self._holder(conn)}")
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        except BaseException:
            conn.close()
            raise

    def _holder(self, conn: psycopg.Connection[Any]) -> str:
        row = conn.execute(_HOLDER, (_LOCK_KEY >> 32, _LOCK_KEY & 0xFFFFFFFF)).fetchone()
        if row is None:
            return "its holder is gone now; run again"
        pid, app, role, client, since = row
        return (
            f"held for over {self._timeout:g} s by pid {pid} (application_name {app!r}, role {role!r}, "
            f"client {client or 'local'}, connected since {since:%Y-%m-%d %H:%M:%S %Z}); "
            f"end it with SELECT pg_terminate_backend({pid}) if it is stuck"
        )

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


def apply(dsn: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> list[str]:
    """Apply every pending migration; returns the ids applied (empty when up to date)."""
    with _DeployLock(dsn, lock_timeout), _yoyo(dsn) as (backend, migrations):
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        return [m.id for m in pending]


def rollback(dsn: str, *, count: int | None = 1, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> list[str]:
    """Roll back the last `count` applied migrations (all of them when None)."""
    with _DeployLock(dsn, lock_timeout), _yoyo(dsn) as (backend, migrations):
        with backend.lock():
            applied = backend.to_rollback(migrations)
            chosen = applied if count is None else applied[:count]
            backend.rollback_migrations(chosen)
        return [m.id for m in chosen]


def status(dsn: str) -> list[MigrationState]:
    """Every known migration, in order, with whether it is applied."""
    with _connect(dsn) as conn:
        refuse_pooled(conn, dsn)
    with _yoyo(dsn) as (backend, migrations):
        return [MigrationState(m.id, backend.is_applied(m)) for m in migrations]
