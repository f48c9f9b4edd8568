"""Attack: a writer login (what an instrument PC or daemon holds) forges states with direct SQL.

Every forbidden move is refused with a clear error naming the item and from -> to, and the
database is checked afterwards, in SQL, to hold exactly what it held before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from opsdb.db import Database
from opsdb.testing import World, add_package_copy, add_packages, repair
from tests import roles_support
from tests.roles_support import LoginAs

pytestmark = pytest.mark.anyio
login_as = roles_support.login_as  # the fixture

SNAPSHOT = """
SELECT (SELECT array_agg((id, status, deleted_at, claim_token) ORDER BY id) FROM physical_copy)::text
    || (SELECT array_agg((id, status, state) ORDER BY id) FROM raw_data_package)::text
    || (SELECT array_agg((id, status, end_time) ORDER BY id) FROM executed_obs_unit)::text
    || (SELECT count(*) FROM state_history)::text
    || (SELECT count(*) FROM state_transition)::text
"""


@pytest.fixture
async def writer(login_as: LoginAs) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(await login_as("opsdb_writer"))
    yield conn
    await conn.close()


async def _snapshot(db: Database) -> str:
    async with db.connection() as conn:
        value: str = await conn.fetchval(SNAPSHOT)
        return value


async def _refused(writer: asyncpg.Connection, statement: str, *args: object, match: str) -> None:
    with pytest.raises(asyncpg.PostgresError, match=match) as err:
        await writer.execute(statement, *args)
    assert err.value.sqlstate in {"OPS01", "42501"}, err.value


async def test_writer_cannot_forge_a_state_by_direct_update(
    db: Database, world: World, writer: asyncpg.Connection
) -> None:
    async with db.connection() as conn:
        (waiting,) = await add_packages(conn, world, 1, status="completed")
        (archived,) = await add_packages(conn, world, 1, status="completed", state="archived", name="a")
        (failed,) = await add_packages(conn, world, 1, status="completed", state="failed", name="f")
        present = await add_package_copy(conn, waiting, world.locations["ccat_buffer"], verified=True)
        deleted = await add_package_copy(conn, archived, world.locations["ccat_buffer"], status="deleted")
        scheduled = await add_package_copy(conn, archived, world.locations["cologne_buffer"])
        await repair(conn, "UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = $1", scheduled)
    before = await _snapshot(db)
    forgeries = [
        # (waiting -> archived is a transition of the machine: who may make it is a matter of
        # per-actor grants, docs/security.md; a failed package cannot be archived)
        ("UPDATE raw_data_package SET state = 'archived' WHERE id = $1", failed, "failed -> archived"),
        # a deletion skipped: present straight to deleted, or into deletion without a claim's lease
        (
            "UPDATE physical_copy SET status = 'deleted', deleted_at = now() WHERE id = $1",
            present,
            "present -> deleted",
        ),
        (
            "UPDATE physical_copy SET status = 'deleted', deleted_at = now() WHERE id = $1",
            scheduled,
            "deletion_scheduled -> deleted",
        ),
        # a deleted copy revived
        ("UPDATE physical_copy SET status = 'present', deleted_at = NULL WHERE id = $1", deleted, "deleted -> present"),
        # an archived package sent back, a finished build reopened
        ("UPDATE raw_data_package SET state = 'waiting' WHERE id = $1", archived, "archived -> waiting"),
        ("UPDATE raw_data_package SET status = 'pending' WHERE id = $1", waiting, "completed -> pending"),
        # a claim on an item that is not in progress
        (
            "UPDATE raw_data_package SET claimed_by = 'x', claim_token = gen_random_uuid(), lease_until = now() "
            "WHERE id = $1",
            waiting,
            "completed -> completed",
        ),
        # a finished execution restarted
        (
            "UPDATE executed_obs_unit SET status = 'running', end_time = NULL WHERE id = $1",
            world.execution_id,
            "completed -> running",
        ),
    ]
    for statement, item, transition in forgeries:
        await _refused(writer, statement, item, match=f" {item}: \\w+ {transition} is not an allowed transition")
    # every row at once: refused as a whole
    await _refused(
        writer,
        "UPDATE physical_copy SET status = 'staged', deleted_at = NULL",
        match="deletion_scheduled -> staged is not",
    )
    assert await _snapshot(db) == before


async def test_writer_cannot_insert_items_in_a_later_state(
    db: Database, world: World, writer: asyncpg.Connection
) -> None:
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed", state="archived")
    before = await _snapshot(db)
    await _refused(
        writer,
        "INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, "
        "origin_location_id, state) VALUES ('x', 'x.tar', $1, $2, $3, 'archived')",
        world.execution_id,
        world.module_id,
        world.locations["ccat_source"],
        # the actor check (migration 0017) or the transition guard (0015), whichever fires first
        match=r"raw_data_package \d+: state \(new\) -> archived is not an allowed transition|may not create",
    )
    await _refused(
        writer,
        "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, deleted_at) "
        "VALUES ('raw_data_package', $1, $2, 'deleted', now())",
        package,
        world.locations["us_lta"],
        match=r"\(new\) -> deleted is not an allowed transition|may not",
    )
    await _refused(
        writer,
        "INSERT INTO executed_obs_unit (id, obs_unit_id, status, start_time, end_time) "
        "VALUES (gen_random_uuid(), $1, 'completed', now(), now())",
        world.obs_unit_id,
        match=r"\(new\) -> completed is not an allowed transition|may not",
    )
    assert await _snapshot(db) == before
    # what an instrument does is fine: a new execution starts running
    await writer.execute(
        "INSERT INTO executed_obs_unit (id, obs_unit_id, start_time) VALUES (gen_random_uuid(), $1, now())",
        world.obs_unit_id,
    )


async def test_writer_cannot_switch_the_guards_off(db: Database, world: World, writer: asyncpg.Connection) -> None:
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed", state="failed")
    before = await _snapshot(db)
    for statement in (
        "ALTER TABLE raw_data_package DISABLE TRIGGER raw_data_package_state_updated",
        "ALTER TABLE raw_data_package DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
        "INSERT INTO state_transition (machine, from_state, to_state) VALUES ('package_state', 'waiting', 'waiting')",
        "DELETE FROM state_transition",
        "UPDATE state_transition SET to_state = 'archived'",
        "DROP TRIGGER raw_data_package_state_updated ON raw_data_package",
        "CREATE OR REPLACE FUNCTION opsdb_repairing(tbl oid) RETURNS boolean LANGUAGE sql AS 'SELECT true'",
    ):
        await _refused(writer, statement, match="permission denied|must be owner|must be superuser")
    # the owner's repair switch means nothing to a writer
    async with writer.transaction():
        await writer.execute("SELECT set_config('opsdb.repair', 'on', true)")
        await _refused(
            writer,
            "UPDATE raw_data_package SET state = 'archived' WHERE id = $1",
            package,
            match="failed -> archived",
        )
    # nor does a temporary function shadowing the guard's helpers (the guards search public first)
    await writer.execute(
        "CREATE FUNCTION pg_temp.opsdb_repairing(tbl oid) RETURNS boolean LANGUAGE sql AS 'SELECT true'"
    )
    await _refused(
        writer, "UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package, match="failed -> archived"
    )
    assert await _snapshot(db) == before
