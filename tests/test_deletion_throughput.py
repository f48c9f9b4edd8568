"""Migration 0026: cheaper deletion schedules and claims, same guarantees.

* The claim (window read once, the refusal's UPDATE only when the rule refused a copy) claims,
  refuses and fails exactly the copies 0021's function did: both run over the same rows (new
  claims, expired claims the rule still allows and no longer allows, a copy out of attempts,
  a capped location), in rolled-back transactions, and every row and history row is compared.
* The copy counters' insert trigger (sizes by probes, not joins) writes 0019's delta rows.
* The state trigger of physical_copy is planned per statement: after a one-row statement, a
  batch's old-new join is a hash or merge join, not 0023's nested loop (auto_explain), and the
  history rows are the batch's.
* The touch trigger still sets updated_at whether or not the statement sets it.
"""

from __future__ import annotations

from typing import Any

import pytest

from opsdb.db import Connection, Database
from opsdb.resources import migrations_dir
from opsdb.testing import World, add_bundle, add_files, add_package_copy, add_packages
from tests.migration_support import replaced_definition
from tests.transition_support import assert_refused_cold_and_warm

pytestmark = pytest.mark.anyio

ROLLBACK = migrations_dir() / "0026_deletion_throughput.rollback.sql"


class _RolledBack(Exception):
    pass


def _old(name: str) -> str:
    """The definition 0026 replaced, from its rollback."""
    return replaced_definition(ROLLBACK, name)


COPIES = """
SELECT id, status, attempts, last_error, claimed_by, claim_token IS NULL AS no_token, lease_until IS NULL AS no_lease,
       next_attempt_at > now() AS later
FROM physical_copy WHERE id = ANY($1::bigint[]) ORDER BY id
"""
HISTORY = """
SELECT item_id, from_state, to_state, claimed_by FROM state_history
WHERE table_name = 'physical_copy' AND item_id = ANY($1::text[]) AND id > $2 ORDER BY item_id, id
"""


async def _claims_of(conn: Connection, old: bool, copies: list[int]) -> list[Any]:
    """Three claims (limits 3, 4, 100) under 0021's or 0026's function; what they returned and
    left behind. Nothing is kept."""
    found: list[Any] = []
    last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM state_history")
    try:
        async with conn.transaction():
            if old:
                await conn.execute(_old("opsdb_claim_deletions"))
            for limit in (3, 4, 100):
                rows = await conn.fetch(
                    "SELECT id, status, attempts, claimed_by FROM opsdb_claim_deletions('w', $1, NULL, NULL, 600)",
                    limit,
                )
                found.append([tuple(r) for r in rows])
            found.append([tuple(r) for r in await conn.fetch(COPIES, copies)])
            found.append([tuple(r) for r in await conn.fetch(HISTORY, [str(c) for c in copies], last)])
            raise _RolledBack
    except _RolledBack:
        pass
    return found


