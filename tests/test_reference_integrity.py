"""References of the bulk tables (raw_data_file, physical_copy), enforced by triggers instead of
foreign keys: every writer, both directions, and concurrent sessions (migration 0004)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import anyio
import asyncpg
import pytest

from opsdb.db import Database
from opsdb.errors import InvalidReferenceError
from opsdb.ids import uuid7
from opsdb.testing import Seeded, seed_registration

pytestmark = pytest.mark.anyio

INSERT_FILE = (
    "INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, name, relative_path,"
    " size_bytes, checksum_algorithm, checksum)"
    " SELECT f.id, f.module, f.unit, 'f', 'p/' || f.id, 1, 'md5', repeat('a', 32)"
    " FROM unnest($1::uuid[], $2::bigint[], $3::uuid[]) AS f (id, module, unit)"
)
INSERT_COPY = (
    "INSERT INTO physical_copy (type, raw_data_file_id, data_location_id) SELECT 'raw_data_file', f, $2"
    " FROM unnest($1::uuid[]) AS f"
)
ORPHANS = """
SELECT (SELECT count(*) FROM raw_data_file f
        WHERE NOT EXISTS (SELECT FROM executed_obs_unit u WHERE u.id = f.executed_obs_unit_id)
           OR NOT EXISTS (SELECT FROM instrument_module m WHERE m.id = f.instrument_module_id))
     + (SELECT count(*) FROM physical_copy c
        WHERE (c.raw_data_file_id IS NOT NULL
               AND NOT EXISTS (SELECT FROM raw_data_file f WHERE f.id = c.raw_data_file_id))
           OR NOT EXISTS (SELECT FROM data_location l WHERE l.id = c.data_location_id))
