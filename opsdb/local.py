"""The zero-config local database: a persistent embedded PostgreSQL 18 for development.

Lives in `OPSDB_DATA_DIR`, else the user's data directory (`/var/lib/opsdb` for root: the
embedded server makes every parent of its data directory world-readable, so never /root).
Every CLI command without `OPSDB_DSN` uses it, starting it and migrating it on demand.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg

from opsdb import embedded, migrate
from opsdb.config import dsn_from_env, with_database

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


def up(*, apply_migrations: bool = True) -> str:
    """Start the local server if needed, create (and migrate) its database; returns its DSN."""
    server = embedded.start(data_dir(), persistent=True)
    admin = embedded.dsn_of(server)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    dsn = with_database(admin, DATABASE)
    if apply_migrations:
        migrate.apply(dsn)
    return dsn


def down() -> bool:
    """Stop the local server; True when one was running."""
    return embedded.stop(data_dir())


def reset() -> str:
    """Stop the local server, delete its data, start afresh; returns the new DSN."""
    down()
    shutil.rmtree(data_dir(), ignore_errors=True)
    return up()


def resolve_dsn() -> str:
    """`OPSDB_DSN` when set, else the local database (started on demand)."""
    return dsn_from_env() or up()