async def test_the_claim_claims_refuses_and_fails_what_0021s_did(db: Database, world: World) -> None:
    loc = world.locations
    async with db.connection() as conn:
        packages = await add_packages(conn, world, 12, status="completed", state="archived")
        archive = {p: await add_package_copy(conn, p, loc["cologne_lta"], verified=True) for p in packages}
        buffer = [await add_package_copy(conn, p, loc["ccat_buffer"]) for p in packages[:9]]
        other = [await add_package_copy(conn, p, loc["cologne_buffer"]) for p in packages[9:]]
        copies = buffer + other
        scheduled = await conn.fetch("SELECT id FROM opsdb_schedule_deletions(NULL, 100) AS id")
        assert sorted(r["id"] for r in scheduled) == sorted(copies)
        # four claimed earlier by a worker whose leases ran out: two the rule still allows, one it
        # no longer allows (its package's archive copy lost its verification), one out of attempts
        gone = await conn.fetch(
            "SELECT id FROM opsdb_claim_deletions('gone', 4, ARRAY[$1::bigint], NULL, 600) ORDER BY id",
            loc["ccat_buffer"],
        )
        expired = [r["id"] for r in gone]
        waiting = [c for c in buffer if c not in expired]
        assert len(expired) == 4 and len(waiting) == 5
        await conn.execute(
            "UPDATE physical_copy SET lease_until = now() - interval '1 minute', "
            "next_attempt_at = now() - interval '1 minute' WHERE id = ANY($1::bigint[])",
            expired,
        )
        await conn.execute("UPDATE physical_copy SET attempts = max_attempts WHERE id = $1", expired[3])
        package_of = dict(zip(copies, packages, strict=True))
        refused = [expired[2], waiting[1], other[1]]
        await conn.execute(
            "UPDATE physical_copy SET checksum_verified_at = NULL WHERE id = ANY($1::bigint[])",
            [archive[package_of[c]] for c in refused],
        )
        # the queue's order: due times apart, one copy worth more
        await conn.execute(
            "UPDATE physical_copy SET next_attempt_at = now() - make_interval(secs => u.n) "
            "FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, n) WHERE physical_copy.id = u.id",
            waiting + other,
        )
        await conn.execute("UPDATE physical_copy SET priority = 5 WHERE id = $1", waiting[3])
        await conn.execute(
            "INSERT INTO work_cap (kind, data_location_id, max_items) VALUES ('physical_copy_deletion', $1, 4)",
            loc["ccat_buffer"],
        )

        new = await _claims_of(conn, False, copies)
        old = await _claims_of(conn, True, copies)
    assert new == old
    first, second, third, rows, history = new
    statuses = {r[0]: r[1] for r in rows}
    later = {r[0]: r[7] for r in rows}
    assert statuses[expired[2]] == "deletion_failed" and statuses[expired[3]] == "deletion_failed"
    assert statuses[waiting[1]] == "deletion_scheduled" and later[waiting[1]]
    assert statuses[other[1]] == "deletion_scheduled" and later[other[1]]
    claimed = [r[0] for batch in (first, second, third) for r in batch]
    assert expired[0] in claimed and expired[1] in claimed and other[0] in claimed
    assert len(claimed) == len(set(claimed)) and not set(refused) & set(claimed)
    assert len([c for c in buffer if statuses[c] == "deletion_in_progress"]) <= 4  # the cap
    assert {(h[1], h[2]) for h in history} >= {
        ("deletion_in_progress", "deletion_failed"),
        ("deletion_scheduled", "deletion_in_progress"),
        ("deletion_in_progress", "deletion_in_progress"),
    }


async def test_new_copies_give_the_deltas_of_0019(db: Database, world: World) -> None:
    loc = world.locations
    async with db.connection() as conn:
        files = await add_files(conn, world, 30, size=1_000)
        packages = await add_packages(conn, world, 4, status="completed")
        unbuilt = await add_packages(conn, world, 1, name="unbuilt")  # no size yet
        bundle = await add_bundle(conn, world, packages[:2], origin="cologne_buffer")
        insert = """
            INSERT INTO physical_copy (type, raw_data_file_id, raw_data_package_id, data_transfer_package_id,
                                       data_location_id, status, checksum_verified_at)
            SELECT 'raw_data_file', f, NULL::bigint, NULL::bigint, $4::bigint,
                   CASE WHEN n % 3 = 0 THEN 'staged' ELSE 'present' END, NULL::timestamptz
            FROM unnest($1::uuid[]) WITH ORDINALITY AS u(f, n)
            UNION ALL
            SELECT 'raw_data_package', NULL::uuid, p, NULL::bigint, $5::bigint, 'present',
                   CASE WHEN n % 2 = 0 THEN now() END
            FROM unnest($2::bigint[]) WITH ORDINALITY AS u(p, n)
            UNION ALL
            SELECT 'data_transfer_package', NULL::uuid, NULL::bigint, $3::bigint, $5::bigint, 'present',
                   NULL::timestamptz
        """
        args = (files, [*packages, *unbuilt], bundle, loc["cologne_buffer"], loc["us_buffer"])
        found = []
        for old in (False, True):
            try:
                async with conn.transaction():
                    if old:
                        await conn.execute(_old("opsdb_copy_deltas_insert"))
                    await conn.execute("DELETE FROM copy_space_delta; DELETE FROM package_copy_delta")
                    await conn.execute(insert, *args)
                    found.append(
                        (
                            [tuple(r) for r in await conn.fetch("SELECT * FROM copy_space_delta ORDER BY 1, 2, 3")],
                            [tuple(r) for r in await conn.fetch("SELECT * FROM package_copy_delta ORDER BY 1, 2")],
                        )
                    )
                    raise _RolledBack
            except _RolledBack:
                pass
    assert found[0] == found[1]
    space = {(r[0], r[1], r[2]): (r[3], r[4]) for r in found[0][0]}
    assert space[(loc["cologne_buffer"], "raw_data_file", "present")] == (20, 20_000)
    assert space[(loc["cologne_buffer"], "raw_data_file", "staged")] == (10, 10_000)
    assert space[(loc["us_buffer"], "raw_data_package", "present")][0] == 5
    assert space[(loc["us_buffer"], "data_transfer_package", "present")][0] == 1


