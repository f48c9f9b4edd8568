"""State counters (migration 0023): state_count plus its unfolded deltas equal a real GROUP BY
after every kind of write, a fold and a rebuild; `opsdb status` reads only the counters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import psycopg
import pytest

from opsdb import work
from opsdb.db import Database
from opsdb.queries import query
from opsdb.reports import rebuild
from opsdb.status import fold_states, summarize
from opsdb.testing import World, add_bundle, add_packages, add_route, add_transfer, repair
from opsdb.work import WorkKind

pytestmark = pytest.mark.anyio

RECOUNT = """
SELECT * FROM (
    SELECT 'executed_obs_unit' AS t, 'status' AS c, status AS v, count(*) AS n FROM executed_obs_unit GROUP BY status
    UNION ALL SELECT 'raw_data_package', 'status', status, count(*) FROM raw_data_package GROUP BY status
    UNION ALL SELECT 'raw_data_package', 'state', state, count(*) FROM raw_data_package GROUP BY state
    UNION ALL SELECT 'data_transfer_package', 'status', status, count(*) FROM data_transfer_package GROUP BY status
    UNION ALL SELECT 'data_transfer', 'status', status, count(*) FROM data_transfer GROUP BY status
    UNION ALL SELECT 'data_transfer', 'unpack_status', unpack_status, count(*) FROM data_transfer GROUP BY unpack_status
    UNION ALL SELECT 'long_term_archive_transfer', 'status', status, count(*)
        FROM long_term_archive_transfer GROUP BY status
    UNION ALL SELECT 'staging_job', 'status', status, count(*) FROM staging_job GROUP BY status
) r ORDER BY 1, 2, 3
"""
COUNTED = query("status_counts_by_table_state")
CLAIM = "claimed_by = 'w', claim_token = gen_random_uuid(), lease_until = now() + interval '1 hour'"
FOLDED = "SELECT table_name, column_name, value, n FROM state_count WHERE n <> 0 ORDER BY 1, 2, 3"


def _rows(conn: psycopg.Connection[Any], sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sql).fetchall()]


def _assert_counts_exact(dsn: str) -> None:
    """Counters plus deltas, then folded counters alone, then a rebuild: each equals the GROUP BY."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        truth = _rows(conn, RECOUNT)
        assert _rows(conn, COUNTED) == truth, "counters + unfolded deltas"
        conn.execute("SELECT opsdb_fold_state_deltas()")
        assert _rows(conn, "SELECT count(*) FROM state_count_delta") == [(0,)]
        assert _rows(conn, FOLDED) == truth, "folded counters"
        conn.execute("SELECT opsdb_rebuild_state_counters()")
        assert _rows(conn, FOLDED) == truth, "rebuilt counters"


