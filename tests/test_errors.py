"""The error family: every class says whether retrying is safe; real driver and OS errors map onto it."""

from __future__ import annotations

import inspect
from pathlib import Path

import anyio
import asyncpg
import pytest

from opsdb import errors
from opsdb.db import Database
from opsdb.errors import (
    DatabaseError,
    DatabaseUnavailableError,
    DeadlockError,
    LockTimeoutError,
    OpsdbError,
    SerializationFailureError,
    TransientError,
)
from opsdb.settings import Settings

pytestmark = pytest.mark.anyio

FAMILY = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, OpsdbError)]


def test_every_error_says_whether_retrying_is_safe_and_is_documented() -> None:
    assert errors.__doc__ is not None
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for cls in FAMILY:
        assert isinstance(cls.retry_safe, bool), cls
        assert cls.__name__ in errors.__doc__, f"{cls.__name__} is missing from the opsdb.errors docstring"
        assert cls.__name__ in readme, f"{cls.__name__} is missing from the README"
    assert DatabaseUnavailableError.retry_safe and TransientError.retry_safe
    assert not errors.ConnectionLostError.retry_safe and not errors.ConfigurationError.retry_safe


async def test_a_refused_connection_is_database_unavailable() -> None:
    settings = Settings(retry_attempts=2, retry_max_wait=0.1)
    with pytest.raises(DatabaseUnavailableError) as raised:
        await Database.connect("postgresql://ops:hunter2@127.0.0.1:1/opsdb", settings=settings)
    assert "hunter2" not in str(raised.value)
    assert isinstance(raised.value.__cause__, type(None) | OpsdbError)


async def test_a_deadlock_arrives_as_deadlock_error(db: Database) -> None:
    async with db.connection() as conn:
        await conn.execute("CREATE TABLE t_dl (id int PRIMARY KEY, v int); INSERT INTO t_dl VALUES (1, 0), (2, 0)")
    first_locked, second_locked = anyio.Event(), anyio.Event()
    outcomes: list[BaseException | None] = []

    async def side(mine: int, other: int, locked: anyio.Event, wait_for: anyio.Event) -> None:
        try:
            async with db.transaction() as uow:
                await uow.conn.execute("UPDATE t_dl SET v = v + 1 WHERE id = $1", mine)
                locked.set()
                await wait_for.wait()
                await uow.conn.execute("UPDATE t_dl SET v = v + 1 WHERE id = $1", other)
            outcomes.append(None)
        except Exception as exc:
            outcomes.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(side, 1, 2, first_locked, second_locked)
        tg.start_soon(side, 2, 1, second_locked, first_locked)
    failures = [o for o in outcomes if o is not None]
    assert len(failures) == 1
    assert isinstance(failures[0], DeadlockError) and failures[0].retry_safe


async def test_a_lock_timeout_is_transient_and_rolls_back(db: Database, database_dsn: str) -> None:
    """A row lock held past `lock_timeout` rolls the waiter back: retry-safe, not a key conflict."""
    async with db.connection() as conn:
        await conn.execute("CREATE TABLE t_lt (id int PRIMARY KEY, v int); INSERT INTO t_lt VALUES (1, 0)")
    holder = await asyncpg.connect(database_dsn)
    try:
        await holder.execute("BEGIN; SELECT v FROM t_lt WHERE id = 1 FOR UPDATE")
        with pytest.raises(LockTimeoutError) as raised:
            async with db.transaction() as uow:
                await uow.conn.execute("INSERT INTO t_lt VALUES (2, 0)")
                await uow.conn.execute("SET LOCAL lock_timeout = '100ms'")
                await uow.conn.execute("UPDATE t_lt SET v = v + 1 WHERE id = 1")
        assert isinstance(raised.value, TransientError) and raised.value.retry_safe
        await holder.execute("ROLLBACK")
    finally:
        await holder.close()
    async with db.connection() as conn:  # nothing of the rolled-back unit of work remains
        assert await conn.fetchval("SELECT count(*) FROM t_lt") == 1
        assert await conn.fetchval("SELECT v FROM t_lt WHERE id = 1") == 0


async def test_a_serialization_failure_arrives_as_such(db: Database, database_dsn: str) -> None:
    async with db.connection() as conn:
        await conn.execute("CREATE TABLE t_sf (id int PRIMARY KEY, v int); INSERT INTO t_sf VALUES (1, 0)")
        other = await asyncpg.connect(database_dsn)
        try:
            async with conn.raw.transaction(isolation="repeatable_read"):
                await conn.fetchval("SELECT v FROM t_sf WHERE id = 1")  # snapshot taken
                await other.execute("UPDATE t_sf SET v = 5 WHERE id = 1")
                with pytest.raises(SerializationFailureError):
                    await conn.execute("UPDATE t_sf SET v = v + 1 WHERE id = 1")
        finally:
            await other.close()


async def test_an_unmapped_server_error_is_a_database_error_with_its_sqlstate(db: Database) -> None:
    async with db.connection() as conn:
        with pytest.raises(DatabaseError) as raised:
            await conn.execute("SELECT * FROM no_such_table")
    assert raised.value.sqlstate == "42P01"
