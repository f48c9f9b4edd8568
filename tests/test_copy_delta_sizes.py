"""Migration 0024: the copy counters' update trigger looks each moved copy's size up by one index
probe and writes exactly the deltas 0022's joins wrote; the counters still equal a recount."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest

from opsdb.db import Connection, Database
from opsdb.resources import migrations_dir
from opsdb.testing import World, add_bundle, add_files, add_package_copy, add_packages

pytestmark = pytest.mark.anyio

DELTAS = "SELECT data_location_id, type, status, copies, bytes FROM copy_space_delta ORDER BY 1, 2, 3"
PACKAGE_DELTAS = "SELECT raw_data_package_id, verified FROM package_copy_delta ORDER BY 1"

# one statement moving file, package and bundle copies: statuses, a location, and rows it leaves alone
MOVE = """
UPDATE physical_copy SET
    status = CASE WHEN id = ANY($1::bigint[]) THEN 'lost' ELSE status END,
    data_location_id = CASE WHEN id = ANY($2::bigint[]) THEN $3 ELSE data_location_id END
WHERE id = ANY($1::bigint[] || $2::bigint[] || $4::bigint[])
"""


class _RolledBack(Exception):
    pass


def _function_of_0022() -> str:
    text = (migrations_dir() / "0024_copy_delta_sizes.rollback.sql").read_text(encoding="utf-8")
    match = re.search(r"CREATE OR REPLACE FUNCTION opsdb_copy_deltas_update\(\).*?\n\$\$;", text, re.S)
    assert match and "LEFT JOIN raw_data_file" in match.group(0)
    return match.group(0)


async def _deltas_of(conn: Connection, old_function: bool, args: tuple[Any, ...]) -> tuple[list[Any], list[Any]]:
    """The delta rows MOVE appends, under 0022's or the current function; nothing is kept."""
    found: tuple[list[Any], list[Any]] = ([], [])
    try:
        async with conn.transaction():
            if old_function:
                await conn.execute(_function_of_0022())
            await conn.execute("DELETE FROM copy_space_delta; DELETE FROM package_copy_delta")
            await conn.execute("SELECT set_config('opsdb.repair', 'on', true)")
            await conn.execute(MOVE, *args)
            found = ([tuple(r) for r in await conn.fetch(DELTAS)], [tuple(r) for r in await conn.fetch(PACKAGE_DELTAS)])
            raise _RolledBack
    except _RolledBack:
        pass
    return found


async def test_moved_copies_give_the_deltas_of_0022_and_a_recount(
    db: Database, world: World, database_dsn: str
) -> None:
    loc = world.locations
    async with db.connection() as conn:
        files = await add_files(conn, world, 60, size=1_000)
        packages = await add_packages(conn, world, 4, status="completed")
        package_copies = [await add_package_copy(conn, p, loc["ccat_buffer"], verified=True) for p in packages]
        bundle = await add_bundle(conn, world, packages[:2])
        bundle_copy = await conn.fetchval(  # add_bundle puts its copy at the CCAT buffer
            "SELECT id FROM physical_copy WHERE data_transfer_package_id = $1", bundle
        )
        file_copies = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM physical_copy WHERE raw_data_file_id = ANY($1::uuid[]) ORDER BY id", files
            )
        ]
        lost = [*file_copies[:40], *package_copies[:2], bundle_copy]
        moved = [*file_copies[40:50], package_copies[2]]
        untouched = [*file_copies[50:], package_copies[3]]
        args = (lost, moved, loc["cologne_buffer"], untouched)
        new = await _deltas_of(conn, False, args)
        old = await _deltas_of(conn, True, args)
        assert new == old
        by_status = {(r[1], r[2]): (r[3], r[4]) for r in new[0] if r[0] == loc["ccat_buffer"]}
        assert by_status[("raw_data_package", "lost")][0] == 2 and by_status[("data_transfer_package", "lost")][0] == 1
        moved_in = [r for r in new[0] if r[0] == loc["cologne_buffer"]]
        assert sum(r[3] for r in moved_in) == 11 and sum(r[4] for r in moved_in) > 10 * 1_000
        # and for real: the folded counters equal a recount of the copies
        await conn.execute("SELECT set_config('opsdb.repair', 'on', false)")
        await conn.execute(MOVE, *args)
    with psycopg.connect(database_dsn, autocommit=True) as check:
        check.execute("SELECT opsdb_fold_copy_deltas()")
        space = check.execute("SELECT * FROM copy_space WHERE copies <> 0 ORDER BY 1, 2, 3").fetchall()
        counts = check.execute("SELECT * FROM package_copy_count ORDER BY 1").fetchall()
        check.execute("SELECT opsdb_rebuild_copy_counters()")
        assert check.execute("SELECT * FROM copy_space WHERE copies <> 0 ORDER BY 1, 2, 3").fetchall() == space
        assert check.execute("SELECT * FROM package_copy_count ORDER BY 1").fetchall() == counts


async def test_the_size_lookup_probes_whatever_the_first_statement_was(db: Database, world: World) -> None:
    """A one-row move first, then a batch: the batch's deltas are right (the statement is planned
    for the statement at hand, not with the first one's plan)."""
    async with db.connection() as conn:
        files = await add_files(conn, world, 200, size=7)
        copies = [
            r["id"]
            for r in await conn.fetch("SELECT id FROM physical_copy WHERE raw_data_file_id = ANY($1::uuid[])", files)
        ]
        await conn.execute("DELETE FROM copy_space_delta")
        await conn.execute("UPDATE physical_copy SET status = 'lost' WHERE id = $1", copies[0])
        await conn.execute("UPDATE physical_copy SET status = 'lost' WHERE id = ANY($1::bigint[])", copies[1:])
        rows = await conn.fetch(
            "SELECT status, sum(copies) AS copies, sum(bytes) AS bytes FROM copy_space_delta GROUP BY 1 ORDER BY 1"
        )
        assert [tuple(r) for r in rows] == [("lost", 200, 1_400), ("present", -200, -1_400)]
