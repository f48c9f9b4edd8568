"""Set-up of a simulation's own database: (re)create and migrate it, never touching real data.

Holds `prepare_database` and the mark it puts on its database; not the seed, the night or the checks.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from opsdb import migrate
from opsdb.config import with_database

DATABASE = "opsdb_simulate"
"""The dedicated database a simulation (re)creates; no other database is touched."""
SIMULATION_MARK = "opsdb simulate: recreated by every run"
"""The comment `prepare_database` puts on its database; it drops no database without it."""


def prepare_database(server_dsn: str, database: str = DATABASE) -> str:
    """Make `database` on the server of `server_dsn` ready for a night, migrated; its DSN.

    A database an earlier run made (marked with SIMULATION_MARK) is dropped and recreated; a
    missing one is created; an existing one not made by a simulation is used only when it is
    empty (no tables, or opsdb's schema without an observatory, site, user or file), and is
    then marked. Anything else is refused (ValueError): a simulation never touches real data.

    The admin connection uses `server_dsn`'s own database (the maintenance database
    `postgres` when that is `database` itself: a database cannot drop itself).
    """
    admin_dsn = server_dsn
    if urlsplit(server_dsn).path.lstrip("/") == database:
        admin_dsn = with_database(server_dsn, "postgres")
    dsn = with_database(server_dsn, database)
    name = sql.Identifier(database)  # an identifier cannot be a bind parameter: quoted here
    mark = sql.SQL("COMMENT ON DATABASE {} IS {}").format(name, sql.Literal(SIMULATION_MARK))
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        found = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if found is not None and found[0] != SIMULATION_MARK:
            if not _empty(dsn):
                raise ValueError(
                    f"database {database!r} holds data not made by `opsdb simulate`: refusing to touch it "
                    "(choose another with --database NAME)"
                )
            admin.execute(mark)
        else:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
            admin.execute(mark)
    migrate.apply(dsn)
    return dsn


def _empty(dsn: str) -> bool:
    """True when the database has no tables, or opsdb's tables hold no observatory, site, user or file."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_name NOT LIKE %s",
                ("\\_yoyo%",),
            ).fetchall()
        }
        tables -= {"yoyo_lock"}
        if not tables:
            return True
        core = ("observatory", "site", "user_account", "raw_data_file")
        if not set(core) <= tables:
            return False
        for table in core:
            query_text = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
            row = conn.execute(query_text).fetchone()
            if row is None or row[0]:
                return False
        return True
