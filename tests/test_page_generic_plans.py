"""The transfer and live-copy pages keep their index in the generic plan a prepared statement settles on.

Issue #13 item 1: `pending transfers (page)` grew from 0.34 to 1.45 ms p50 between 1M and 20M
files for the same 2 rows, with a 3-buffer plan under EXPLAIN. The time was the cached
generic plan: after five runs PostgreSQL plans `status = $2` without its value, estimates
1/n_distinct of the table, and walks the primary key filtering past every completed transfer
(docs/scale.md, "Generic plans and skewed states"). The status tests of these pages are now
also written as a range over the same value (`status BETWEEN $2 AND $2`), which a generic plan
estimates as selective, so it reads the `(status, id)` index, as the custom plan does.

The other status and state pages (packages by state and by status, bundles, staging jobs,
executions) take the same form; `_finished_history` gives their tables the skew they have at
tens of millions of files (tens of thousands of finished rows, a few live ones), which the old
form's generic plan walks in primary-key order (hundreds to tens of thousands of buffers).

Same database as tests/test_query_plans.py (50,000 files, 20,000 old completed bundles); each
plan runs under EXPLAIN (ANALYZE, BUFFERS) as a custom and as a generic plan.
"""

from __future__ import annotations

import re

import pytest

from opsdb.queries import query_for
from tests.test_query_plans import Plans, check, explain, plans

pytestmark = pytest.mark.anyio

__all__ = ["plans"]  # the module's database fixture, shared with tests/test_query_plans.py


async def _old_transfers(p: Plans) -> None:
    """Completed transfers of the 20,000 old bundles: the history a pending page must not walk."""
    async with p.db.connection() as conn:
        if await conn.fetchval("SELECT count(*) FROM data_transfer WHERE status = 'completed'") >= 20_000:
            return
        await conn.execute(
            """INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id,
                                          method, status, attempts, unpack_status, unpack_attempts)
               SELECT b.id, $1, $2, 'bbcp', 'completed', 1, 'completed', 1
               FROM data_transfer_package b WHERE b.name LIKE 'old\\_bundle\\_%'""",
            p.layout.ccat_buffer_id,
            p.layout.cologne_buffer_id,
        )
        await conn.execute("VACUUM ANALYZE data_transfer")


@pytest.mark.parametrize(
    ("name", "args", "min_rows"),
    [
        ("list_data_transfers", [None, "pending", None, 0, 100], 1),
        ("list_data_transfers", [None, None, "pending", 0, 100], 1),
        ("list_data_transfers", [None, "failed", None, 0, 100], 0),
        ("list_long_term_archive_transfers", ["failed", None, 0, 100], 0),
        ("list_long_term_archive_transfers", ["pending", None, 0, 100], 0),
    ],
)
async def test_a_rare_status_page_reads_its_index_in_the_generic_plan_too(
    plans: Plans, name: str, args: list[object], min_rows: int
) -> None:
    await _old_transfers(plans)
    await check(plans, query_for(name, *args), args, budget=30, min_rows=min_rows, generic_too=True)


async def test_a_common_status_page_stays_cheap_in_both_plans(plans: Plans) -> None:
    """`completed` is almost every transfer: the range form must not make that page dear either."""
    await _old_transfers(plans)
    args = [None, "completed", None, 0, 100]
    await check(plans, query_for("list_data_transfers", *args), args, budget=60, min_rows=100)


async def test_live_copies_at_a_location_read_the_live_index_in_the_generic_plan(plans: Plans) -> None:
    lay = plans.layout
    for args in (
        [lay.source_location_id, "present", "raw_data_file", 0, 100],
        [lay.source_location_id, "present", None, 0, 100],
        [lay.ccat_buffer_id, "present", None, 0, 100],
    ):
        runs = await check(plans, query_for("list_live_physical_copies", *args), args, budget=150, min_rows=1)
        for run in runs:
            assert not any(index.endswith("_pkey") for _, _, index in run.scans), run.scans


async def test_the_old_form_walks_the_primary_key_in_the_generic_plan(plans: Plans) -> None:
    """The test above tells the forms apart: `status = $2` alone, generic, walks the primary key."""
    await _old_transfers(plans)
    old = (
        "SELECT * FROM data_transfer WHERE ($1::bigint IS NULL) AND (status = $2) AND ($3::text IS NULL) "
        "AND id > $4 ORDER BY id LIMIT $5"
    )
    async with plans.db.connection() as conn:
        await conn.execute("BEGIN")
        try:
            run = await explain(conn, old, [None, "pending", None, 0, 100], generic=True)
        finally:
            await conn.execute("ROLLBACK")
    assert run.buffers > 30 and any(index == "data_transfer_pkey" for _, _, index in run.scans), run