"""


@pytest.fixture
async def seeded(db: Database) -> Seeded:
    async with db.connection() as conn:
        return await seed_registration(conn, modules=2, units=4)


@pytest.fixture
async def other(database_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_dsn)
    try:
        yield conn
    finally:
        await conn.close()


async def _files(db: Database, seeded: Seeded, count: int, *, unit: int = 0) -> list[uuid.UUID]:
    ids = [uuid7() for _ in range(count)]
    async with db.connection() as conn:
        await conn.execute(INSERT_FILE, ids, [seeded.modules[0]] * count, [seeded.units[unit]] * count)
    return ids


async def _orphans(db: Database) -> int:
    async with db.connection() as conn:
        return int(await conn.fetchval(ORPHANS))


@pytest.mark.parametrize(
    ("column", "constraint"),
    [("module", "raw_data_file_instrument_module_id_fkey"), ("unit", "raw_data_file_executed_obs_unit_id_fkey")],
)
async def test_one_bad_row_fails_a_multi_row_insert_naming_the_constraint(
    db: Database, seeded: Seeded, column: str, constraint: str
) -> None:
    modules = [seeded.modules[0]] * 3
    units = [seeded.units[0]] * 3
    if column == "module":
        modules[1] = 10**9
    else:
        units[1] = uuid7()
    async with db.connection() as conn:
        with pytest.raises(InvalidReferenceError) as err:
            await conn.execute(INSERT_FILE, [uuid7() for _ in range(3)], modules, units)
        assert err.value.constraint == constraint
        assert await conn.fetchval("SELECT count(*) FROM raw_data_file") == 0


async def test_an_update_may_not_point_a_file_or_copy_at_a_missing_row(db: Database, seeded: Seeded) -> None:
    [file] = await _files(db, seeded, 1)
    async with db.connection() as conn:
        await conn.execute(INSERT_COPY, [file], seeded.location)
        cases = [
            ("UPDATE raw_data_file SET executed_obs_unit_id = $1", uuid7(), "raw_data_file_executed_obs_unit_id_fkey"),
            ("UPDATE raw_data_file SET instrument_module_id = $1", 10**9, "raw_data_file_instrument_module_id_fkey"),
            ("UPDATE raw_data_file SET raw_data_package_id = $1", 10**9, "raw_data_file_package_fkey"),
            ("UPDATE physical_copy SET data_location_id = $1", 10**9, "physical_copy_data_location_id_fkey"),
            ("UPDATE physical_copy SET raw_data_file_id = $1", uuid7(), "physical_copy_raw_data_file_id_fkey"),
        ]
        for sql, value, constraint in cases:
            with pytest.raises(InvalidReferenceError) as err:
                await conn.execute(sql, value)
            assert err.value.constraint == constraint
        # an update that leaves the references alone is not checked against anything
        await conn.execute("UPDATE raw_data_file SET name = 'renamed'")
        await conn.execute("UPDATE physical_copy SET data_location_id = $1", seeded.other_location)
    assert await _orphans(db) == 0


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("DELETE FROM executed_obs_unit", "raw_data_file_executed_obs_unit_id_fkey"),
        ("DELETE FROM instrument_module", "raw_data_file_instrument_module_id_fkey"),
        ("DELETE FROM raw_data_file", "physical_copy_raw_data_file_id_fkey"),
        ("DELETE FROM data_location", "physical_copy_data_location_id_fkey"),
        ("UPDATE executed_obs_unit SET id = gen_random_uuid()", "raw_data_file_executed_obs_unit_id_fkey"),
        ("TRUNCATE executed_obs_unit CASCADE", "raw_data_file_executed_obs_unit_id_fkey"),
        ("TRUNCATE raw_data_file", "physical_copy_raw_data_file_id_fkey"),
    ],
)
async def test_removing_a_referenced_row_is_refused_naming_the_constraint(
    db: Database, seeded: Seeded, statement: str, constraint: str
) -> None:
    files = await _files(db, seeded, 2)
    async with db.connection() as conn:
        await conn.execute(INSERT_COPY, files, seeded.location)
        with pytest.raises(InvalidReferenceError) as err:
            await conn.execute(statement)
        assert err.value.constraint == constraint
        assert await conn.fetchval("SELECT count(*) FROM physical_copy") == 2
    assert await _orphans(db) == 0


async def test_unreferenced_rows_can_be_removed_and_tables_truncated_together(db: Database, seeded: Seeded) -> None:
    files = await _files(db, seeded, 2, unit=0)
    async with db.connection() as conn:
        await conn.execute(INSERT_COPY, files, seeded.location)
        await conn.execute("DELETE FROM executed_obs_unit WHERE id = $1", seeded.units[3])
        await conn.execute("DELETE FROM data_location WHERE id = $1", seeded.other_location)
        await conn.execute("TRUNCATE physical_copy, raw_data_file")
        await conn.execute("DELETE FROM executed_obs_unit")
        assert await conn.fetchval("SELECT count(*) FROM executed_obs_unit") == 0


async def test_removing_under_repeatable_read_is_refused(db: Database, seeded: Seeded) -> None:
    async with db.connection() as conn:
        with pytest.raises(asyncpg.ObjectNotInPrerequisiteStateError, match="READ COMMITTED"):
            async with conn.raw.transaction(isolation="repeatable_read"):
                await conn.raw.execute("DELETE FROM executed_obs_unit WHERE id = $1", seeded.units[3])
        assert await conn.fetchval("SELECT count(*) FROM executed_obs_unit WHERE id = $1", seeded.units[3]) == 1


# concurrency: two sessions, each order ------------------------------------------------------


async def _insert_referencing(conn: asyncpg.Connection, seeded: Seeded, parent: str, file: uuid.UUID) -> None:
    if parent == "executed_obs_unit":
        await conn.execute(INSERT_FILE, [uuid7()], [seeded.modules[0]], [seeded.units[1]])
    else:  # a copy of an existing file
        await conn.execute(INSERT_COPY, [file], seeded.other_location)


def _delete_parent(parent: str, seeded: Seeded, file: uuid.UUID) -> tuple[str, object]:
    if parent == "executed_obs_unit":
        return "DELETE FROM executed_obs_unit WHERE id = $1", seeded.units[1]
    return "DELETE FROM raw_data_file WHERE id = $1", file


@pytest.mark.parametrize("parent", ["executed_obs_unit", "raw_data_file"])
async def test_a_delete_waits_for_an_uncommitted_referencing_insert_then_fails(
    db: Database, seeded: Seeded, other: asyncpg.Connection, database_dsn: str, parent: str
) -> None:
    [file] = await _files(db, seeded, 1, unit=0)
    inserter = await asyncpg.connect(database_dsn)
    try:
        transaction = inserter.transaction()
        await transaction.start()
        await _insert_referencing(inserter, seeded, parent, file)
        sql, key = _delete_parent(parent, seeded, file)
        await other.execute("SET lock_timeout = '300ms'")
        with pytest.raises(asyncpg.LockNotAvailableError):
            await other.execute(sql, key)
        await other.execute("SET lock_timeout = 0")
        outcome: list[BaseException] = []

        async def delete() -> None:
            try:
                await other.execute(sql, key)
            except asyncpg.ForeignKeyViolationError as exc:
                outcome.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(delete)
            await anyio.sleep(0.3)  # the delete now waits for the inserter
            await transaction.commit()
    finally:
        await inserter.close()
    assert len(outcome) == 1
    assert await _orphans(db) == 0


@pytest.mark.parametrize("parent", ["executed_obs_unit", "raw_data_file"])
async def test_an_insert_waits_for_an_uncommitted_delete_then_fails(
    db: Database, seeded: Seeded, other: asyncpg.Connection, parent: str
) -> None:
    [file] = await _files(db, seeded, 1, unit=0)
    sql, key = _delete_parent(parent, seeded, file)
    transaction = other.transaction()
    await transaction.start()
    await other.execute(sql, key)
    outcome: list[BaseException] = []

    async def insert() -> None:
        async with db.connection() as conn:
            try:
                await _insert_referencing(conn.raw, seeded, parent, file)
            except asyncpg.ForeignKeyViolationError as exc:
                outcome.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(insert)
        await anyio.sleep(0.3)  # the insert now waits for the deleter
        await transaction.commit()
    assert len(outcome) == 1
    assert await _orphans(db) == 0


async def test_a_repeatable_read_insert_racing_a_committed_delete_fails(
    db: Database, seeded: Seeded, other: asyncpg.Connection
) -> None:
    async with db.connection() as conn:
        with pytest.raises((asyncpg.SerializationError, asyncpg.ForeignKeyViolationError)):
            async with conn.raw.transaction(isolation="repeatable_read"):
                await conn.raw.fetchval("SELECT count(*) FROM executed_obs_unit")  # snapshot taken
                await other.execute("DELETE FROM executed_obs_unit WHERE id = $1", seeded.units[2])
                await conn.raw.execute(INSERT_FILE, [uuid7()], [seeded.modules[0]], [seeded.units[2]])
    assert await _orphans(db) == 0


async def test_racing_inserters_and_deleters_on_many_connections_leave_no_orphans(
    db: Database, seeded: Seeded, database_dsn: str
) -> None:
    async with db.connection() as conn:
        extra = [uuid7() for _ in range(12)]
        await conn.execute(
            "INSERT INTO executed_obs_unit (id, obs_unit_id, start_time) SELECT u, $2, now() FROM unnest($1::uuid[]) u",
            extra,
            seeded.obs_unit,
        )
    files = await _files(db, seeded, 40, unit=0)

    async def insert_files(worker: int) -> None:
        conn = await asyncpg.connect(database_dsn)
        try:
            for n, unit in enumerate(extra):
                batch = [uuid7() for _ in range(20)]
                try:
                    async with conn.transaction():
                        await conn.execute(INSERT_FILE, batch, [seeded.modules[0]] * 20, [unit] * 20)
                        mine = files[worker * 10 + n % 10]
                        await conn.execute(INSERT_COPY, [mine], seeded.other_location)
                except (asyncpg.ForeignKeyViolationError, asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError):
                    pass
        finally:
            await conn.close()

    async def delete_parents() -> None:
        conn = await asyncpg.connect(database_dsn)
        try:
            for unit, file in zip(extra, files, strict=False):
                for sql, key in (
                    ("DELETE FROM executed_obs_unit WHERE id = $1", unit),
                    ("DELETE FROM raw_data_file WHERE id = $1", file),
                ):
                    with contextlib.suppress(asyncpg.ForeignKeyViolationError, asyncpg.DeadlockDetectedError):
                        await conn.execute(sql, key)
                await anyio.sleep(0.01)
        finally:
            await conn.close()

    async with anyio.create_task_group() as tg:
        for worker in range(4):
            tg.start_soon(insert_files, worker)
        tg.start_soon(delete_parents)
        tg.start_soon(delete_parents)
    assert await _orphans(db) == 0
