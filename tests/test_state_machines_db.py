"""The database enforces every state machine: its transition table equals opsdb/states.py, and a
direct UPDATE of any state column, as the owner or as a writer, passes exactly when the machine
allows it (refused ones change nothing). History of the changes: tests/test_audit.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from itertools import count

import pytest

from opsdb.db import Connection, Database
from opsdb.errors import InvalidTransitionError
from opsdb.states import INITIAL, MACHINE_COLUMNS, TRANSITIONS, Machine
from opsdb.testing import World, add_execution, repair
from tests import roles_support
from tests.roles_support import LoginAs

pytestmark = pytest.mark.anyio
login_as = roles_support.login_as  # the fixture


# -- the database's table is opsdb/states.py -----------------------------------------------


async def test_transition_table_equals_states_py(db: Database) -> None:
    async with db.connection() as conn:
        rows = await conn.fetch("SELECT machine, from_state, to_state FROM state_transition")
        columns = await conn.fetch("SELECT table_name, column_name, machine FROM state_column")
    in_db = {(r["machine"], r["from_state"], r["to_state"]) for r in rows}
    in_python = {(m.value, f, t) for m, states in TRANSITIONS.items() for f, targets in states.items() for t in targets}
    in_python |= {(m.value, None, s) for m, states in INITIAL.items() for s in states}
    assert in_db == in_python
    assert {(r["table_name"], r["column_name"]): r["machine"] for r in columns} == {
        key: m.value for key, m in MACHINE_COLUMNS.items()
    }


async def test_every_guarded_column_has_the_guard_triggers(db: Database) -> None:
    async with db.connection() as conn:
        triggers = {
            r["tgname"]
            for r in await conn.fetch("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'")
        }
    for table, _ in MACHINE_COLUMNS:
        assert {f"{table}_state_inserted", f"{table}_state_updated"} <= triggers


async def test_check_constraints_allow_exactly_the_machines_states(db: Database) -> None:
    """Each state column's CHECK lists the machine's states: no state the machine does not know."""
    async with db.connection() as conn:
        for (table, column), machine in MACHINE_COLUMNS.items():
            definition = await conn.fetchval(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1", f"{table}_{column}_valid"
            )
            assert definition is not None, (table, column)
            for state in TRANSITIONS[machine]:
                assert f"'{state}'" in definition, (table, column, state)


# -- every pair of states, by direct UPDATE ----------------------------------------------------


@dataclass(frozen=True)
class Column:
    """How to make a row of `table` and move its `column` (the other columns satisfy the CHECKs)."""

    table: str
    column: str
    make: Callable[[Connection, World, int], Awaitable[object]]
    fixups: str
    """SET items (with $2 = the target state) that satisfy the table's CHECKs in that state."""


def _claim(prefix: str = "") -> str:
    token = f"{prefix}claim_token = gen_random_uuid()"
    return f"{prefix}claimed_by = 'w', {token}, {prefix}lease_until = now() + interval '1 h'"


async def _package(conn: Connection, world: World, n: int) -> object:
    return await conn.fetchval(
        "INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, "
        "origin_location_id, size_bytes, checksum, checksum_algorithm) "
        "VALUES ($1, $1 || '.tar', $2, $3, $4, 1, repeat('a', 64), 'sha256') RETURNING id",
        f"p{n}",
        world.execution_id,
        world.module_id,
        world.locations["ccat_buffer"],
    )


async def _bundle(conn: Connection, world: World, n: int) -> object:
    return await conn.fetchval(
        "INSERT INTO data_transfer_package (name, relative_path, origin_location_id, size_bytes, checksum, "
        "checksum_algorithm) VALUES ($1, $1 || '.tar', $2, 1, repeat('b', 64), 'sha256') RETURNING id",
        f"b{n}",
        world.locations["ccat_buffer"],
    )


