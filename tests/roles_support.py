"""Test logins for the opsdb group roles: `login_as(group)` makes a LOGIN member and returns its DSN.

Logins get unique names and are dropped after the test; the group roles are cluster-wide and
shared with every other database on the server.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

LoginAs = Callable[..., Awaitable[str]]

ACTOR_ROLES = (
    "opsdb_instrument",
    "opsdb_packager",
    "opsdb_transfer_daemon",
    "opsdb_archive_daemon",
    "opsdb_staging_daemon",
    "opsdb_deletion_daemon",
    "opsdb_operator",
)
"""The per-actor group roles of migration 0017."""


def as_user(dsn: str, user: str) -> str:
    """`dsn` with its user replaced by `user` (no password: the test servers trust local logins)."""
    parts = urlsplit(dsn)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


def login_name(group: str) -> str:
    return f"opsdb_t_{group.removeprefix('opsdb_')}_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def login_as(server_dsn: str, database_dsn: str) -> AsyncIterator[LoginAs]:
    """Yields `make(group, dsn=this test's database)`: a new LOGIN member of `group`, as a DSN."""
    made: list[str] = []

    async def make(group: str, dsn: str = database_dsn) -> str:
        name = login_name(group)
        with psycopg.connect(server_dsn, autocommit=True) as admin:
            admin.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE {group}')
        made.append(name)
        return as_user(dsn, name)

    yield make
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        for name in made:
            admin.execute(f'DROP ROLE IF EXISTS "{name}"')
