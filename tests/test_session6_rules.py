"""Session 6's speed work (0026, h1's claims, h3's packaging) keeps the database's rules.

Gaps the session's own tests left, each checked in SQL and shown able to fail: the check is run
once on the merged definitions (the rule holds) and once on a deliberately weakened definition
applied inside a rolled-back transaction (the check sees the weakening).

* physical_copy's state trigger (0026: EXECUTE ... INTO, refusal by GET DIAGNOSTICS ROW_COUNT)
  refuses a statement that mixes allowed and forbidden transitions, whichever row is forbidden,
  first in the session or after other statements; repair mode lets it through with one
  history row per changed row, marked repair; and its history rows are 0024's, column for
  column. Weakened: the first version of 0026 (IF FOUND after EXECUTE).
* physical_copy's touch trigger (0026: WHEN (NEW.updated_at IS DISTINCT FROM now())) still
  leaves updated_at = now() after every UPDATE a client can send: the column left alone (an old
  value), set to an old value, to NULL, to the future, to now(), after an earlier statement of
  the same transaction. Weakened: WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at).
* 0026 dropped physical_copy_deletion_queue_idx: the operator's listing of the deletion queue
  (ops_list_work: all, per location, unchanged for a while) still reads the queued copies by an
  index (EXPLAIN ANALYZE at 25,000 copies, 200 queued). Weakened: the live and work indexes
  dropped too, and it reads the table.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from opsdb.db import Connection, Database
from opsdb.queries import args
from opsdb.resources import migrations_dir
from opsdb.testing import World, add_files
from opsdb.work import WorkKind, kind_sql

pytestmark = pytest.mark.anyio

MIGRATION = migrations_dir() / "0026_deletion_throughput.sql"
ROLLBACK = migrations_dir() / "0026_deletion_throughput.rollback.sql"


class _RolledBack(Exception):
    pass


def _definition(path: Path, name: str) -> str:
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"CREATE OR REPLACE FUNCTION {name}\(.*?\n\$(_?)\$;", text, re.S)
    assert match, name
    return match.group(0)


def _found_version() -> str:
    """0026's state trigger as first written: the refusal tested FOUND, which EXECUTE never sets."""
    text = _definition(MIGRATION, "physical_copy_state_updated")
    weakened = text.replace(
        "GET DIAGNOSTICS refused = ROW_COUNT;  -- (EXECUTE does not set FOUND)\n    IF refused > 0 THEN",
        "IF FOUND THEN",
    )
    assert weakened != text
    return weakened


HISTORY = """
SELECT table_name, item_id, column_name, from_state, to_state, db_role, session_role, application_name,
       claimed_by, claim_ref, repair
FROM state_history WHERE id > $1 ORDER BY item_id, id
"""

MIXED = (
    "UPDATE physical_copy SET status = CASE WHEN id = $2 THEN 'present' ELSE 'lost' END WHERE id = ANY($1::bigint[])"
)


async def _copies(conn: Connection, world: World, n: int) -> list[int]:
    await add_files(conn, world, n, size=1)
    rows = await conn.fetch("SELECT id FROM physical_copy WHERE type = 'raw_data_file' ORDER BY id")
    return [r["id"] for r in rows]


async def _mixed_goes_through(conn: Connection, ids: list[int], forbidden: int) -> bool:
    """One statement: every copy of `ids` present -> lost (allowed) but `forbidden`, which is
    lost, lost -> present (not allowed). Whether the database accepted it (undone either way)."""
    last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM state_history")
    before = await conn.fetch("SELECT id, status FROM physical_copy WHERE id = ANY($1::bigint[]) ORDER BY id", ids)
    try:
        async with conn.transaction():
            try:
                await conn.raw.execute(MIXED, ids, forbidden)
            except asyncpg.PostgresError as err:
                assert err.sqlstate == "OPS01", err
                assert f"physical_copy {forbidden}: status lost -> present is not an allowed transition" in str(err)
                accepted = False
            else:
                accepted = True
            raise _RolledBack
    except _RolledBack:
        pass
    # nothing of a refused statement stays: no status, no history row
    after = await conn.fetch("SELECT id, status FROM physical_copy WHERE id = ANY($1::bigint[]) ORDER BY id", ids)
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    assert await conn.fetchval("SELECT count(*) FROM state_history WHERE id > $1", last) == 0
    return accepted


