"""Plan regression: every kind's claim reads its work index, whatever the finished history.

One database for the module: every work table holds HISTORY finished rows and a backlog of DUE
items (INSERT ... SELECT generate_series under `session_replication_role = replica`, so no
trigger runs: a few seconds), then ANALYZE. Each claim statement that actually runs
(`work_claim`, and the claim steps of `complete_many(claim_next=N)`) is explained as a custom
and as a generic plan (the plan a prepared statement settles on) and must read its kind's
partial work index (the ordered scan that stops after the claim's window) and scan no work
table sequentially. `test_the_check_fails_without_the_work_index` shows the check can fail:
without the index the planner combines other indexes and sorts every due item.

A completion, renewal or failure finds its claims by primary key: of 50 claims among 800 in
progress (not through the running index), and of 1,000 claims on statistics taken with none in
progress (each row read once, no join throwing rows away: session 6's guard read the whole table
and nested-looped it against the batch, 999,000 rows thrown away per statement).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest

from opsdb.config import with_database
from opsdb.db import Connection, Database
from opsdb.testing import seed_world
from opsdb.work import KINDS, WorkKind, completion_statement, kind_statement

pytestmark = pytest.mark.anyio

HISTORY = 30_000
"""Finished rows per work table: well past where a sequential scan is cheaper than the index."""

DUE = 2_000
"""Due items per work table: a backlog, so the claim's LIMIT decides the plan (an ordered scan of
the work index that stops after the window), not a sort of every due item."""

WORK_INDEX = {
    WorkKind.RAW_DATA_PACKAGE_BUILD: "raw_data_package_work_idx",
    WorkKind.DATA_TRANSFER_PACKAGE_BUILD: "data_transfer_package_work_idx",
    WorkKind.DATA_TRANSFER: "data_transfer_work_idx",
    WorkKind.DATA_TRANSFER_UNPACK: "data_transfer_unpack_work_idx",
    WorkKind.LONG_TERM_ARCHIVE_TRANSFER: "long_term_archive_transfer_work_idx",
    WorkKind.STAGING_JOB: "staging_job_work_idx",
    WorkKind.PHYSICAL_COPY_DELETION: "physical_copy_deletion_work_idx",
}

# $1 rows, $2 how many of them (from the end) are due; the rest is finished history. Foreign
# keys are not checked under replica, so ids that exist only in number are fine; the CHECK
# constraints still hold (a completed build has a checksum, a deleted copy its deleted_at).
FILL = [
    """INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id,
           origin_location_id, priority, status, size_bytes, checksum, checksum_algorithm, next_attempt_at)
       SELECT 'p' || n, 'p/' || n, $3, $4, $5, 0,
              CASE WHEN n > $1 - $2 THEN 'pending' ELSE 'completed' END, 1, repeat('c', 64), 'sha256',
              now() - interval '1 hour'
       FROM generate_series(1, $1) n""",
    """INSERT INTO data_transfer_package (name, relative_path, origin_location_id, priority, status, size_bytes,
           checksum, checksum_algorithm, next_attempt_at)
       SELECT 'b' || n, 'b/' || n, $5, 0, CASE WHEN n > $1 - $2 THEN 'pending' ELSE 'completed' END, 1,
              repeat('c', 64), 'sha256', now() - interval '1 hour'
       FROM generate_series(1, $1) n""",
    # transfers: finished, then due ones (pending), then delivered ones whose unpack is due
    """INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id, priority,
           unpack_priority, status, unpack_status, next_attempt_at, unpack_next_attempt_at)
       SELECT n, $5, $6, 0, 0, CASE WHEN n > $1 - $2 AND n % 2 = 0 THEN 'pending' ELSE 'completed' END,
              CASE WHEN n > $1 - $2 THEN 'pending' ELSE 'completed' END,
              now() - interval '1 hour', now() - interval '1 hour'
       FROM generate_series(1, $1) n""",
    """INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id,
           priority, status, next_attempt_at)
       SELECT n, $6, $7, 0, CASE WHEN n > $1 - $2 THEN 'pending' ELSE 'completed' END, now() - interval '1 hour'
       FROM generate_series(1, $1) n""",
    """INSERT INTO staging_job (user_account_id, destination_location_id, priority, status, next_attempt_at)
       SELECT $8, $6, 0, CASE WHEN n > $1 - $2 THEN 'pending' ELSE 'completed' END, now() - interval '1 hour'
       FROM generate_series(1, $1) n""",
    """INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, priority, status, deleted_at,
           next_attempt_at)
       SELECT 'raw_data_package', n, $5, 0, CASE WHEN n > $1 - $2 THEN 'deletion_scheduled' ELSE 'deleted' END,
              CASE WHEN n > $1 - $2 THEN NULL ELSE now() END, now() - interval '1 hour'
       FROM generate_series(1, $1) n""",
]


@pytest.fixture(scope="module")
def plans_dsn(server_dsn: str, template_db: str) -> Iterator[str]:
    name = f"opsdb_work_plans_{os.getpid()}"
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    try:
        yield with_database(server_dsn, name)
    finally:
        with psycopg.connect(server_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
async def plans_db(plans_dsn: str) -> AsyncIterator[Database]:
    database = await Database.connect(plans_dsn, min_size=1, max_size=2)
    try:
        async with database.connection() as conn:
            world = await seed_world(conn)
            loc = world.locations
            args = [HISTORY, DUE, world.execution_id, world.module_id, loc["ccat_source"], loc["cologne_buffer"]]
            args += [loc["cologne_lta"], world.user_id]
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")
                for sql in FILL:
                    await conn.execute(*_only_used(sql, args))
            await conn.execute("ANALYZE")
        yield database
    finally:
        await database.close()


def _only_used(sql: str, args: list[Any]) -> tuple[Any, ...]:
    """`sql` renumbered to bind only the `args` it uses (an unused one has no type), and those."""
    used = sorted({int(n) for n in re.findall(r"\$(\d+)", sql)})
    renumbered = re.sub(r"\$(\d+)", lambda m: f"${used.index(int(m.group(1))) + 1}", sql)
    return (renumbered, *(args[n - 1] for n in used))


def _claim_statements(kind: WorkKind) -> list[tuple[str, str, list[Any]]]:
    """(what, sql, args) of every statement that claims items of `kind`."""
    claim = kind_statement("work_claim", kind)
    claim_args = {"worker": "plans", "limit": 10, "locations": None, "sites": None, "lease_seconds": 60.0}
    steady = completion_statement(kind, list(KINDS[kind].results), claim_next=True)
    steady_args = {**claim_args, "ids": [], "tokens": []}
    steady_args.update({name: [] for name in steady.params if name not in steady_args})
    return [
        ("claim", claim.sql, claim.args(claim_args)),
        ("complete_many(claim_next=10)", steady.sql, steady.args(steady_args)),
    ]


async def _plan(conn: Connection, sql: str, args: list[Any], *, generic: bool) -> dict[str, Any]:
    """The plan of `sql` (not run: EXPLAIN without ANALYZE claims nothing)."""
    async with conn.transaction():
        await conn.execute(f"SET LOCAL plan_cache_mode = {'force_generic_plan' if generic else 'auto'}")
        text = await conn.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args)
    plan: dict[str, Any] = (json.loads(text) if isinstance(text, str) else text)[0]["Plan"]
    return plan


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _scans_of(plan: dict[str, Any], table: str) -> list[tuple[str, str | None]]:
    """(node type, index) of every scan of `table` in `plan`, and of every index scan (a bitmap
    index scan names its index, not its table)."""
    return [
        (n["Node Type"], n.get("Index Name"))
        for n in _nodes(plan)
        if n.get("Relation Name") == table or n["Node Type"] == "Bitmap Index Scan"
    ]


def _reads_index(scans: list[tuple[str, str | None]], index: str) -> bool:
    return any(node in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and name == index for node, name in scans)


async def _check_claims_read_their_index(conn: Connection, kind: WorkKind, generic: bool) -> None:
    table = KINDS[kind].table
    for what, sql, args in _claim_statements(kind):
        scans = _scans_of(await _plan(conn, sql, args, generic=generic), table)
        assert _reads_index(scans, WORK_INDEX[kind]), f"{kind} {what}: {scans}"
        assert not any(node == "Seq Scan" for node, _ in scans), f"{kind} {what}: {scans}"


@pytest.mark.parametrize("generic", [False, True], ids=["custom", "generic"])
@pytest.mark.parametrize("kind", list(WorkKind))
async def test_every_claim_reads_its_work_index(plans_db: Database, kind: WorkKind, generic: bool) -> None:
    async with plans_db.connection() as conn:
        rows = await conn.fetchval("SELECT reltuples::bigint FROM pg_class WHERE relname = $1", KINDS[kind].table)
        await _check_claims_read_their_index(conn, kind, generic)
    assert rows >= HISTORY  # the planner knows the history is there


@pytest.mark.parametrize("kind", [WorkKind.RAW_DATA_PACKAGE_BUILD, WorkKind.DATA_TRANSFER_UNPACK])
async def test_the_check_fails_without_the_work_index(plans_db: Database, kind: WorkKind) -> None:
    """The test above can fail: with the work index dropped, the same check refuses the plan."""
    async with plans_db.connection() as conn:
        with pytest.raises(_RolledBack):
            async with conn.transaction():
                await conn.execute(f"DROP INDEX {WORK_INDEX[kind]}")
                with pytest.raises(AssertionError, match=str(kind)):
                    await _check_claims_read_their_index(conn, kind, generic=False)
                raise _RolledBack  # the index comes back with the rollback
        assert await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", WORK_INDEX[kind])


class _RolledBack(Exception):
    """Leaves a transaction by rolling it back."""


RUNNING = 800
"""Items in progress while a worker completes its batch: 16 workers x 50, the claims benchmark."""

OLD_GUARD = "AND t.status = 'in_progress'"
"""The completion's state guard as written before session 6: a partial index of running items answers it."""


