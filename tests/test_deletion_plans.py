"""Deletion queries at a history of a few hundred thousand copies: index plans, and work that
follows the answer, not the history (issue 13).

One database is built per module (bench.deletion.build_history: INSERT ... SELECT
generate_series), then history is added (deleted file copies of more archived packages) and
the buffers each call touches are compared before and after.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bench.deletion import build_history
from opsdb.db import Connection, Database
from opsdb.queries import query

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

PACKAGES, FILES = 1000, 100  # 100k files and file copies, then 200k more deleted ones
MORE_HISTORY = """
WITH p AS (
    INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id,
                                  origin_location_id, status, state, size_bytes, checksum, checksum_algorithm)
    SELECT 'h' || n, 'h/' || n, $1, $2, $3, 'completed', 'archived', 1, repeat('a', 64), 'sha256'
    FROM generate_series(1, $4) n RETURNING id
),
f AS (
    INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, raw_data_package_id, name,
                               relative_path, size_bytes, checksum, checksum_algorithm)
    SELECT gen_random_uuid(), $2, $1, p.id, 'h' || p.id || '_' || n, 'h/' || p.id || '/' || n, 1,
           repeat('b', 64), 'sha256'
    FROM p, generate_series(1, $5) n RETURNING id
)
INSERT INTO physical_copy (type, raw_data_file_id, data_location_id, status, deleted_at)
SELECT 'raw_data_file', f.id, $3, 'deleted', now() FROM f
"""


@pytest.fixture(scope="module")
async def history(module_dsn: str) -> AsyncIterator[tuple[Database, dict[str, Any]]]:
    db = await Database.connect(module_dsn, min_size=1, max_size=2)
    async with db.connection() as conn:
        world = await build_history(conn, packages=PACKAGES, files=FILES, deleted=0.5, scheduled=0.45)
    try:
        yield db, world
    finally:
        await db.close()


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


SEQ_SCANS = "SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables WHERE relname = 'physical_copy'"
WORK_INDEX_SCANS = "SELECT pg_stat_get_xact_numscans('physical_copy_deletion_work_idx'::regclass)"


class _RolledBack(Exception):
    """Leaves a transaction (rolling it back) carrying what was measured inside."""

    last: tuple[int, ...] = ()

    def __init__(self, *values: int) -> None:
        super().__init__(*values)
        _RolledBack.last = values


async def _plan(conn: Connection, sql: str, *args: Any, analyze: bool = False) -> dict[str, Any]:
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    raw = await conn.fetchval(f"EXPLAIN ({options}) {sql}", *args)
    plan: dict[str, Any] = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    return plan


def _scans(plan: dict[str, Any]) -> set[tuple[str, str]]:
    return {(n["Node Type"], n.get("Relation Name", "")) for n in _nodes(plan) if "Relation Name" in n}


async def _buffers(conn: Connection, sql: str, *args: Any) -> int:
    """Shared buffers one call touches (a function's inner statements count in its scan node),
    rolled back."""
    tx = conn.raw.transaction()
    await tx.start()
    try:
        plan = await _plan(conn, sql, *args, analyze=True)
    finally:
        await tx.rollback()
    return int(plan["Shared Hit Blocks"] + plan["Shared Read Blocks"])


async def test_the_claim_reads_the_due_deletions_by_index(history: tuple[Database, dict[str, Any]]) -> None:
    """The claim is a function (migration 0021): its plans do not show in EXPLAIN, so the test runs
    it and reads this transaction's scan counters."""
    db, _ = history
    async with db.connection() as conn:
        with pytest.raises(_RolledBack):
            async with conn.transaction():
                await conn.execute(
                    "UPDATE physical_copy SET next_attempt_at = now() WHERE id IN (SELECT id FROM physical_copy "
                    "WHERE status = 'deletion_scheduled' ORDER BY id LIMIT 1000)"
                )
                seq_before = await conn.fetchval(SEQ_SCANS)
                index_before = await conn.fetchval(WORK_INDEX_SCANS)
                claimed = await conn.fetch(query("deletion_claim"), "w", 1000, None, None, 600.0)
                seq_after = await conn.fetchval(SEQ_SCANS)
                index_after = await conn.fetchval(WORK_INDEX_SCANS)
                raise _RolledBack(len(claimed), seq_after - seq_before, index_after - index_before)
    due, seq_scans, index_scans = _RolledBack.last
    assert due == 1000
    assert seq_scans == 0, "no statement of the claim may scan physical_copy"
    assert index_scans >= 1, "the due window must come from the deletion work index"


async def test_the_rule_reads_copies_files_and_packages_by_index(history: tuple[Database, dict[str, Any]]) -> None:
    db, _ = history
    async with db.connection() as conn:
        ids = [
            r["id"]
            for r in await conn.fetch("SELECT id FROM physical_copy WHERE status = 'present' ORDER BY id LIMIT 1000")
        ]
        plan = await _plan(conn, "SELECT * FROM opsdb_deletable($1::bigint[])", ids)
    scans = _scans(plan)
    for table in ("physical_copy", "raw_data_file", "raw_data_package"):
        assert ("Seq Scan", table) not in scans, f"opsdb_deletable scans {table}"


async def test_candidates_and_scheduling_do_not_grow_with_history(history: tuple[Database, dict[str, Any]]) -> None:
    """With 95% of the copies deleted or scheduled already, and then twice as much deleted history,
    one candidates call and one scheduling batch of 1,000 touch about as many buffers."""
    db, world = history
    async with db.connection() as conn:
        await conn.execute("SET statement_timeout = 0")  # the added history is large by design
        candidates = await _buffers(conn, "SELECT * FROM opsdb_deletion_candidates(NULL, 1000)")
        schedule = await _buffers(conn, query("deletion_schedule"), None, 1000)
        found = len(await conn.fetch(query("deletion_candidates"), None, 1000))
        await conn.execute(MORE_HISTORY, world["execution"], world["module"], world["source"], 2000, 100)
        await conn.execute("VACUUM ANALYZE physical_copy")
        await conn.execute("VACUUM ANALYZE raw_data_file")
        await conn.execute("VACUUM ANALYZE raw_data_package")
        copies = await conn.fetchval("SELECT count(*) FROM physical_copy")
        candidates_after = await _buffers(conn, "SELECT * FROM opsdb_deletion_candidates(NULL, 1000)")
        schedule_after = await _buffers(conn, query("deletion_schedule"), None, 1000)
    assert found == 1000 and copies > 300_000
    assert candidates_after < 1.5 * candidates + 100, (candidates, candidates_after)
    assert schedule_after < 1.5 * schedule + 100, (schedule, schedule_after)
    # and both stay near the answer's size: a few buffers per copy found
    assert candidates_after < 20 * found and schedule_after < 60 * found