async def test_a_statement_mixing_allowed_and_forbidden_transitions_is_refused(db: Database, world: World) -> None:
    async with db.connection() as conn:
        ids = await _copies(conn, world, 6)
        for lost in (ids[0], ids[3], ids[-1]):  # the forbidden row first, in the middle, last by id
            await conn.execute("UPDATE physical_copy SET status = 'lost' WHERE id = $1", lost)
    others = {ids[0], ids[3], ids[-1]}
    for warm in ("cold", "one row", "a batch"):
        async with db.connection() as conn:  # a fresh session each time
            if warm == "one row":
                await conn.execute("UPDATE physical_copy SET priority = 1 WHERE id = $1", ids[1])
            elif warm == "a batch":
                await conn.execute("UPDATE physical_copy SET priority = 2 WHERE id = ANY($1::bigint[])", ids)
            for forbidden in (ids[0], ids[3], ids[-1]):
                batch = [i for i in ids if i == forbidden or i not in others]
                assert not await _mixed_goes_through(conn, batch, forbidden), (warm, forbidden)
                assert not await _mixed_goes_through(conn, [forbidden], forbidden), (warm, forbidden)

    # can fail: 0026's first version (IF FOUND) lets the same statements through
    async with db.connection() as conn:
        try:
            async with conn.transaction():
                await conn.execute(_found_version())
                batch = [i for i in ids if i == ids[3] or i not in others]
                assert await _mixed_goes_through(conn, batch, ids[3])
                assert await _mixed_goes_through(conn, [ids[3]], ids[3])
                raise _RolledBack
        except _RolledBack:
            pass


async def _history_of(
    conn: Connection, old: bool, ids: list[int], forbidden: int, repair: bool
) -> list[tuple[object, ...]]:
    """The history rows of one mixed statement under 0024's or 0026's trigger (repair mode on or
    off; off, the forbidden row is left out); nothing is kept."""
    last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM state_history")
    rows: list[tuple[object, ...]] = []
    try:
        async with conn.transaction():
            if old:
                await conn.execute(_definition(ROLLBACK, "physical_copy_state_updated"))
            if repair:
                await conn.execute("SELECT set_config('opsdb.repair', 'on', true)")
                await conn.execute(MIXED, ids, forbidden)
                # a claim-token change without a status change (lost -> lost: only a repair) is recorded too
                await conn.execute(
                    "UPDATE physical_copy SET claim_token = $2::uuid, claimed_by = 'w' WHERE id = $1",
                    ids[1],
                    "6a1f5b2e-0000-4000-8000-000000000001",
                )
            else:
                await conn.execute(MIXED, [i for i in ids if i != forbidden], forbidden)
            rows = [tuple(r) for r in await conn.fetch(HISTORY, last)]
            raise _RolledBack
    except _RolledBack:
        pass
    return rows


async def test_repair_mode_and_the_history_rows_are_0024s(db: Database, world: World) -> None:
    async with db.connection() as conn:
        ids = await _copies(conn, world, 5)
        await conn.execute("UPDATE physical_copy SET status = 'lost' WHERE id = $1", ids[2])
        for repair in (True, False):
            new = await _history_of(conn, False, ids, ids[2], repair)
            old = await _history_of(conn, True, ids, ids[2], repair)
            assert new == old
            moved = len(ids) if repair else len(ids) - 1
            status_rows = [r for r in new if r[3] != r[4]]
            # one history row per changed row, marked repair only in repair mode
            assert len(status_rows) == moved
            assert sorted(r[1] for r in status_rows) == sorted(str(i) for i in ids if repair or i != ids[2])
            assert {r[10] for r in new} == {repair}
            if repair:
                assert (str(ids[2]), "lost", "present") in [(r[1], r[3], r[4]) for r in new]
        # repair mode ends with the transaction: refused again
        assert not await _mixed_goes_through(conn, ids, ids[2])


TOUCH_CASES = [
    ("left alone (an old value)", "UPDATE physical_copy SET priority = priority + 1 WHERE id = $1"),
    ("set to an old value", "UPDATE physical_copy SET updated_at = '2000-01-01' WHERE id = $1"),
    ("left alone after an old value", "UPDATE physical_copy SET priority = priority + 1 WHERE id = $1"),
    ("set to NULL", "UPDATE physical_copy SET updated_at = NULL WHERE id = $1"),
    ("set to the future", "UPDATE physical_copy SET updated_at = now() + interval '1 day' WHERE id = $1"),
    ("set to the clock", "UPDATE physical_copy SET updated_at = clock_timestamp() WHERE id = $1"),
    ("set to now()", "UPDATE physical_copy SET updated_at = now(), priority = priority + 1 WHERE id = $1"),
    ("a state change", "UPDATE physical_copy SET status = 'lost' WHERE id = $1"),
    ("set to an old value again", "UPDATE physical_copy SET updated_at = '2001-01-01', priority = 0 WHERE id = $1"),
]


