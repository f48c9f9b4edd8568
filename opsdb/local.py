"""The zero-config local database: a persistent embedded PostgreSQL 18 for development.

Lives in `OPSDB_DATA_DIR`, else the user's data directory (`/var/lib/opsdb` for root: as root
the embedded server runs as the system user `embedded_postgres`, which must reach the folder;
opsdb changes no permissions, see `embedded.check_safe`). Every CLI command without
`OPSDB_DSN` uses its database `opsdb`, starting the server and migrating on demand; one
file lock serialises first-time starts, so two commands at once do not race initdb.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from opsdb.config import dsn_from_env, with_database
from opsdb.errors import DatabaseUnavailableError

DATABASE = "opsdb"


def data_dir() -> Path:
    """Where the local server keeps its data."""
    configured = os.environ.get("OPSDB_DATA_DIR", "").strip()
    if configured:
        return Path(configured).expanduser().resolve() / "pgdata"
    if os.geteuid() == 0:
        return Path("/var/lib/opsdb/pgdata")
    import platformdirs

    return Path(platformdirs.user_data_dir("opsdb")) / "pgdata"


@contextmanager
def _start_lock() -> Iterator[None]:
    """An exclusive lock file beside the data folder, held while starting and creating."""
    folder = data_dir().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / ".opsdb-start.lock", "a")  # noqa: SIM115 (held for the block)
    except OSError as exc:
        raise DatabaseUnavailableError(
            f"the local data folder {folder} is not writable ({exc.strerror}); set OPSDB_DATA_DIR to a folder "
            "you can write, or OPSDB_DSN"
        ) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def server_dsn() -> str:
    """Start the local server if needed; the DSN of its maintenance database `postgres`."""
    from opsdb import embedded

    with _start_lock():
        embedded.check_safe(data_dir())
        if embedded.system_user_missing():
            print(
                f"note: running as root, the local server runs as a new system user {embedded.SYSTEM_USER!r} "
                "(PostgreSQL refuses to run as root); it is being created",
                file=sys.stderr,
            )
        try:
            return embedded.dsn_of(embedded.start(data_dir(), persistent=True))
        except DatabaseUnavailableError:
            raise
        except Exception as exc:  # initdb / pg_ctl failures of the wheel
            raise DatabaseUnavailableError(
                f"cannot start the local server in {data_dir()}: {type(exc).__name__}: {exc} "
                f"(its log: {data_dir() / 'log'})"
            ) from None


def up(*, apply_migrations: bool = True, database: str = DATABASE) -> str:
    """Start the local server if needed, create (and migrate) `database`; returns its DSN."""
    import psycopg

    from opsdb import migrate

    admin = server_dsn()
    with _start_lock():
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
            if not exists:
                from psycopg import sql

                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        dsn = with_database(admin, database)
        if apply_migrations:
            migrate.apply(dsn)
    return dsn


def running() -> bool:
    """True when the local server runs."""
    from opsdb import embedded

    return embedded._postmaster_running(data_dir())


def down() -> bool:
    """Stop the local server; True when one was running."""
    from opsdb import embedded

    return embedded.stop(data_dir())


def reset() -> str:
    """Stop the local server, delete its data, start afresh; returns the new DSN."""
    down()
    shutil.rmtree(data_dir(), ignore_errors=True)
    return up()


def resolve_dsn(database: str | None = None) -> str:
    """`OPSDB_DSN` (or its server's `database`) when set, else the local database (started on demand)."""
    configured = dsn_from_env()
    if configured:
        return with_database(configured, database) if database else configured
    return up(database=database or DATABASE)