def _deltas(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return int(conn.execute("SELECT count(*) FROM state_count_delta").fetchone()[0])  # type: ignore[index]


async def test_counts_follow_inserts_updates_repairs_deletes_and_truncate(
    db: Database, world: World, database_dsn: str
) -> None:
    _assert_counts_exact(database_dsn)  # the migration's initial rebuild
    async with db.connection() as conn:
        pending = await add_packages(conn, world, 5, name="p")
        done = await add_packages(conn, world, 3, status="completed", name="d")
        await add_packages(conn, world, 2, status="failed", name="f")
        _assert_counts_exact(database_dsn)
        # state machine moves, several rows and both columns in one statement
        await conn.execute(
            f"UPDATE raw_data_package SET status = 'in_progress', {CLAIM} WHERE id = ANY($1::bigint[])", pending
        )
        await conn.execute(
            "UPDATE raw_data_package SET status = 'completed', size_bytes = 1, checksum = repeat('c', 64), "
            "checksum_algorithm = 'sha256' WHERE id = ANY($1::bigint[])",
            pending[:2],
        )
        await conn.execute("UPDATE raw_data_package SET state = 'transferring' WHERE id = ANY($1::bigint[])", done)
        # a re-claim: same status, new token (history row, no count change); a lease-only change
        await conn.execute(
            "UPDATE raw_data_package SET claim_token = gen_random_uuid(), claimed_by = 'w' WHERE id = $1", pending[3]
        )
        await conn.execute("UPDATE raw_data_package SET next_attempt_at = now() WHERE id = $1", pending[4])
        # a repair outside the machine
        await repair(conn, "UPDATE raw_data_package SET state = 'archived' WHERE id = $1", pending[0])
        # ON CONFLICT: one row inserted, one updated, one skipped
        await conn.execute(
            "INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, "
            "origin_location_id) VALUES ('p_4', 'x', $1, $2, $3), ('fresh', 'y', $1, $2, $3) "
            "ON CONFLICT (name) DO UPDATE SET status = 'failed' WHERE raw_data_package.status = 'in_progress'",
            world.execution_id, world.module_id, world.locations["ccat_source"],
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, "
            "origin_location_id) VALUES ('p_2', 'x', $1, $2, $3) ON CONFLICT (name) DO NOTHING",
            world.execution_id, world.module_id, world.locations["ccat_source"],
        )  # fmt: skip
        _assert_counts_exact(database_dsn)
        # other tables: a bundle, its transfer through both machines
        bundle = await add_bundle(conn, world, done)
        route = await add_route(conn, "ccat_to_cologne", world.sites["ccat"], world.sites["cologne"])
        transfer = await add_transfer(conn, world, bundle, route)
        await conn.execute(f"UPDATE data_transfer SET status = 'in_progress', {CLAIM} WHERE id = $1", transfer)
        await conn.execute("UPDATE data_transfer SET status = 'completed' WHERE id = $1", transfer)
        await conn.execute("UPDATE data_transfer SET unpack_status = 'scheduled' WHERE id = $1", transfer)
        _assert_counts_exact(database_dsn)
        # deletes (the owner's) and a truncate leave the counts exact
        await conn.execute("DELETE FROM data_transfer WHERE id = $1", transfer)
        await conn.execute("DELETE FROM raw_data_package WHERE name LIKE 'f_%'")
        _assert_counts_exact(database_dsn)
        await add_transfer(conn, world, bundle, route)
        await add_transfer(conn, world, bundle, route, destination="us_buffer")
        _assert_counts_exact(database_dsn)
        await conn.execute("TRUNCATE data_transfer, long_term_archive_transfer, staging_job CASCADE")
        await conn.execute("UPDATE data_transfer_package SET status = status")  # no move
        _assert_counts_exact(database_dsn)


async def test_statements_that_change_no_state_append_no_delta(db: Database, world: World, database_dsn: str) -> None:
    async with db.connection() as conn:
        ids = await add_packages(conn, world, 3)
        await conn.execute("SELECT opsdb_fold_state_deltas()")
        history = await conn.fetchval("SELECT count(*) FROM state_history")
        await conn.execute("UPDATE raw_data_package SET status = 'in_progress' WHERE false")
        await conn.execute("UPDATE raw_data_package SET priority = 1 WHERE id = ANY($1::bigint[])", ids)
        await conn.execute(
            "INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, "
            "origin_location_id) VALUES ('pkg_1', 'x', $1, $2, $3) ON CONFLICT (name) DO NOTHING",
            world.execution_id, world.module_id, world.locations["ccat_source"],
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, "
            "origin_location_id) VALUES ('pkg_1', 'x', $1, $2, $3) "
            "ON CONFLICT (name) DO UPDATE SET status = 'failed' WHERE false",
            world.execution_id, world.module_id, world.locations["ccat_source"],
        )  # fmt: skip
        assert await conn.fetchval("SELECT count(*) FROM state_history") == history
    assert _deltas(database_dsn) == 0
    _assert_counts_exact(database_dsn)


async def test_a_refused_transition_counts_nothing(db: Database, world: World, database_dsn: str) -> None:
    async with db.connection() as conn:
        ids = await add_packages(conn, world, 2, status="completed")
        await conn.execute("SELECT opsdb_fold_state_deltas()")
        with pytest.raises(Exception, match="is not allowed"):
            await conn.execute("UPDATE raw_data_package SET status = 'pending' WHERE id = ANY($1::bigint[])", ids)
    assert _deltas(database_dsn) == 0
    _assert_counts_exact(database_dsn)


async def test_the_work_protocol_keeps_counts_exact(db: Database, world: World, database_dsn: str) -> None:
    async with db.connection() as conn:
        await add_packages(conn, world, 6)
        claims = await work.claim(conn, WorkKind.RAW_DATA_PACKAGE_BUILD, "w1", limit=4)
        assert len(claims) == 4
        await work.renew(conn, WorkKind.RAW_DATA_PACKAGE_BUILD, claims)
        await work.fail(conn, claims[0], "broken", permanent=True)
        await work.fail(conn, claims[1], "again later")
        await work.complete(conn, claims[2], size_bytes=10, checksum="c" * 64, checksum_algorithm="sha256")
    _assert_counts_exact(database_dsn)


async def test_concurrent_writers_and_folds_never_wait_for_each_other(
    db: Database, world: World, database_dsn: str
) -> None:
    """An open writer holds up neither another writer of the same states nor a fold; two
    folds at once lose nothing; the counts are exact once everything committed."""
    async with db.connection() as conn:
        ids = await add_packages(conn, world, 40)
    with (
        psycopg.connect(database_dsn) as a,
        psycopg.connect(database_dsn, autocommit=True) as b,
        psycopg.connect(database_dsn, autocommit=True) as folder,
    ):
        a.execute(f"UPDATE raw_data_package SET status = 'in_progress', {CLAIM} WHERE id = %s", (ids[0],))  # open
        b.execute("SET lock_timeout = '2s'")
        folder.execute("SET lock_timeout = '2s'")
        # the same counter rows as a's open change: b appends its own deltas and never waits
        b.execute(f"UPDATE raw_data_package SET status = 'in_progress', {CLAIM} WHERE id = %s", (ids[1],))
        folder.execute("SELECT opsdb_fold_state_deltas()")  # folds b's delta, leaves a's uncommitted one
        a.commit()
        a.close()

    def writer(chunk: list[int]) -> None:
        with psycopg.connect(database_dsn, autocommit=True) as c:
            for i in chunk:
                c.execute(f"UPDATE raw_data_package SET status = 'in_progress', {CLAIM} WHERE id = %s", (i,))
                c.execute("UPDATE raw_data_package SET status = 'failed' WHERE id = %s", (i,))

    def folding(rounds: int) -> None:
        with psycopg.connect(database_dsn, autocommit=True) as c:
            for _ in range(rounds):
                c.execute("SELECT opsdb_fold_state_deltas()")

    rest = ids[2:]
    async with anyio.create_task_group() as tg:
        for k in range(3):
            tg.start_soon(anyio.to_thread.run_sync, writer, rest[k::3])
        for _ in range(2):
            tg.start_soon(anyio.to_thread.run_sync, folding, 20)
    _assert_counts_exact(database_dsn)


async def test_status_summary_from_the_counters(db: Database, world: World, database_dsn: str) -> None:
    async with db.connection() as conn:
        await add_packages(conn, world, 4, status="failed")
        summary = await summarize(conn)
        assert {"item": "raw_data_package", "field": "status", "value": "failed", "n": 4} in summary.states
        assert await fold_states(conn) == 0  # summarize folded
        await rebuild(conn)  # the operator's recount (opsdb report rebuild): copy and state counters
        assert (await summarize(conn)).states == summary.states


def _plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


async def test_status_counts_read_no_work_table(db: Database, world: World) -> None:
    async with db.connection() as conn:
        await add_packages(conn, world, 3)
        raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {COUNTED}")
        plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
        read = {n["Relation Name"] for n in _plan_nodes(plan) if "Relation Name" in n}
        assert read == {"state_count", "state_count_delta"}


async def test_only_the_owner_writes_the_counters(db: Database, world: World, database_dsn: str) -> None:
    with psycopg.connect(database_dsn, autocommit=True) as conn:
        for role in ("opsdb_writer", "opsdb_reader"):
            for table in ("state_count", "state_count_delta"):
                assert conn.execute(
                    "SELECT has_table_privilege(%s, %s, 'INSERT') OR has_table_privilege(%s, %s, 'UPDATE') "
                    "OR has_table_privilege(%s, %s, 'DELETE')",
                    (role, table) * 3,
                ).fetchone() == (False,)
        assert conn.execute(
            "SELECT has_function_privilege('opsdb_reader', 'opsdb_fold_state_deltas()', 'EXECUTE'), "
            "has_function_privilege('opsdb_reader', 'opsdb_rebuild_state_counters()', 'EXECUTE')"
        ).fetchone() == (True, False)