async def _state_join_plan(conn: Connection, definition: str | None) -> str:
    """The plan auto_explain logs for the state trigger's statement of a 300-copy UPDATE that
    follows a one-copy UPDATE in the same session (rolled back)."""
    plans: list[str] = []

    def keep(_conn: Any, message: Any) -> None:
        plans.append(str(message.message))

    conn.raw.add_log_listener(keep)
    try:
        async with conn.transaction():
            if definition:
                await conn.execute(definition)
            ids = [
                r["id"]
                for r in await conn.fetch("SELECT id FROM physical_copy WHERE type = 'raw_data_file' ORDER BY id")
            ]
            await conn.execute("UPDATE physical_copy SET status = 'lost' WHERE id = $1", ids[0])
            await conn.execute("LOAD 'auto_explain'")
            for setting in (
                "auto_explain.log_min_duration = 0",
                "auto_explain.log_nested_statements = on",
                "auto_explain.log_level = notice",
                "client_min_messages = notice",
            ):
                await conn.execute(f"SET LOCAL {setting}")
            await conn.execute("UPDATE physical_copy SET status = 'lost' WHERE id = ANY($1::bigint[])", ids[1:])
            await conn.execute("SET LOCAL auto_explain.log_min_duration = -1")
            history = await conn.fetchval(
                "SELECT count(*) FROM state_history WHERE table_name = 'physical_copy' AND to_state = 'lost' "
                "AND item_id = ANY($1::text[])",
                [str(i) for i in ids],
            )
            assert history == len(ids) == 301
            raise _RolledBack
    except _RolledBack:
        pass
    finally:
        conn.raw.remove_log_listener(keep)
    (plan,) = [p for p in plans if "INSERT INTO state_history" in p]
    return plan


async def test_the_state_trigger_joins_a_batch_by_hash_after_a_one_row_statement(db: Database, world: World) -> None:
    async with db.connection() as conn:
        await add_files(conn, world, 301, size=1)
        new = await _state_join_plan(conn, None)
    async with db.connection() as conn:  # a fresh session: 0023's static statement plans on its first call
        old = await _state_join_plan(conn, _old("physical_copy_state_updated"))
    assert "Nested Loop" in old  # 0023: the one-row statement's plan, kept
    assert "Nested Loop" not in new and ("Hash Join" in new or "Merge Join" in new)


async def test_the_touch_trigger_still_sets_updated_at(db: Database, world: World) -> None:
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed")
        copy = await add_package_copy(conn, package, world.locations["ccat_buffer"])
        async with conn.transaction():
            await conn.execute("UPDATE physical_copy SET priority = 3 WHERE id = $1", copy)
            assert await conn.fetchval("SELECT updated_at = now() FROM physical_copy WHERE id = $1", copy)
        async with conn.transaction():
            await conn.execute("UPDATE physical_copy SET updated_at = '2000-01-01' WHERE id = $1", copy)
            assert await conn.fetchval("SELECT updated_at = now() FROM physical_copy WHERE id = $1", copy)
        async with conn.transaction():
            await conn.execute("UPDATE physical_copy SET priority = 4, updated_at = now() WHERE id = $1", copy)
            assert await conn.fetchval("SELECT updated_at = now() FROM physical_copy WHERE id = $1", copy)


async def test_the_state_trigger_still_refuses_a_forbidden_transition(
    db: Database, world: World, database_dsn: str
) -> None:
    """Planned per statement, the refusal still fires: for a batch and for one row, first in the
    session or after a one-row statement; nothing is written."""
    async with db.connection() as conn:
        await add_files(conn, world, 4, size=1)
        ids = [
            r["id"] for r in await conn.fetch("SELECT id FROM physical_copy WHERE type = 'raw_data_file' ORDER BY id")
        ]
        await conn.execute("UPDATE physical_copy SET status = 'lost' WHERE id = ANY($1::bigint[])", ids)
    await assert_refused_cold_and_warm(database_dsn, "physical_copy", ids, "lost", "present")
