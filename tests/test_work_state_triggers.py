"""Migration 0027: the work tables' state triggers stay linear in the batch, with the same guarantees.

* After a one-row UPDATE in the session (a daemon's first claim or lease renewal of one item),
  a batch's old-new join of the transition tables is a hash or merge full join (auto_explain),
  not 0023's nested loop that compared every new row with every old one.
* 0023's and 0027's trigger functions write the same history rows (every column but id and
  time) and the same counter deltas for the same statements: claims, a completion, a takeover,
  a failure, a package state change with a status change in one statement, an operator's repair.
* A forbidden transition is still refused (OPS01, the same message), for a batch and for one row,
  first in the session or after a one-row statement; nothing is written.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from opsdb import work
from opsdb.db import Connection, Database
from opsdb.resources import migrations_dir
from opsdb.testing import World, add_bundle, add_packages, add_route, add_transfer, repair
from opsdb.work import WorkKind
from tests.migration_support import replaced_definition
from tests.transition_support import assert_refused_cold_and_warm

pytestmark = pytest.mark.anyio

ROLLBACK = migrations_dir() / "0027_work_state_joins.rollback.sql"
TABLES = ("raw_data_package", "data_transfer_package", "data_transfer", "long_term_archive_transfer", "staging_job")


class _RolledBack(Exception):
    pass


def _old(table: str) -> str:
    """0023's definition of `table`'s state trigger function, from 0027's rollback."""
    return replaced_definition(ROLLBACK, f"{table}_state_updated")


def test_every_work_table_joins_its_transition_tables_by_a_full_join() -> None:
    new = (migrations_dir() / "0027_work_state_joins.sql").read_text(encoding="utf-8")
    for table in TABLES:
        body = re.search(rf"CREATE OR REPLACE FUNCTION {table}_state_updated\(.*?\n\$\$;", new, re.S)
        assert body, table
        joins = re.findall(r"FROM old_rows o (\w+ )?JOIN new_rows n ON n\.id = o\.id", body.group(0))
        assert joins and all(kind == "FULL " for kind in joins), (table, joins)
        assert body.group(0).count("num_nulls(o.id, n.id) = 0") == len(joins), table
        # everything else is 0023's text
        inner = re.sub(r"\n\s*-- FULL JOIN: .*", "", body.group(0)).replace("FULL JOIN new_rows", "JOIN new_rows")
        inner = re.sub(r"WHERE num_nulls\(o\.id, n\.id\) = 0 AND \((.*)\)\n", r"WHERE \1\n", inner)
        assert inner == _old(table), table


async def _packages(conn: Connection, world: World, count: int) -> list[int]:
    return await add_packages(
        conn, world, count, name=f"st{await conn.fetchval('SELECT count(*) FROM raw_data_package')}"
    )


CLAIM = (
    "UPDATE raw_data_package SET status = 'in_progress', claimed_by = 'w', claim_token = gen_random_uuid(), "
    "lease_until = now() + interval '1 hour' "
)


async def _join_plan(conn: Connection, definition: str | None, ids: list[int]) -> str:
    """The plan auto_explain logs for the state trigger's statement of a claim of `ids[1:]` that
    follows a one-item claim in the same session (all rolled back)."""
    plans: list[str] = []

    def keep(_conn: Any, message: Any) -> None:
        plans.append(str(message.message))

    conn.raw.add_log_listener(keep)
    try:
        async with conn.transaction():
            if definition:
                await conn.execute(definition)  # replaced: its statements are planned anew in this session
            await conn.execute(CLAIM + "WHERE id = $1", ids[0])
            await conn.execute("LOAD 'auto_explain'")
            for setting in (
                "auto_explain.log_min_duration = 0",
                "auto_explain.log_nested_statements = on",
                "auto_explain.log_level = notice",
                "client_min_messages = notice",
            ):
                await conn.execute(f"SET LOCAL {setting}")
            await conn.execute(CLAIM + "WHERE id = ANY($1::bigint[])", ids[1:])
            await conn.execute("SET LOCAL auto_explain.log_min_duration = -1")
            history = await conn.fetchval(
                "SELECT count(*) FROM state_history WHERE table_name = 'raw_data_package' AND to_state = 'in_progress' "
                "AND item_id = ANY($1::text[])",
                [str(i) for i in ids],
            )
            assert history == len(ids)
            raise _RolledBack
    except _RolledBack:
        pass
    finally:
        conn.raw.remove_log_listener(keep)
    (plan,) = [p for p in plans if "INSERT INTO state_history" in p]
    return plan


async def test_a_batch_after_a_one_row_statement_is_joined_by_hash_or_merge(db: Database, world: World) -> None:
    async with db.connection() as conn:
        ids = await _packages(conn, world, 301)
        new = await _join_plan(conn, None, ids)
        old = await _join_plan(conn, _old("raw_data_package"), ids)
    assert _transition_joins(old) == ["Nested Loop"] * 2, old  # 0023: the one-row statement's plan, kept
    assert sorted(set(_transition_joins(new))) <= ["Hash Full Join", "Merge Full Join"], new
    assert len(_transition_joins(new)) == 2, new


def _transition_joins(plan: str) -> list[str]:
    """The join nodes above the scans of the transition tables in `plan` (auto_explain's text): how
    old and new rows are joined (the counters' nested loop over a two-row VALUES list is not one)."""
    lines = plan.splitlines()
    found: dict[int, str] = {}
    for n, line in enumerate(lines):
        if "Named Tuplestore Scan" not in line:
            continue
        depth = len(line) - len(line.lstrip(" ->"))
        for above in range(n - 1, -1, -1):
            m = re.search(r"^[\s>-]*([A-Z][A-Za-z ]+?)\s+\(cost=", lines[above])
            if m and len(lines[above]) - len(lines[above].lstrip(" ->")) < depth:
                depth = len(lines[above]) - len(lines[above].lstrip(" ->"))
                if "Join" in m.group(1) or "Nested Loop" in m.group(1):
                    found[above] = m.group(1)
                    break
    joins = [found[k] for k in sorted(found)]
    return joins


