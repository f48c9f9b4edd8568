"""Login roles for tests that connect as a member of a group role (opsdb_writer, ...).

`login_as(group)` makes a LOGIN role in `group` (unique name) and returns a DSN for this test's
database; the roles are dropped afterwards. Import `login_as_fixture` into a test module to use it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

LoginAs = Callable[..., Awaitable[str]]


def as_user(dsn: str, user: str) -> str:
    """`dsn` with its user replaced by `user` (no password: the test servers trust local logins)."""
    parts = urlsplit(dsn)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


@pytest.fixture(name="login_as")
async def login_as_fixture(server_dsn: str, database_dsn: str) -> AsyncIterator[LoginAs]:
    """Yields `make(group)`: a new LOGIN member of `group` on this test's database, as a DSN."""
    made: list[str] = []

    async def make(group: str, dsn: str = database_dsn) -> str:
        name = f"opsdb_t_{group.removeprefix('opsdb_')}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server_dsn, autocommit=True) as admin:
            admin.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE {group}')
        made.append(name)
        return as_user(dsn, name)

    yield make
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        for name in made:
            admin.execute(f'DROP ROLE IF EXISTS "{name}"')