async def _copy(conn: Connection, world: World, n: int) -> object:
    # a buffer copy the safe-deletion rule lets go (migration 0016 re-judges every move into
    # deletion_in_progress or deleted): its package archived, with a verified archive copy
    package = await _package(conn, world, n)
    await repair(conn, "UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package)
    await conn.execute(
        "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, checksum_verified_at) "
        "VALUES ('raw_data_package', $1, $2, now())",
        package,
        world.locations["cologne_lta"],
    )
    return await conn.fetchval(
        "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id) "
        "VALUES ('raw_data_package', $1, $2) RETURNING id",
        package,
        world.locations["cologne_buffer"],
    )


async def _transfer(conn: Connection, world: World, n: int, status: str = "pending") -> object:
    return await conn.fetchval(
        "INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id, status) "
        "VALUES ($1, $2, $3, $4) RETURNING id",
        await _bundle(conn, world, n),
        world.locations["ccat_buffer"],
        world.locations["cologne_buffer"],
        status,
    )


async def _unpack(conn: Connection, world: World, n: int) -> object:
    return await _transfer(conn, world, n, status="completed")


async def _archive_transfer(conn: Connection, world: World, n: int) -> object:
    return await conn.fetchval(
        "INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id) "
        "VALUES ($1, $2, $3) RETURNING id",
        await _package(conn, world, n),
        world.locations["cologne_buffer"],
        world.locations["cologne_lta"],
    )


async def _staging_job(conn: Connection, world: World, n: int) -> object:
    return await conn.fetchval(
        "INSERT INTO staging_job (user_account_id, destination_location_id) VALUES ($1, $2) RETURNING id",
        world.user_id,
        world.locations["cologne_processing"],
    )


async def _execution(conn: Connection, world: World, n: int) -> object:
    return await add_execution(conn, world.obs_unit_id, finished=False)


COLUMNS = [
    Column("physical_copy", "status", _copy, f"deleted_at = CASE WHEN $2 = 'deleted' THEN now() END, {_claim()}"),
    Column("raw_data_package", "status", _package, _claim()),
    Column("raw_data_package", "state", _package, "updated_at = now()"),
    Column("data_transfer_package", "status", _bundle, _claim()),
    Column("data_transfer", "status", _transfer, _claim()),
    Column("data_transfer", "unpack_status", _unpack, _claim("unpack_")),
    Column("long_term_archive_transfer", "status", _archive_transfer, _claim()),
    Column("staging_job", "status", _staging_job, _claim()),
    Column(
        "executed_obs_unit",
        "status",
        _execution,
        "end_time = CASE WHEN $2 = 'running' THEN NULL ELSE start_time + interval '1 minute' END",
    ),
]
assert {(c.table, c.column) for c in COLUMNS} == set(MACHINE_COLUMNS)


@pytest.mark.parametrize("role", ["owner", "writer"])
@pytest.mark.parametrize("col", COLUMNS, ids=[f"{c.table}.{c.column}" for c in COLUMNS])
async def test_every_transition_passes_exactly_when_the_machine_allows_it(
    db: Database, world: World, login_as: LoginAs, col: Column, role: str
) -> None:
    machine = MACHINE_COLUMNS[(col.table, col.column)]
    states = sorted(TRANSITIONS[machine])
    pairs = [(a, b) for a in states for b in states if a != b]
    numbers = count()
    move = f"UPDATE {col.table} SET {col.column} = $2, {col.fixups} WHERE id = $1"
    async with db.connection() as owner:
        rows = {}
        for a, b in pairs:
            item = await col.make(owner, world, next(numbers))
            await repair(owner, move, item, a)  # fabricate the starting state
            rows[(a, b)] = item
    writer_db = (
        await Database.connect(await login_as("opsdb_writer"), min_size=1, max_size=1) if role == "writer" else db
    )
    try:
        async with writer_db.connection() as conn:
            for (a, b), item in rows.items():
                if b in TRANSITIONS[machine][a]:
                    await conn.execute(move, item, b)
                else:
                    with pytest.raises(InvalidTransitionError) as err:
                        await conn.execute(move, item, b)
                    assert (err.value.item, err.value.current, err.value.target) == (f"{col.table} {item}", a, b)
    finally:
        if role == "writer":
            await writer_db.close()
    async with db.connection() as conn:
        for (a, b), item in rows.items():
            now = await conn.fetchval(f"SELECT {col.column} FROM {col.table} WHERE id = $1", item)
            assert now == (b if b in TRANSITIONS[machine][a] else a), (a, b)


async def test_a_statement_with_one_forbidden_row_changes_no_row(db: Database, world: World) -> None:
    async with db.connection() as conn:
        copies = [await _copy(conn, world, n) for n in range(3)]
        await repair(conn, "UPDATE physical_copy SET status = 'lost' WHERE id = $1", copies[1])
        with pytest.raises(InvalidTransitionError, match="lost -> deletion_scheduled"):
            await conn.execute(
                "UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = ANY($1::bigint[])", copies
            )
        states = await conn.fetch("SELECT status FROM physical_copy WHERE id = ANY($1::bigint[]) ORDER BY id", copies)
        assert [r["status"] for r in states] == ["present", "lost", "present"]


async def test_an_unchanged_state_is_no_transition_but_a_new_claim_is_one(db: Database, world: World) -> None:
    async with db.connection() as conn:
        package = await _package(conn, world, 0)
        # other columns of a pending item change freely
        await conn.execute("UPDATE raw_data_package SET status = status, max_attempts = 9 WHERE id = $1", package)
        # a claim token set on an item that is not in progress: pending -> pending is no transition
        with pytest.raises(InvalidTransitionError, match="pending -> pending"):
            await conn.execute(f"UPDATE raw_data_package SET {_claim()} WHERE id = $1", package)
        # a lease takeover (in_progress -> in_progress with a new token) is allowed
        await conn.execute(f"UPDATE raw_data_package SET status = 'in_progress', {_claim()} WHERE id = $1", package)
        await conn.execute(f"UPDATE raw_data_package SET {_claim()} WHERE id = $1", package)


async def test_machines_cover_every_state_value_once() -> None:
    for machine in Machine:
        assert INITIAL[machine] <= set(TRANSITIONS[machine])
