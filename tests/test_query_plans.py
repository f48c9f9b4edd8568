"""The regular reads cost what their answer costs, not what the history costs (issue #13).

One database per module with 50,000 files and their history (`bench.scale_data`): almost all
archived, with their source copies deleted, and a small in-flight tail. Each regular query
runs under EXPLAIN (ANALYZE, BUFFERS) twice: as a custom plan (the values known to the
planner) and as a generic plan (`plan_cache_mode = force_generic_plan`, the plan a prepared
statement settles on after five runs). Both must stay within a buffer budget a few times the
size of the answer, and never scan a bulk table sequentially: a scan of the primary key with
a filter, or a sequential scan, reads far more than the budget at this size (checked by
`test_the_budget_catches_a_history_scan`).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest

from bench.scale_data import FILES_PER_GROUP, MODULES, InFlight, Layout, execution_uuid, file_uuid, populate
from opsdb.db import Connection, Database
from opsdb.queries import query, query_for
from opsdb.work import WorkKind, kind_sql

pytestmark = pytest.mark.anyio

FILES = 50_000
TAIL = InFlight(running=4, unpackaged=8, waiting=8, transferring=20, deletable=8)
BULK = ("raw_data_file", "physical_copy")


@dataclass(frozen=True)
class Plans:
    db: Database
    layout: Layout


@pytest.fixture(scope="module")
async def plans(module_dsn: str) -> AsyncIterator[Plans]:
    database = await Database.connect(module_dsn, min_size=1, max_size=2)
    try:
        async with database.connection() as conn:
            layout = await populate(conn, FILES, TAIL)
            await _older_history(conn, layout)
            await conn.execute("VACUUM ANALYZE")
        yield Plans(database, layout)
    finally:
        await database.close()


async def _older_history(conn: Connection, lay: Layout) -> None:
    """Years of finished executions and delivered bundles before the generated files (whose rows
    are not needed here): the small tables get the size they have at tens of millions of files,
    so that a plan scanning all of them exceeds the budgets below."""
    await conn.execute(
        """INSERT INTO executed_obs_unit (id, obs_unit_id, status, start_time, end_time)
           SELECT gen_random_uuid(), $1, 'completed', timestamptz '2020-01-01' + n * interval '1 minute',
                  timestamptz '2020-01-01' + n * interval '1 minute' + interval '50 seconds'
           FROM generate_series(1, 40000) n""",
        lay.obs_unit_ids[0],
    )
    await conn.execute(
        """INSERT INTO data_transfer_package (name, relative_path, origin_location_id, size_bytes,
                                              checksum_algorithm, checksum, status, attempts)
           SELECT 'old_bundle_' || n, 'old/bundle_' || n || '.tar', $1, 1, 'md5', md5(n::text), 'completed', 1
           FROM generate_series(1, 20000) n""",
        lay.ccat_buffer_id,
    )


def _literal(value: object) -> str:
    """A SQL literal for a test value (test-only: the values are the test's own ids and names)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, UUID):
        return f"'{value}'::uuid"
    if isinstance(value, str):
        assert "'" not in value
        return f"'{value}'"
    if isinstance(value, list):
        return "ARRAY[" + ", ".join(_literal(v) for v in value) + "]" if value else "NULL"
    raise TypeError(value)


_statements = itertools.count()


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@dataclass(frozen=True)
class Run:
    buffers: int
    rows: int
    scans: list[tuple[str, str, str]]  # (node type, relation, index)


def _run(explained: Any) -> Run:
    doc = json.loads(explained) if isinstance(explained, str) else explained
    top = doc[0]["Plan"]
    nodes = list(_nodes(top))
    scans = [(n["Node Type"], n.get("Relation Name", ""), n.get("Index Name", "")) for n in nodes]
    buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    return Run(buffers=buffers, rows=top.get("Actual Rows", 0), scans=scans)


async def explain(conn: Connection, sql: str, args: Sequence[object], *, generic: bool) -> Run:
    """EXPLAIN ANALYZE one run of `sql` as a custom or a generic plan (inside the caller's
    transaction, which rolls back whatever a claim or an update did)."""
    if not generic:
        return _run(await conn.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, *args))
    name = f"plan_{next(_statements)}"
    await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    await conn.execute(f"PREPARE {name} AS {sql}")
    try:
        given = ", ".join(_literal(a) for a in args)
        return _run(await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE {name}({given})"))
    finally:
        await conn.execute(f"DEALLOCATE {name}")


async def check(
    plans: Plans, sql: str, args: Sequence[object], *, budget: int, min_rows: int = 0, generic_too: bool = True
) -> list[Run]:
    """The custom plan of `sql` (and its generic plan, unless `generic_too` is False) stays within
    `budget` buffers and scans no bulk table sequentially."""
    results = []
    async with plans.db.connection() as conn:
        for generic in (False, True) if generic_too else (False,):
            await conn.execute("BEGIN")
            try:
                run = await explain(conn, sql, args, generic=generic)
            finally:
                await conn.execute("ROLLBACK")
            kind = "generic" if generic else "custom"
            seq = [s for s in run.scans if s[0] == "Seq Scan" and s[1] in BULK]
            assert not seq, f"{kind} plan scans {seq}: {run.scans}"
            assert run.buffers <= budget, f"{kind} plan read {run.buffers} buffers (> {budget}): {run.scans}"
            assert run.rows >= min_rows, f"{kind} plan returned {run.rows} rows, expected >= {min_rows}"
            results.append(run)
            if os.environ.get("OPSDB_SHOW_PLANS"):
                print(f"{kind}: {run.buffers} buffers, {run.rows} rows: {run.scans}")
    return results


def group_of_execution(layout: Layout, e: int, module: int = 0) -> int:
    return e * MODULES + module


# -- reads of one item or one page ------------------------------------------------------------


async def test_file_by_id_and_by_module_and_path(plans: Plans) -> None:
    lay = plans.layout
    await check(plans, query("get_raw_data_file"), [file_uuid(12_345)], budget=8, min_rows=1)
    g = 12_345 // FILES_PER_GROUP
    path = f"obs_{g // MODULES}/m{g % MODULES}/file_12345.fits"
    await check(plans, query("get_raw_data_file_by_path"), [lay.modules[g % MODULES], path], budget=8, min_rows=1)


async def test_files_of_an_execution_a_page_at_a_time(plans: Plans) -> None:
    lay = plans.layout
    eou = execution_uuid(10)
    page = [eou, None, None, None, 100]
    await check(plans, query_for("list_raw_data_files", *page), page, budget=150, min_rows=100)
    after = [eou, None, None, file_uuid(10 * MODULES * FILES_PER_GROUP), 100]
    await check(plans, query_for("list_raw_data_files", *after), after, budget=150, min_rows=1)
    # one module of the execution: the page reads the execution's files of every module (a bounded
    # factor: the number of modules), never other executions'
    with_module = [eou, lay.modules[1], None, None, 100]
    await check(plans, query_for("list_raw_data_files", *with_module), with_module, budget=150 * MODULES, min_rows=100)


async def test_files_of_a_package(plans: Plans) -> None:
    args = [None, None, 77, None, 100]
    await check(plans, query_for("list_raw_data_files", *args), args, budget=150, min_rows=100)


async def test_unpackaged_files_of_a_group(plans: Plans) -> None:
    lay = plans.layout
    g = lay.waiting_end + 1
    args = [execution_uuid(g // MODULES), lay.modules[g % MODULES], None, 100]
    await check(plans, query("list_unpackaged_raw_data_files"), args, budget=150, min_rows=100)


async def test_copies_of_an_item(plans: Plans) -> None:
    lay = plans.layout
    await check(plans, query("list_raw_data_file_copies"), [file_uuid(4_242)], budget=8, min_rows=1)
    await check(plans, query("list_raw_data_package_copies"), [5], budget=8, min_rows=3)
    await check(plans, query("list_data_transfer_package_copies"), [2], budget=8, min_rows=2)
    await check(
        plans,
        query("get_raw_data_file_copy_at_location"),
        [file_uuid(4_242), lay.source_location_id],
        budget=8,
        min_rows=1,
    )


async def test_live_copies_at_a_location(plans: Plans) -> None:
    """Present file copies at the source: the in-flight ones, not the deleted history."""
    lay = plans.layout
    args = [lay.source_location_id, "present", "raw_data_file", 0, 100]
    await check(plans, query_for("list_live_physical_copies", *args), args, budget=150, min_rows=100)


@pytest.mark.parametrize(
    ("name", "args", "min_rows"),
    [
        ("list_raw_data_packages", [None, None, "waiting", None, None, 0, 100], 8),
        ("list_raw_data_packages", [None, None, None, "pending", None, 0, 100], 0),
        ("list_raw_data_packages", [None, None, None, None, 3, 0, 100], 10),
        ("list_data_transfers", [None, "pending", None, 0, 100], 1),
        ("list_long_term_archive_transfers", ["failed", None, 0, 100], 0),
        ("list_data_transfer_packages", ["pending", None, 0, 100], 0),
        ("list_staging_jobs", [None, "pending", 0, 100], 1),
        ("list_executed_obs_units", [None, "running", None, None, None, 100], 1),
    ],
)
async def test_pages_of_work_by_status(plans: Plans, name: str, args: list[object], min_rows: int) -> None:
    """Custom plans only: a generic plan of `status = $1` estimates its selectivity from the number
    of distinct statuses, so on a table that is almost all `completed` it may walk the primary key
    for a rare status (docs/scale.md, "Generic plans and skewed states")."""
    await check(plans, query_for(name, *args), args, budget=30, min_rows=min_rows, generic_too=False)


async def test_executions_of_an_obs_unit(plans: Plans) -> None:
    args = [plans.layout.obs_unit_ids[3], None, None, None, None, 100]
    await check(plans, query_for("list_executed_obs_units", *args), args, budget=30, min_rows=1)


# -- the pipeline managers -----------------------------------------------------------------------


async def test_pipeline_manager_queries(plans: Plans) -> None:
    lay = plans.layout
    g = lay.waiting_end + 1
    # groups to package: the unpackaged tail only (partial index raw_data_file_unpackaged_idx)
    # each group's execution by its key: a scan of every execution ever run reads 700+ buffers
    await check(plans, query("pipeline_unpackaged_file_groups"), [100], budget=250, min_rows=4)
    group = [execution_uuid(g // MODULES), lay.modules[g % MODULES]]
    await check(
        plans,
        query("pipeline_lock_unpackaged_files"),
        [*group, None],
        budget=3 * FILES_PER_GROUP,
        min_rows=FILES_PER_GROUP,
    )
    # what create_raw_data_packages reads under the group's lock: the group's files, by its index
    await check(plans, query("pipeline_unpackaged_files"), group, budget=3 * FILES_PER_GROUP, min_rows=FILES_PER_GROUP)
    # a package's worth (here: 1 byte, so the first file alone) locks that many files, not the group
    for run in await check(plans, query("pipeline_lock_unpackaged_files"), [*group, 1], budget=3 * FILES_PER_GROUP):
        assert run.rows == 1, run
    await check(plans, query("pipeline_packages_ready_to_bundle"), [None, 100], budget=200, min_rows=8)
    # the bundles with a present copy: a scan of every bundle ever built reads 400+ buffers
    await check(plans, query("pipeline_transfer_legs"), [100], budget=200, min_rows=1)
    await check(plans, query("pipeline_transfers_to_unpack"), [None, 100], budget=30)
    await check(plans, query("pipeline_archive_legs"), [100], budget=400)
    await check(plans, query("pipeline_staging_requests"), [100], budget=30, min_rows=1)


@pytest.mark.parametrize("kind", [k for k in WorkKind if k is not WorkKind.PHYSICAL_COPY_DELETION])
async def test_claims_per_kind(plans: Plans, kind: WorkKind) -> None:
    """Claims read the due range of their work index, whatever the completed history."""
    await check(plans, kind_sql("work_claim", kind), ["plans", 10, None, None, 60.0], budget=120)
    await check(plans, kind_sql("work_list_failed", kind), [0, 100], budget=30)


async def test_the_budget_catches_a_history_scan(plans: Plans) -> None:
    """The combined form of the files-of-an-execution page (before 0018: one text for every
    filter) read far more than the budget on this data: the budgets above do tell plans apart."""
    sql = """SELECT * FROM raw_data_file
             WHERE ($1::uuid IS NULL OR executed_obs_unit_id = $1) AND ($2::bigint IS NULL OR raw_data_package_id = $2)
             ORDER BY id LIMIT 100"""
    async with plans.db.connection() as conn:
        await conn.execute("BEGIN")
        try:
            # without the index that leads with executed_obs_unit_id, as before migration 0018
            await conn.execute("DROP INDEX raw_data_file_eou_id_idx")
            run = await explain(conn, sql, [execution_uuid(10), None], generic=True)
        finally:
            await conn.execute("ROLLBACK")
    assert run.buffers > 1_000, run


@pytest.mark.parametrize(
    "args",
    [
        [None, None, None, None, 50],
        ["eou", None, None, None, 50],
        ["eou", "module", None, None, 50],
        [None, None, 77, None, 50],
        [None, "module", None, "after", 50],
        ["eou", "module", 77, "after", 50],
    ],
)
async def test_specialised_text_returns_what_the_combined_form_returns(plans: Plans, args: list[Any]) -> None:
    lay = plans.layout
    given = {"eou": execution_uuid(19), "module": lay.modules[1], "after": file_uuid(7)}
    values = [given.get(a, a) if isinstance(a, str) else a for a in args]
    if values[2] == 77:
        values[0] = execution_uuid(76 // MODULES) if values[0] is not None else None
    async with plans.db.connection() as conn:
        combined = await conn.fetch(query("list_raw_data_files"), *values)
        specialised = await conn.fetch(query_for("list_raw_data_files", *values), *values)
    assert [r["id"] for r in specialised] == [r["id"] for r in combined]
    assert query_for("list_raw_data_files", *values) is query_for("list_raw_data_files", *values)