async def _finished_history(p: Plans) -> None:
    """Finished rows beside the live ones: 60,000 completed executions with time-ordered ids (as
    uuid7 gives them; the heap clustered in id order, so a generic plan likes walking the key),
    20,000 archived packages and 20,000 completed staging jobs."""
    async with p.db.connection() as conn:
        if await conn.fetchval("SELECT count(*) FROM staging_job WHERE status = 'completed'") >= 20_000:
            return
        await conn.execute(
            """INSERT INTO executed_obs_unit (id, obs_unit_id, status, start_time, end_time)
               SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, $1, 'completed',
                      timestamptz '2019-01-01' + n * interval '1 minute',
                      timestamptz '2019-01-01' + n * interval '1 minute' + interval '50 seconds'
               FROM generate_series(1, 60000) n""",
            p.layout.obs_unit_ids[0],
        )
        await conn.execute(
            """INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id,
                                             origin_location_id, size_bytes, checksum_algorithm, checksum, state,
                                             status, attempts, priority)
               SELECT 'old_package_' || n, 'old/package_' || n || '.tar', o.executed_obs_unit_id,
                      o.instrument_module_id, o.origin_location_id, 1, 'md5', md5(n::text), 'archived',
                      'completed', 1, o.priority
               FROM (SELECT * FROM raw_data_package WHERE state = 'archived' ORDER BY id LIMIT 1) o,
                    generate_series(1, 20000) n"""
        )
        await conn.execute(
            """INSERT INTO staging_job (user_account_id, destination_location_id, status, attempts, completed_at,
                                        priority)
               SELECT o.user_account_id, o.destination_location_id, 'completed', 1, now(), o.priority
               FROM (SELECT * FROM staging_job ORDER BY id LIMIT 1) o, generate_series(1, 20000) n"""
        )
        # the heap in id order, as years of uuid7 executions inserted in time order leave it
        await conn.execute("CLUSTER executed_obs_unit USING executed_obs_unit_pkey")
        await conn.execute("VACUUM ANALYZE executed_obs_unit, raw_data_package, staging_job")


RARE_STATUS_PAGES = [
    ("list_raw_data_packages", [None, None, "waiting", None, None, 0, 100], 8),
    ("list_raw_data_packages", [None, None, "transferring", None, None, 0, 100], 20),
    ("list_raw_data_packages", [None, None, None, "pending", None, 0, 100], 0),
    ("list_raw_data_packages", [None, None, None, "failed", None, 0, 100], 0),
    ("list_raw_data_packages", [None, None, "waiting", "completed", None, 0, 100], 8),
    ("list_data_transfer_packages", ["pending", None, 0, 100], 0),
    ("list_data_transfer_packages", ["failed", None, 0, 100], 0),
    ("list_staging_jobs", [None, "pending", 0, 100], 1),
    ("list_executed_obs_units", [None, "running", None, None, None, 100], 1),
    ("list_executed_obs_units", [None, "failed", None, None, None, 100], 0),
]


@pytest.mark.parametrize(("name", "args", "min_rows"), RARE_STATUS_PAGES)
async def test_other_rare_status_pages_read_their_index_in_the_generic_plan_too(
    plans: Plans, name: str, args: list[object], min_rows: int
) -> None:
    await _finished_history(plans)
    await check(plans, query_for(name, *args), args, budget=30, min_rows=min_rows, generic_too=True)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("list_raw_data_packages", [None, None, "archived", None, None, 0, 100]),
        ("list_raw_data_packages", [None, None, None, "completed", None, 0, 100]),
        ("list_staging_jobs", [None, "completed", 0, 100]),
        ("list_executed_obs_units", [None, "completed", None, None, None, 100]),
    ],
)
async def test_other_common_status_pages_stay_cheap_in_both_plans(plans: Plans, name: str, args: list[object]) -> None:
    await _finished_history(plans)
    await check(plans, query_for(name, *args), args, budget=60, min_rows=100)


def _old_form(sql: str) -> str:
    """The page as it was: the range half of each `(x = $n AND x BETWEEN $n AND $n)` removed."""
    old, n = re.subn(r" AND (\w+) BETWEEN (\$\d+) AND \2\b", "", sql)
    assert n, sql
    return old


@pytest.mark.parametrize(("name", "args", "min_rows"), RARE_STATUS_PAGES)
async def test_the_old_form_of_the_other_pages_walks_the_primary_key_in_the_generic_plan(
    plans: Plans, name: str, args: list[object], min_rows: int
) -> None:
    """The test above tells the forms apart on every page it covers."""
    await _finished_history(plans)
    async with plans.db.connection() as conn:
        await conn.execute("BEGIN")
        try:
            run = await explain(conn, _old_form(query_for(name, *args)), args, generic=True)
        finally:
            await conn.execute("ROLLBACK")
    assert run.buffers > 30 and any(index.endswith("_pkey") for _, _, index in run.scans), run
