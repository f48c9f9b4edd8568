"""Migration 0022: cheaper physical_copy triggers, same guarantees.

* The actor check of copy updates, now one statement trigger, refuses exactly what 0017's row
  trigger refused: every role x every update of every kind of copy is run twice in rolled-back
  transactions, once with 0017's row trigger put back (from 0022's rollback), and the
  outcomes (error code, message and hint, or the rows written) are compared, including
  statements of many rows that mix allowed and forbidden copies (nothing written).
* The early exits skip only statements with nothing to do: a completion's INSERT ... ON
  CONFLICT that inserted writes no update deltas, one that updated a copy still does, and
  the deletion guard, the priority fix-up and the requeue still act (checked in SQL).
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest

from opsdb.db import Database
from opsdb.resources import migrations_dir
from opsdb.testing import World, add_files, add_package_copy, add_packages
from tests.roles_support import ACTOR_ROLES

pytestmark = pytest.mark.anyio

ROLES = (*ACTOR_ROLES, "opsdb_writer")
STATUSES = (
    "present",
    "staged",
    "deletion_scheduled",
    "deletion_in_progress",
    "deletion_possible",
    "deleted",
    "deletion_failed",
    "lost",
    "corrupt",
)
ROWS = (
    "SELECT array_agg((id, status, checksum_verified_at IS NOT NULL, data_location_id, deleted_at IS NOT NULL) "
    "ORDER BY id)::text FROM physical_copy"
)


def _row_trigger() -> str:
    """0017's per-row actor trigger, as 0022's rollback puts it back."""
    text = (migrations_dir() / "0022_trigger_costs.rollback.sql").read_text(encoding="utf-8")
    match = re.search(r"CREATE OR REPLACE TRIGGER opsdb_actor_physical_copy_update .*?;", text, re.S)
    assert match
    return "DROP TRIGGER opsdb_actor_physical_copy_update ON physical_copy; " + match.group(0)


async def _copies(db: Database, world: World) -> dict[str, int]:
    """One copy of each kind the rules tell apart (type x kind of location x status)."""
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed", state="archived")
        loc = world.locations
        copies = {
            "buffer": await add_package_copy(conn, package, loc["ccat_buffer"]),
            "lta": await add_package_copy(conn, package, loc["cologne_lta"], verified=True),
            "us_lta": await add_package_copy(conn, package, loc["us_lta"]),
            "processing": await add_package_copy(conn, package, loc["cologne_processing"], status="staged"),
            "scheduled": await add_package_copy(conn, package, loc["cologne_buffer"]),
            "failed": await add_package_copy(conn, package, loc["us_buffer"]),
        }
        await add_files(conn, world, 1)
        copies["file"] = await conn.fetchval("SELECT max(id) FROM physical_copy WHERE type = 'raw_data_file'")
        await conn.execute(
            "UPDATE physical_copy SET status = 'deletion_scheduled', next_attempt_at = now() + interval '1 day' "
            "WHERE id = ANY($1)",
            [copies["scheduled"], copies["failed"]],
        )
        await conn.execute(
            "UPDATE physical_copy SET status = 'deletion_failed', last_error = 'x' WHERE id = $1", copies["failed"]
        )
    return copies


def _statements(copies: dict[str, int]) -> list[tuple[str, list[int]]]:
    every = sorted(copies.values())
    out: list[tuple[str, list[int]]] = []
    for ids in [[c] for c in every] + [every]:
        for status in STATUSES:
            deleted_at = "now()" if status == "deleted" else "NULL"
            sql = f"UPDATE physical_copy SET status = '{status}', deleted_at = {deleted_at} WHERE id = ANY($1)"
            out.append((sql, ids))
        out.append(("UPDATE physical_copy SET checksum_verified_at = now() WHERE id = ANY($1)", ids))
        out.append(("UPDATE physical_copy SET checksum_verified_at = NULL WHERE id = ANY($1)", ids))
        out.append(("UPDATE physical_copy SET updated_at = now(), last_error = 'n' WHERE id = ANY($1)", ids))
        out.append(
            (
                "UPDATE physical_copy SET status = 'present', checksum_verified_at = now() "
                "WHERE id = ANY($1) AND status = 'deletion_scheduled'",
                ids,
            )
        )
    # what and where: a raw move (the references still hold)
    out.append(
        (
            "UPDATE physical_copy SET data_location_id = (SELECT id FROM data_location WHERE name = 'buffer' "
            "ORDER BY id DESC LIMIT 1) WHERE id = ANY($1)",
            [copies["buffer"]],
        )
    )
    return out


async def _outcome(conn: asyncpg.Connection, role: str, sql: str, ids: list[int], ddl: str | None) -> tuple[Any, ...]:
    """Run `sql` as `role` in a transaction that is rolled back; its error or the rows it left."""
    tx = conn.transaction()
    await tx.start()
    try:
        if ddl:
            await conn.execute(ddl)
        before = await conn.fetchval(ROWS)
        await conn.execute(f'SET LOCAL ROLE "{role}"')
        try:
            async with conn.transaction():
                await conn.execute(sql, ids)
        except asyncpg.PostgresError as error:
            await conn.execute("RESET ROLE")
            # a refused statement writes nothing, whatever rows it also touched
            assert await conn.fetchval(ROWS) == before
            return ("error", error.sqlstate, getattr(error, "message", str(error)), getattr(error, "hint", None))
        await conn.execute("RESET ROLE")
        return ("ok", await conn.fetchval(ROWS))
    finally:
        await tx.rollback()


async def test_the_statement_actor_check_refuses_exactly_what_the_row_check_did(
    db: Database, world: World, direct_dsn: str
) -> None:
    copies = await _copies(db, world)
    row_trigger = _row_trigger()
    conn = await asyncpg.connect(direct_dsn)
    refused_by_actor = 0
    allowed = 0
    constraint_first = 0
    try:
        assert await conn.fetchval(
            "SELECT tgtype & 1 = 0 FROM pg_trigger WHERE tgname = 'opsdb_actor_physical_copy_update'"
        ), "0022's actor check is a statement trigger"
        for role in ROLES:
            singles: dict[tuple[str, int], tuple[Any, ...]] = {}
            for sql, ids in _statements(copies):
                old = await _outcome(conn, role, sql, ids, row_trigger)
                new = await _outcome(conn, role, sql, ids, None)
                if len(ids) == 1:
                    singles[(sql, ids[0])] = new
                if new != old and old[:2] == ("error", "42501") and "opsdb_actor" in old[2] and new[0] == "error":
                    # refused both ways; the statement also breaks a constraint that the row checks
                    # now meet first (a CHECK is tested per row, before AFTER triggers): exactly the
                    # error the owner, who passes the actor check, gets
                    assert await _outcome(conn, "postgres", sql, ids, None) == new, (role, sql, ids)
                    constraint_first += 1
                elif len(ids) == 1:
                    assert new == old, (role, sql, ids)
                else:
                    # many rows: the same verdict; the statement trigger names the lowest refused id
                    # (the row trigger the first row it met), with 0017's message for that copy
                    assert new[:2] == old[:2], (role, sql, old, new)
                    if new[0] == "error" and "opsdb_actor" in new[2]:
                        first = next(singles[(sql, c)] for c in ids if singles[(sql, c)][0] == "error")
                        assert new == first, (role, sql)
                if new[0] == "error" and "opsdb_actor" in new[2]:
                    refused_by_actor += 1
                elif new[0] == "ok":
                    allowed += 1
    finally:
        await conn.close()
    # the comparison covered both verdicts, many times
    assert refused_by_actor > 100 and allowed > 100, (refused_by_actor, allowed, constraint_first)


async def test_a_completion_effect_that_only_inserts_writes_no_update_deltas(db: Database, world: World) -> None:
    effect = (
        "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status) "
        "SELECT 'raw_data_package', unnest($1::bigint[]), $2, 'present' "
        "ON CONFLICT (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package' "
        "DO UPDATE SET status = 'present', deleted_at = NULL"
    )
    deltas = (
        "SELECT coalesce(array_agg((data_location_id, type, status, copies, bytes) ORDER BY data_location_id, "
        "status, copies)::text, '') FROM copy_space_delta"
    )
    buffer = world.locations["ccat_buffer"]
    async with db.connection() as conn:
        packages = await add_packages(conn, world, 3, status="completed")
        await conn.execute("DELETE FROM copy_space_delta")
        await conn.execute("DELETE FROM package_copy_delta")
        history = await conn.fetchval("SELECT count(*) FROM state_history WHERE table_name = 'physical_copy'")
        await conn.execute(effect, packages, buffer)
        # only the insert's deltas: +3 present copies of 1000 bytes at the buffer, nothing moved
        assert await conn.fetchval(deltas) == f'{{"({buffer},raw_data_package,present,3,3000)"}}'
        assert await conn.fetchval("SELECT count(*) FROM package_copy_delta WHERE verified <> 0") == 0
        inserted_history = await conn.fetchval("SELECT count(*) FROM state_history WHERE table_name = 'physical_copy'")
        assert inserted_history - history <= 3  # the inserts' own records at most, no update records

        # a conflict that moves a copy (deletion_scheduled -> present) is still counted as a move
        await conn.execute(
            "UPDATE physical_copy SET status = 'deletion_scheduled', next_attempt_at = now() + interval '1 day' "
            "WHERE raw_data_package_id = $1",
            packages[0],
        )
        await conn.execute("DELETE FROM copy_space_delta")
        await conn.execute(effect, packages[:1], buffer)
        assert await conn.fetchval(deltas) == (
            f'{{"({buffer},raw_data_package,deletion_scheduled,-1,-1000)","({buffer},raw_data_package,present,1,1000)"}}'
        )


async def test_the_early_exits_leave_the_deletion_rules_acting(db: Database, world: World) -> None:
    """Priority fix-up, guard refusal and requeue still happen where a statement concerns them."""
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed", state="archived")
        buffer = await add_package_copy(conn, package, world.locations["ccat_buffer"])
        await conn.execute("UPDATE data_location SET priority = 7 WHERE id = $1", world.locations["ccat_buffer"])
        # the fix-up: scheduled by a plain UPDATE, the copy takes its location's priority
        await conn.execute("UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = $1", buffer)
        assert await conn.fetchval("SELECT priority FROM physical_copy WHERE id = $1", buffer) == 7
        # the guard: no verified archive copy backs it, so it may not enter deletion
        with pytest.raises(Exception, match="safe-deletion rule does not hold"):
            await conn.execute(
                "UPDATE physical_copy SET status = 'deletion_in_progress', claim_token = gen_random_uuid(), "
                "claimed_by = 'x', lease_until = now() + interval '1 hour' WHERE id = $1",
                buffer,
            )
        assert await conn.fetchval("SELECT status FROM physical_copy WHERE id = $1", buffer) == "deletion_scheduled"
        # the requeue: a file copy back to present puts its package back in the deletion queue
        files = await add_files(conn, world, 1)
        await conn.execute("UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = $2", package, files[0])
        await conn.execute(
            "UPDATE physical_copy SET status = 'deletion_scheduled' WHERE raw_data_file_id = $1", files[0]
        )
        await conn.execute("DELETE FROM deletion_file_queue")
        await conn.execute("UPDATE physical_copy SET status = 'present' WHERE raw_data_file_id = $1", files[0])
        assert (
            await conn.fetchval("SELECT count(*) FROM deletion_file_queue WHERE raw_data_package_id = $1", package) == 1
        )


async def test_the_inlined_work_order_computes_what_the_indexes_hold(db: Database, world: World) -> None:
    """0022's body of opsdb_work_order equals 0020's for every time zone, priority and instant, so the
    work indexes built with 0020's stay valid; the claims still read them in order."""
    async with db.connection() as conn:
        for zone in ("UTC", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham"):
            await conn.execute(f"SET timezone = '{zone}'")
            differing = await conn.fetchval(
                "SELECT count(*) FROM generate_series(timestamptz '2024-01-01', timestamptz '2026-12-31', "
                "interval '7 hours 13 minutes') AS due, generate_series(-100, 100, 7) AS priority "
                "WHERE opsdb_work_order(due, priority) IS DISTINCT FROM due - make_interval(secs => priority * 300)"
            )
            assert differing == 0, zone
            assert await conn.fetchval(
                "SELECT opsdb_work_order('infinity', 5) = 'infinity' "
                "AND opsdb_work_order('-infinity', -5) = '-infinity' "
                "AND opsdb_work_order(NULL, 1) IS NULL AND opsdb_work_order(now(), NULL) IS NULL"
            )
        await conn.execute("RESET timezone")
        # inlined: no function call left in the plan, and the claim order still comes from the index
        plan = "\n".join(
            r[0]
            for r in await conn.fetch(
                "EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM raw_data_package "
                "WHERE status IN ('pending', 'in_progress') "
                "ORDER BY opsdb_work_order(next_attempt_at, priority), next_attempt_at LIMIT 5"
            )
        )
        assert "opsdb_work_order" not in plan and "raw_data_package_work_idx" in plan, plan