def _done_scans(plan: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The scans of raw_data_package under the completion's `done` UPDATE."""
    done = next(n for n in _nodes(plan) if n.get("Subplan Name") == "CTE done")
    return _scans_of(done, "raw_data_package")


async def _completion_scans(conn: Connection, *, old_guard: bool) -> list[list[tuple[str, str | None]]]:
    """With RUNNING builds in progress, the `done` scans of both completions of 50 of them (ids only,
    and claim_next), on the planner's stale statistics (none in progress) and on fresh ones."""
    kind = WorkKind.RAW_DATA_PACKAGE_BUILD
    claim = kind_statement("work_claim", kind)
    rows = await conn.fetch(
        claim.sql,
        *claim.args({"worker": "plans", "limit": RUNNING, "locations": None, "sites": None, "lease_seconds": 60.0}),
    )
    assert len(rows) == RUNNING
    ids, tokens = [r["id"] for r in rows[:50]], [r["claim_token"] for r in rows[:50]]
    results = list(KINDS[kind].results)
    found = []
    for fresh in (False, True):
        if fresh:
            await conn.execute("ANALYZE raw_data_package")
        for claim_next in (False, True):
            stmt = completion_statement(kind, results, rows=False, claim_next=claim_next)
            sql = stmt.sql
            if old_guard:
                guard = "AND (t.claim_token = c.token AND t.status = 'in_progress') IS TRUE"
                assert sql.count(guard) == 1
                sql = sql.replace(guard, "AND t.claim_token = c.token " + OLD_GUARD)
            values: dict[str, Any] = {"ids": ids, "tokens": tokens, "location_id": [None] * 50}
            values.update({"verified": [False] * 50, "size_bytes": [1] * 50, "checksum": ["c" * 64] * 50})
            values.update({"checksum_algorithm": ["sha256"] * 50, "worker": "plans", "limit": 50})
            values.update({"locations": None, "sites": None, "lease_seconds": 60.0})
            args = stmt.args({name: values[name] for name in stmt.params})
            found.append(_done_scans(await _plan(conn, sql, args, generic=False)))
    return found


async def test_a_completion_finds_its_claims_by_id_not_by_reading_every_item_in_progress(plans_db: Database) -> None:
    """The batch's rows are probed by primary key: the cost of a completion follows its batch, not
    how many items all workers hold (with the running index, each completion read all 800)."""
    async with plans_db.connection() as conn:
        with pytest.raises(_RolledBack):
            async with conn.transaction():
                for scans in await _completion_scans(conn, old_guard=False):
                    assert _reads_index(scans, "raw_data_package_pkey"), scans
                    assert not _reads_index(scans, "raw_data_package_running_idx"), scans
                    assert not any(node == "Seq Scan" for node, _ in scans), scans
                raise _RolledBack


async def test_the_old_guard_reads_every_item_in_progress(plans_db: Database) -> None:
    """The check above can fail: the guard as written before reads the running index (all 800)."""
    async with plans_db.connection() as conn:
        with pytest.raises(_RolledBack):
            async with conn.transaction():
                found = await _completion_scans(conn, old_guard=True)
                assert all(_reads_index(scans, "raw_data_package_running_idx") for scans in found), found
                raise _RolledBack


BATCH = 1_000
"""A large batch (a daemon claiming and completing 1,000 at a time): the size at which the old
guard's plan went quadratic in the claims benchmark."""

SESSION6_GUARD = "WHERE t.id = c.id AND t.claim_token = c.token AND (t.status = 'in_progress') IS TRUE"
"""The completions' guard as written in session 6 (by id, but estimated from the state statistics)."""


def _done_work(plan: dict[str, Any], step: str) -> tuple[int, int]:
    """Under the `step` node (a CTE, or the statement): rows of raw_data_package read by its scans
    (rows x loops, the filtered ones included) and rows its joins compared and threw away."""
    top = plan if step == "" else next(n for n in _nodes(plan) if n.get("Subplan Name") == step)
    read = sum(
        (n["Actual Rows"] + n.get("Rows Removed by Filter", 0)) * n["Actual Loops"]
        for n in _nodes(top)
        if n.get("Relation Name") == "raw_data_package" and n["Node Type"] != "ModifyTable"
    )
    removed = sum(n.get("Rows Removed by Join Filter", 0) * n["Actual Loops"] for n in _nodes(top))
    return int(read), int(removed)


async def _large_batch_work(conn: Connection, *, old_guard: bool) -> dict[str, tuple[int, int]]:
    """With BATCH builds claimed (statistics taken when none was in progress, as a daemon's table
    mostly is), what a lease renewal, a completion (ids only and claim_next) and a failure of the
    whole batch read and join (EXPLAIN ANALYZE, each in a savepoint rolled back)."""
    kind = WorkKind.RAW_DATA_PACKAGE_BUILD
    claim = kind_statement("work_claim", kind)
    rows = await conn.fetch(
        claim.sql,
        *claim.args({"worker": "plans", "limit": BATCH, "locations": None, "sites": None, "lease_seconds": 60.0}),
    )
    assert len(rows) == BATCH
    n = len(rows)
    values: dict[str, Any] = {"ids": [r["id"] for r in rows], "tokens": [r["claim_token"] for r in rows]}
    values.update({"location_id": [None] * n, "verified": [False] * n, "size_bytes": [1] * n})
    values.update({"checksum": ["c" * 64] * n, "checksum_algorithm": ["sha256"] * n, "worker": "plans"})
    values.update({"limit": BATCH, "locations": None, "sites": None, "lease_seconds": 60.0, "errors": ["x"] * n})
    values.update({"backoff_seconds": 1.0, "max_backoff_seconds": 2.0, "permanent": False})
    results = list(KINDS[kind].results)
    statements = {
        "renew": (kind_statement("work_renew", kind), ""),
        "complete_many(claim_next=0)": (completion_statement(kind, results, rows=False), "CTE done"),
        "complete_many(claim_next=N)": (completion_statement(kind, results, claim_next=True), "CTE done"),
        "fail_many": (kind_statement("work_fail_many", kind), ""),
    }
    found = {}
    for what, (stmt, step) in statements.items():
        sql = stmt.sql
        if old_guard:
            new_guard = re.search(
                r"WHERE t\.id = ANY\(\$1::bigint\[\]\) AND t\.id = c\.id\s+AND \(t\.claim_token = "
                r"c\.token AND t\.status = 'in_progress'\) IS TRUE",
                sql,
            )
            assert new_guard is not None, what
            sql = sql.replace(new_guard.group(0), SESSION6_GUARD)
        args = stmt.args({name: values[name] for name in stmt.params})
        with pytest.raises(_RolledBack):
            async with conn.transaction():  # a savepoint, rolled back: every statement sees the same claims
                text = await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *args)
                plan: dict[str, Any] = (json.loads(text) if isinstance(text, str) else text)[0]["Plan"]
                found[what] = _done_work(plan, step)
                raise _RolledBack
    return found