HISTORY = """
SELECT table_name, item_id, column_name, from_state, to_state, db_role, session_role, application_name, claimed_by,
       claim_ref, repair
FROM state_history WHERE id > $1 ORDER BY table_name, item_id, column_name, id
"""
DELTAS = "SELECT table_name, column_name, value, sum(n) FROM state_count_delta GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"


async def _history_of(conn: Connection, world: World, old: bool) -> list[list[tuple[Any, ...]]]:
    """The history rows and counter deltas a sequence of work statements writes under 0023's or
    0027's trigger functions (rolled back: both see the same rows)."""
    packages = await conn.fetch("SELECT id FROM raw_data_package WHERE name LIKE 'hist\\_%' ORDER BY id")
    ids = [r["id"] for r in packages]
    found: list[list[tuple[Any, ...]]] = []
    last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM state_history")
    await conn.execute("SELECT opsdb_fold_state_deltas()")
    try:
        async with conn.transaction():
            if old:
                for table in TABLES:
                    await conn.execute(_old(table))
            kind = WorkKind.RAW_DATA_PACKAGE_BUILD
            first = await work.claim(conn, kind, "w1", limit=1, lease_seconds=60)
            batch = await work.claim(conn, kind, "w2", limit=5, lease_seconds=60)
            await work.complete_many(
                conn, kind, batch[:3], [{"size_bytes": 1, "checksum": "c" * 64, "checksum_algorithm": "sha256"}] * 3
            )
            await work.fail_many(conn, kind, batch[3:], "boom")
            # a takeover of an expired claim, and a status + state change in one statement
            await conn.execute(
                "UPDATE raw_data_package SET lease_until = now() - interval '1 s', "
                "next_attempt_at = now() - interval '1 s' WHERE id = $1",
                first[0].item_id,
            )
            await work.claim(conn, kind, "w3", limit=10, lease_seconds=60)
            await conn.execute(
                "UPDATE raw_data_package SET state = 'failed', status = 'failed', claim_token = NULL, "
                "lease_until = NULL WHERE id = ANY($1::bigint[]) AND status = 'in_progress'",
                ids,
            )
            # the other four tables: one status change each (data_transfer: both of its machines)
            for table in ("data_transfer_package", "long_term_archive_transfer", "staging_job"):
                await conn.execute(f"UPDATE {table} SET status = 'failed' WHERE status = 'pending'")
            await conn.execute(
                "UPDATE data_transfer SET status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END, "
                "unpack_status = CASE WHEN status = 'completed' THEN 'failed' ELSE unpack_status END"
            )
            # last: repair mode stays on for the rest of the transaction
            await repair(
                conn, "UPDATE raw_data_package SET status = 'pending', state = 'waiting' WHERE id = $1", ids[0]
            )
            # claim tokens are random: the history's claim_ref compared as "recorded or not"
            found.append([(*r[:9], r[9] is not None, r[10]) for r in await conn.fetch(HISTORY, last)])
            found.append([tuple(r) for r in await conn.fetch(DELTAS)])
            raise _RolledBack
    except _RolledBack:
        pass
    return found


async def test_the_history_rows_and_counters_are_0023s(db: Database, world: World) -> None:
    async with db.connection() as conn:
        hist = await add_packages(conn, world, 12, name="hist")
        # claim order fixed (one due time each), so both runs claim the same items
        await conn.execute(
            "UPDATE raw_data_package SET next_attempt_at = now() - interval '1 hour' + (id - $1) * interval '1 s' "
            "WHERE id = ANY($2::bigint[])",
            hist[0],
            hist,
        )
        others = await add_packages(conn, world, 2, status="completed", name="bundled")
        bundle = await add_bundle(conn, world, others, status="pending")
        route = await add_route(conn, "r", world.sites["ccat"], world.sites["cologne"])
        await add_transfer(conn, world, bundle, route)
        delivered = await add_transfer(conn, world, bundle, route, destination="us_buffer")
        await repair(conn, "UPDATE data_transfer SET status = 'completed' WHERE id = $1", delivered)
        await conn.execute(
            "INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id) "
            "VALUES ($1, $2, $3)",
            others[0],
            world.locations["cologne_buffer"],
            world.locations["cologne_lta"],
        )
        await conn.execute(
            "INSERT INTO staging_job (user_account_id, destination_location_id) VALUES ($1, $2)",
            world.user_id,
            world.locations["cologne_buffer"],
        )
        new = await _history_of(conn, world, old=False)
        old = await _history_of(conn, world, old=True)
    history, deltas = new
    tables = {row[0] for row in history}
    assert tables == set(TABLES), tables  # every table's trigger wrote
    assert {row[2] for row in history if row[0] == "data_transfer"} == {"status", "unpack_status"}
    assert any(row[10] for row in history)  # the repair is flagged
    assert len(history) > 20 and deltas
    assert new == old


async def test_a_forbidden_transition_is_still_refused(db: Database, world: World, database_dsn: str) -> None:
    """0027's static statement still refuses: a batch and one row, first in the session or after a
    one-row statement; nothing is written."""
    async with db.connection() as conn:
        ids = await add_packages(conn, world, 4, status="completed", name="refused")
    await assert_refused_cold_and_warm(database_dsn, "raw_data_package", ids, "completed", "pending")
