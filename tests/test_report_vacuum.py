"""`opsdb report vacuum` and its gauges: dead tuples and dead queue-index entries seen, then seen
gone after a VACUUM; autovacuum's rule; plans that read the catalog and the counters only."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
import roles_support
from roles_support import LoginAs
from tests_support import run_cli

from opsdb import reports
from opsdb.db import Database
from opsdb.queries import query
from opsdb.testing import World, add_files
from opsdb.vacuum import TABLES, assess_table, live_rows, parse_predicate

pytestmark = pytest.mark.anyio
login_as = roles_support.login_as  # the fixture

WORK_INDEX = "physical_copy_deletion_work_idx"


def _vacuum_report(dsn: str) -> dict[str, Any]:
    result = run_cli("report", "vacuum", "--json", env={"OPSDB_DSN": dsn})
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def _table(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in report["tables"] if t["table"] == name)


def _index(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(i for i in report["indexes"] if i["index"] == name)


class _RolledBack(Exception):
    pass


async def _churn(conn: Any, rounds: int) -> None:
    """Every file copy moved to deletion_scheduled and rolled back, `rounds` times: dead tuples in
    the heap and dead entries in the deletion work index, as finished deletions leave until a
    vacuum (nothing committed; the guards are off inside the rolled-back transaction only)."""
    for _ in range(rounds):
        with pytest.raises(_RolledBack):
            async with conn.transaction():
                await conn.execute("ALTER TABLE physical_copy DISABLE TRIGGER USER")
                await conn.execute(
                    "UPDATE physical_copy SET status = 'deletion_scheduled', "
                    "next_attempt_at = now() + id * interval '1 ms' WHERE type = 'raw_data_file'"
                )
                raise _RolledBack


async def test_report_sees_dead_entries_and_sees_them_gone_after_vacuum(
    db: Database, world: World, database_dsn: str
) -> None:
    async with db.connection() as conn:
        # nothing else may vacuum in between (and the report must say so)
        await conn.execute("ALTER TABLE physical_copy SET (autovacuum_enabled = off)")
        await add_files(conn, world, 2000)
        await conn.execute("VACUUM (ANALYZE) physical_copy")
        await _churn(conn, 3)
    before = _vacuum_report(database_dsn)
    for _ in range(100):  # the writer's statistics reach the views within about a second
        if _table(before, "physical_copy")["dead_tuples"] >= 6000:
            break
        await anyio.sleep(0.3)
        before = _vacuum_report(database_dsn)
    copies = _table(before, "physical_copy")
    assert copies["vacuum_due"] and copies["vacuum_due_because"] == "dead tuples"
    assert copies["autovacuum_enabled"] is False and copies["index_cleanup"] == "auto"
    assert copies["dead_until_vacuum"] == 0 and copies["dead_tuples"] > copies["vacuum_threshold"]
    work = _index(before, WORK_INDEX)
    assert work["live_rows"] == 0 and work["live_exact"] is True
    assert work["pages"] > work["needed_pages"] and work["excess_pages"] > 0
    assert {t["table"] for t in before["tables"]} == set(TABLES)

    async with db.connection() as conn:
        await conn.execute("VACUUM (INDEX_CLEANUP ON) physical_copy")
    after = _vacuum_report(database_dsn)
    copies = _table(after, "physical_copy")
    assert copies["dead_tuples"] == 0 and not copies["vacuum_due"] and copies["vacuum_due_because"] is None
    assert copies["last_vacuum"] is not None and copies["last_vacuum"] != _table(before, "physical_copy")["last_vacuum"]
    work = _index(after, WORK_INDEX)
    assert work["index_tuples"] == 0  # the vacuum's own count of the entries left: none
    # the file keeps its pages (emptied, for reuse): the excess is the high-water mark, not debt
    assert work["pages"] == _index(before, WORK_INDEX)["pages"]

    table = run_cli("report", "vacuum", env={"OPSDB_DSN": database_dsn})
    assert table.returncode == 0, table.stderr
    assert WORK_INDEX in table.stdout and "in " in table.stdout


async def test_report_vacuum_counts_live_rows_from_the_counters(db: Database, world: World) -> None:
    async with db.connection() as conn:
        await add_files(conn, world, 30)
        await conn.execute(
            "UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id IN "
            "(SELECT id FROM physical_copy ORDER BY id LIMIT 4)"
        )
        found = await reports.vacuum(conn)
    by = {i["index"]: i for i in found.indexes}
    assert by[WORK_INDEX]["live_rows"] == 4 and by[WORK_INDEX]["live_exact"]
    assert by["physical_copy_live_idx"]["live_rows"] == 30
    assert by["raw_data_file_unpackaged_idx"]["live_rows"] is None  # no counter: said, not guessed
    assert by["data_transfer_unpack_queue_idx"]["live_exact"] is False  # two state columns counted apart


def test_live_rows_from_a_predicate() -> None:
    copies = [({"type": "raw_data_file", "status": "present"}, 7), ({"type": "raw_data_file", "status": "deleted"}, 90),
              ({"type": "raw_data_package", "status": "deletion_scheduled"}, 2)]  # fmt: skip
    assert live_rows("(status <> 'deleted'::text)", copies) == (9, True)
    pred = "(status = ANY (ARRAY['deletion_scheduled'::text, 'deletion_in_progress'::text]))"
    assert live_rows(pred, copies) == (2, True)
    assert live_rows("((type = 'raw_data_file'::text) AND (status = 'present'::text))", copies) == (7, True)
    transfers = [({"status": "completed"}, 5), ({"status": "pending"}, 3), ({"unpack_status": "pending"}, 4),
                 ({"unpack_status": "completed"}, 4)]  # fmt: skip
    both = "((status = 'completed'::text) AND (unpack_status = ANY (ARRAY['pending'::text, 'in_progress'::text])))"
    assert live_rows(both, transfers) == (4, False)
    assert parse_predicate("(raw_data_package_id IS NULL)") is None
    assert parse_predicate("((status = 'a'::text) OR (status = 'b'::text))") is None
    assert live_rows("active", copies) == (None, False)
    assert live_rows("(status = 'x'::text)", []) == (None, False)


def _row(**over: Any) -> dict[str, Any]:
    row = {"table_name": "t", "pages": 1000, "reltuples": 100_000.0, "all_frozen_pages": 0, "n_live_tup": 100_000,
           "n_dead_tup": 0, "n_mod_since_analyze": 0, "n_ins_since_vacuum": 0, "last_vacuum": None,
           "last_autovacuum": None, "last_analyze": None, "last_autoanalyze": None, "vacuum_count": 0,
           "autovacuum_count": 0, "xid_age": 10, "unlogged": False, "options": "{}"}  # fmt: skip
    return row | over


SETTINGS = {"autovacuum": "on", "track_counts": "on", "autovacuum_vacuum_threshold": "50",
            "autovacuum_vacuum_scale_factor": "0.2", "autovacuum_vacuum_insert_threshold": "1000",
            "autovacuum_vacuum_insert_scale_factor": "0.2", "autovacuum_analyze_threshold": "50",
            "autovacuum_analyze_scale_factor": "0.1", "autovacuum_vacuum_max_threshold": "100000000",
            "autovacuum_freeze_max_age": "200000000"}  # fmt: skip


def test_autovacuum_rule() -> None:
    t = assess_table(_row(n_dead_tup=20_050), SETTINGS)
    assert t["vacuum_threshold"] == 20_050 and not t["vacuum_due"] and t["dead_until_vacuum"] == 1
    assert assess_table(_row(n_dead_tup=20_051), SETTINGS)["vacuum_due_because"] == "dead tuples"
    # the table's own options win; PostgreSQL 18's max threshold caps
    own = json.dumps({"autovacuum_vacuum_scale_factor": "0.02", "autovacuum_vacuum_threshold": "0"})
    assert assess_table(_row(options=own), SETTINGS)["vacuum_threshold"] == 2000
    capped = assess_table(_row(reltuples=1e10), SETTINGS)
    assert capped["vacuum_threshold"] == 100_000_000
    # inserts: the unfrozen share of pages (PostgreSQL 18); -1 turns insert vacuums off
    half = assess_table(_row(all_frozen_pages=500, n_ins_since_vacuum=11_001), SETTINGS)
    assert half["insert_threshold"] == 11_000 and half["vacuum_due_because"] == "inserts"
    off = json.dumps({"autovacuum_vacuum_insert_threshold": "-1"})
    assert assess_table(_row(options=off, n_ins_since_vacuum=10**9), SETTINGS)["insert_threshold"] is None
    assert assess_table(_row(xid_age=300_000_000), SETTINGS)["vacuum_due_because"] == "wraparound"
    disabled = assess_table(_row(options=json.dumps({"autovacuum_enabled": "false"})), SETTINGS)
    assert disabled["autovacuum_enabled"] is False
    assert assess_table(_row(), SETTINGS | {"autovacuum": "off"})["autovacuum_enabled"] is False
    assert assess_table(_row(n_mod_since_analyze=10_051), SETTINGS)["analyze_due"]
    never = assess_table(_row(reltuples=-1.0, n_dead_tup=51), SETTINGS)  # never vacuumed: reltuples 0
    assert never["vacuum_threshold"] == 50 and never["vacuum_due"]


def _relations(plan: dict[str, Any]) -> set[str]:
    names = {plan["Relation Name"]} if "Relation Name" in plan else set()
    for child in plan.get("Plans", []):
        names |= _relations(child)
    return names


COUNTERS = {"copy_space", "copy_space_delta", "state_count", "state_count_delta"}


async def test_report_vacuum_reads_the_catalog_and_counters_only(db: Database, world: World) -> None:
    async with db.connection() as conn:
        await add_files(conn, world, 200)
        await conn.execute("ANALYZE")
        seen: set[str] = set()
        for name, args in (("report_vacuum_tables", (list(TABLES),)), ("report_vacuum_indexes", (list(TABLES),)),
                           ("report_vacuum_counters", ()), ("report_vacuum_settings", ())):  # fmt: skip
            raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {query(name)}", *args)
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            relations = _relations(plan)
            assert all(r.startswith("pg_") or r in COUNTERS for r in relations), (name, relations)
            seen |= relations
    assert "pg_class" in seen and seen >= COUNTERS


async def test_vacuum_gauges_are_scraped(db: Database, world: World, database_dsn: str) -> None:
    from prometheus_client import generate_latest

    from opsdb.metrics import registry

    async with db.connection() as conn:
        await add_files(conn, world, 5)
        await conn.execute(
            "UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = (SELECT min(id) FROM physical_copy)"
        )
    body = generate_latest(registry(database_dsn, queues_sql=reports.QUEUES_SQL)).decode()
    assert "opsdb_database_up 1.0" in body
    assert 'opsdb_table_dead_tuples{table="physical_copy"}' in body
    assert 'opsdb_table_vacuum_due{table="state_history"}' in body
    assert f'opsdb_index_live_rows{{index="{WORK_INDEX}",table="physical_copy"}} 1.0' in body
    assert f'opsdb_index_pages{{index="{WORK_INDEX}",table="physical_copy"}}' in body
    assert 'opsdb_index_excess_pages{index="physical_copy_live_idx",table="physical_copy"} 0.0' in body


async def test_report_vacuum_is_open_to_the_reader_role(db: Database, world: World, login_as: LoginAs) -> None:
    async with db.connection() as conn:
        await add_files(conn, world, 3)
    report = _vacuum_report(await login_as("opsdb_reader"))
    assert _index(report, "physical_copy_live_idx")["live_rows"] == 3
    assert _table(report, "physical_copy")["live_tuples"] >= 0