async def test_a_large_batch_probes_its_items_by_primary_key(plans_db: Database) -> None:
    """A renewal, completion or failure of BATCH claims reads each claimed row once (by primary key)
    and joins without throwing rows away: its cost follows the batch, not the batch squared
    (nor the table's size), whatever the statistics say about the items in progress."""
    async with plans_db.connection() as conn:
        with pytest.raises(_RolledBack):
            async with conn.transaction():
                found = await _large_batch_work(conn, old_guard=False)
                for what, (read, removed) in found.items():
                    assert read <= 2 * BATCH, (what, read, removed)
                    assert removed <= BATCH, (what, read, removed)
                raise _RolledBack


async def test_the_session6_guard_goes_quadratic_on_a_large_batch(plans_db: Database) -> None:
    """The check above can fail: the guard as written in session 6, estimated from statistics with
    no item in progress, reads the whole table and nested-loops it against the batch."""
    async with plans_db.connection() as conn:
        with pytest.raises(_RolledBack):
            async with conn.transaction():
                found = await _large_batch_work(conn, old_guard=True)
                assert any(read >= HISTORY or removed >= BATCH * BATCH // 4 for read, removed in found.values()), found
                raise _RolledBack


CLAIM_BY_ID = "WHERE t.id = ANY(ARRAY(SELECT k.id FROM candidate k)) AND t.id = c.id"


async def _large_claim_reads(conn: Connection, *, old: bool) -> dict[str, int]:
    """Rows of raw_data_package read under the `claimed` UPDATE of a BATCH-item claim and of a
    claim_next completion of nothing (EXPLAIN ANALYZE, rolled back), with the claim's UPDATE as
    written now or (`old`) before session 7 (joined to the candidates only)."""
    kind = WorkKind.RAW_DATA_PACKAGE_BUILD
    claim_args = {"worker": "plans", "limit": BATCH, "locations": None, "sites": None, "lease_seconds": 60.0}
    claim_next = completion_statement(kind, list(KINDS[kind].results), claim_next=True)
    next_args = {**claim_args, "ids": [], "tokens": []}
    next_args.update({name: [] for name in claim_next.params if name not in next_args})
    found = {}
    for what, stmt, values in (
        ("claim", kind_statement("work_claim", kind), claim_args),
        ("complete_many(claim_next=N)", claim_next, next_args),
    ):
        sql = stmt.sql
        assert sql.count(CLAIM_BY_ID) == 1, what
        if old:
            sql = sql.replace(CLAIM_BY_ID, "WHERE t.id = c.id")
        with pytest.raises(_RolledBack):
            async with conn.transaction():
                text = await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *stmt.args(values))
                plan: dict[str, Any] = (json.loads(text) if isinstance(text, str) else text)[0]["Plan"]
                found[what] = _done_work(plan, "CTE claimed")[0]
                raise _RolledBack
    return found


async def test_a_large_claim_reads_its_candidates_by_primary_key(plans_db: Database) -> None:
    """A BATCH-item claim reads the work index for its window and the candidates' rows by
    primary key: a few rows per item claimed, not the table (whose size the planner may think
    small enough to read whole and hash against the candidates)."""
    async with plans_db.connection() as conn:
        for what, read in (await _large_claim_reads(conn, old=False)).items():
            assert read <= 3 * BATCH, (what, read)


async def test_the_claim_joined_to_its_candidates_only_reads_the_table(plans_db: Database) -> None:
    """The check above can fail: the claim's UPDATE as written before reads every row of the table."""
    async with plans_db.connection() as conn:
        found = await _large_claim_reads(conn, old=True)
    assert any(read >= HISTORY for read in found.values()), found