async def _touch_misses(conn: Connection, copy: int) -> list[str]:
    """Inside the caller's transaction (the row last changed in an earlier one): the statements
    after which updated_at is not now()."""
    assert await conn.fetchval("SELECT updated_at < now() FROM physical_copy WHERE id = $1", copy)
    misses = []
    for name, sql in TOUCH_CASES:
        try:
            async with conn.raw.transaction():
                await conn.raw.execute(sql, copy)
        except asyncpg.NotNullViolationError:
            misses.append(name)  # the client's NULL reached the column's constraint
            continue
        if not await conn.fetchval("SELECT updated_at = now() FROM physical_copy WHERE id = $1", copy):
            misses.append(name)
    return misses


async def test_updated_at_is_now_after_every_update(db: Database, world: World) -> None:
    async with db.connection() as conn:
        copy, *_ = await _copies(conn, world, 1)
        for weakened in (False, True):
            try:
                async with conn.transaction():
                    if weakened:
                        await conn.execute(
                            "CREATE OR REPLACE TRIGGER physical_copy_touch BEFORE UPDATE ON physical_copy FOR EACH ROW"
                            " WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at)"
                            " EXECUTE FUNCTION opsdb_touch_updated_at()"
                        )
                    misses = await _touch_misses(conn, copy)
                    raise _RolledBack
            except _RolledBack:
                pass
            if weakened:  # can fail: a trigger that trusts the client's value is seen
                assert {"set to an old value", "set to NULL", "set to the future"} <= set(misses)
            else:
                assert misses == []


def _copies_read(plan: Any) -> int:
    """Rows of physical_copy the plan read (returned or removed by a filter or a recheck); a
    sequential scan reads them all."""
    read = 0
    stack = [plan]
    while stack:
        node = stack.pop()
        if node.get("Relation Name") == "physical_copy":
            loops = node.get("Actual Loops", 1)
            read += loops * (
                node.get("Actual Rows", 0)
                + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)
            )
        stack.extend(node.get("Plans", []))
    return read


async def _queue_plans(conn: Connection, location: int) -> dict[str, int]:
    """How many copies the operator's listing of the deletion queue reads, per filter."""
    sql = kind_sql("ops_list_work", WorkKind.PHYSICAL_COPY_DELETION)
    plans = {}
    for name, location_id, older in (("all", None, None), ("a location", location, None), ("old", location, 60.0)):
        values = args(
            "ops_list_work",
            states=["deletion_scheduled", "deletion_in_progress"],
            expired_only=False,
            site=None,
            location_id=location_id,
            older_than_seconds=older,
            after_id=0,
            limit=100,
        )
        found = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *values)
        plan = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
        plans[name] = _copies_read(plan)
    return plans


async def test_the_deletion_queue_keeps_an_index_without_0019s(db: Database, world: World) -> None:
    """0026 dropped physical_copy_deletion_queue_idx: the operator's listing of the deletion
    queue (all, per location, unchanged for a while) still reads physical_copy by an index,
    at 25,000 copies of which 200 are queued, reading the queued ones, not the table (can fail:
    without the live and the work index it reads the table)."""
    loc = world.locations
    async with db.connection() as conn:
        files = await add_files(conn, world, 5_000, size=1)
        await conn.execute(
            "INSERT INTO physical_copy (type, raw_data_file_id, data_location_id) "
            "SELECT 'raw_data_file', f, l FROM unnest($1::uuid[]) AS f, unnest($2::bigint[]) AS l",
            files,
            [loc["ccat_buffer"], loc["cologne_buffer"], loc["us_buffer"], loc["cologne_processing"]],
        )
        queued = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM physical_copy WHERE data_location_id = $1 ORDER BY id LIMIT 200", loc["ccat_buffer"]
            )
        ]
        async with conn.transaction():
            await conn.execute("SELECT set_config('opsdb.repair', 'on', true)")
            await conn.execute(
                "UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = ANY($1::bigint[])", queued
            )
        await conn.execute("ANALYZE physical_copy")
        plans = await _queue_plans(conn, loc["ccat_buffer"])
        # the queued copies (200), not the table (25,000)
        assert all(read <= 1_000 for read in plans.values()), plans
        try:
            async with conn.transaction():
                for index in ("physical_copy_live_idx", "physical_copy_deletion_work_idx"):
                    await conn.execute(f"DROP INDEX {index}")
                weakened = await _queue_plans(conn, loc["ccat_buffer"])
                raise _RolledBack
        except _RolledBack:
            pass
        assert any(read >= 20_000 for read in weakened.values()), weakened
