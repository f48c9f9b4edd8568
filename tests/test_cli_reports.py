"""Reports as an operator reads them, counters checked against a recount, and plans that never scan history."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from tests_support import run_cli

from opsdb.db import Database
from opsdb.queries import query
from opsdb.reports import QUEUES_SQL
from opsdb.testing import World, add_files, add_package_copy, add_packages, repair

pytestmark = pytest.mark.anyio


def _counters_match_a_recount(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT opsdb_fold_copy_deltas()")
        space = conn.execute("SELECT * FROM copy_space WHERE copies <> 0 ORDER BY 1, 2, 3").fetchall()
        counts = conn.execute("SELECT * FROM package_copy_count ORDER BY 1").fetchall()
        conn.execute("SELECT opsdb_rebuild_copy_counters()")
        assert conn.execute("SELECT * FROM copy_space WHERE copies <> 0 ORDER BY 1, 2, 3").fetchall() == space
        assert conn.execute("SELECT * FROM package_copy_count ORDER BY 1").fetchall() == counts


async def test_at_risk_space_and_queues_as_the_operator_sees_them(
    db: Database, world: World, database_dsn: str
) -> None:
    loc = world.locations
    async with db.connection() as conn:
        await add_files(conn, world, 5, size=1000)  # not packaged: at risk at ccat/source
        none = await add_packages(conn, world, 2, status="completed", name="none")
        one = await add_packages(conn, world, 3, status="completed", name="one")
        two = await add_packages(conn, world, 1, status="completed", name="two")
        for p in one:
            await add_package_copy(conn, p, loc["ccat_buffer"], verified=True)
        for p in two:
            await add_package_copy(conn, p, loc["cologne_lta"], verified=True)
            await add_package_copy(conn, p, loc["us_lta"], verified=True)
        copy = await add_package_copy(conn, none[0], loc["ccat_buffer"])  # unverified
        await conn.execute("UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = $1", copy)
        await repair(  # a failed build, made directly (completed -> failed is no transition)
            conn,
            "UPDATE raw_data_package SET status = 'failed', last_error = 'disk [red]full[/]' WHERE id = $1",
            one[0],
        )
    env = {"OPSDB_DSN": database_dsn}
    risk = run_cli("report", "at-risk", "--items", "10", "--json", env=env)
    assert risk.returncode == 0, risk.stderr
    report = json.loads(risk.stdout)
    by = {(r["site"], r["location"], r["verified"]): (r["packages"], r["bytes"]) for r in report["packages"]}
    assert by == {("ccat", "buffer", 0): (1, 1000), ("ccat", "buffer", 1): (3, 3000), ("ccat", "source", 0): (1, 1000)}
    assert report["files"] == [{"site": "ccat", "location": "source", "files": 5, "bytes": 5000}]
    assert sorted(r["id"] for r in report["items"]) == sorted([*none, *one])
    table = run_cli("report", "at-risk", env=env)
    assert "verified copies" in table.stdout and "3.00 kB" in table.stdout

    space = json.loads(run_cli("report", "space", "--json", env=env).stdout)
    buffer = next(r for r in space["locations"] if r["site"] == "ccat" and r["location"] == "buffer")
    assert buffer["held_copies"] == 4 and buffer["freeable_copies"] == 1 and buffer["freeable_bytes"] == 1000

    queues = run_cli("report", "queues", "--json", env=env)
    rows = json.loads(queues.stdout)
    build = next(r for r in rows if r["kind"] == "raw_data_package_build")
    assert build["failed"] == 1 and build["site"] == "ccat" and build["location"] == "source"
    deletion = next(r for r in rows if r["kind"] == "physical_copy_deletion")
    assert deletion["queued"] == 1 and deletion["oldest_seconds"] is not None
    assert "[red]full[/]" not in run_cli("report", "queues", env=env).stdout  # no error text there; no markup
    _counters_match_a_recount(database_dsn)


async def test_counters_follow_every_kind_of_write(db: Database, world: World, database_dsn: str) -> None:
    loc = world.locations
    async with db.connection() as conn:
        files = await add_files(conn, world, 50)
        packages = await add_packages(conn, world, 10, status="completed")
        copies = [
            await add_package_copy(conn, p, loc["ccat_buffer"], verified=i % 2 == 0) for i, p in enumerate(packages)
        ]
        await conn.execute(
            "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = ANY($2::uuid[])", packages[0], files
        )
        await conn.execute(
            "UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = ANY($1::bigint[])", copies[:3]
        )
        await conn.execute("UPDATE physical_copy SET checksum_verified_at = now() WHERE id = ANY($1::bigint[])", copies)
        await conn.execute("UPDATE physical_copy SET lease_until = now() WHERE id = $1", copies[5])  # no status move
        async with conn.transaction():
            await conn.execute("UPDATE physical_copy SET status = 'staged' WHERE id = $1", copies[4])
            await conn.execute("UPDATE physical_copy SET status = 'present' WHERE id = $1", copies[4])
    _counters_match_a_recount(database_dsn)


async def test_report_rebuild_recounts_copy_and_state_counters(db: Database, world: World, database_dsn: str) -> None:
    """Counters knocked off by hand (what a lost delta or a bad repair leaves) are recounted by the CLI."""
    async with db.connection() as conn:
        packages = await add_packages(conn, world, 4, status="completed")
        await add_package_copy(conn, packages[0], world.locations["ccat_buffer"], verified=True)
    truth = """SELECT (SELECT count(*) FROM raw_data_package WHERE status = 'completed'),
                      (SELECT count(*) FROM physical_copy WHERE type = 'raw_data_package')"""
    counted = """SELECT (SELECT n FROM state_count WHERE table_name = 'raw_data_package' AND column_name = 'status'
                                                   AND value = 'completed'),
                        (SELECT sum(copies) FROM copy_space WHERE type = 'raw_data_package')"""
    with psycopg.connect(database_dsn, autocommit=True) as conn:
        conn.execute("SELECT opsdb_fold_copy_deltas(), opsdb_fold_state_deltas()")
        conn.execute("UPDATE state_count SET n = n + 7 WHERE table_name = 'raw_data_package'")
        conn.execute("UPDATE copy_space SET copies = copies + 3")
        assert conn.execute(counted).fetchone() != conn.execute(truth).fetchone()
    result = run_cli("report", "rebuild", "--yes", env={"OPSDB_DSN": database_dsn})
    assert result.returncode == 0, result.stderr
    assert "copy and state counters recounted" in result.stdout
    with psycopg.connect(database_dsn, autocommit=True) as conn:
        assert conn.execute(counted).fetchone() == conn.execute(truth).fetchone() == (4, 1)


def _plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes += _plan_nodes(child)
    return nodes


BIG = ("physical_copy", "raw_data_file", "raw_data_package", "package_copy_count")


@pytest.mark.slow
async def test_report_plans_never_scan_history(db: Database, world: World, database_dsn: str) -> None:
    """100k files, 10k archived packages and 120k copies of history; a small live backlog."""
    loc = world.locations
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, "
            "origin_location_id, status, state, size_bytes, checksum, checksum_algorithm) "
            "SELECT 'h' || n, 'h/' || n, $1, $2, $3, 'completed', 'archived', 1000, repeat('a', 64), 'sha256' "
            "FROM generate_series(1, 10000) n",
            world.execution_id, world.module_id, loc["ccat_source"],
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, name, relative_path, "
            "size_bytes, checksum, checksum_algorithm, raw_data_package_id) "
            "SELECT gen_random_uuid(), $1, $2, 'f' || n, 'h/f' || n, 10, repeat('b', 64), 'sha256', "
            "(SELECT min(id) FROM raw_data_package) + n % 10000 FROM generate_series(1, 100000) n",
            world.module_id, world.execution_id,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO physical_copy (type, raw_data_file_id, data_location_id, status, deleted_at) "
            "SELECT 'raw_data_file', id, $1, 'deleted', now() FROM raw_data_file",
            loc["ccat_source"],
        )
        for site in ("cologne_lta", "us_lta"):
            await conn.execute(
                "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at) "
                "SELECT 'raw_data_package', id, $1, 'present', now() FROM raw_data_package",
                loc[site],
            )
        await add_files(conn, world, 20)
        await add_packages(conn, world, 3, status="failed")
        await conn.execute("SELECT opsdb_fold_copy_deltas()")
        await conn.execute("ANALYZE")
        for name in ("report_at_risk_packages", "report_at_risk_files", "report_space", "report_queues",
                     "status_copies_by_location", "status_backlog", "status_failed_items",
                     "report_at_risk_package_list"):  # fmt: skip
            args = (100,) if name in ("status_failed_items", "report_at_risk_package_list") else ()
            text = QUEUES_SQL if name == "report_queues" else query(name)
            raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {text}", *args)
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            scans = [n for n in _plan_nodes(plan) if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in BIG]
            assert not scans, f"{name} scans {[n['Relation Name'] for n in scans]}"
    risk = json.loads(run_cli("report", "at-risk", "--json", env={"OPSDB_DSN": database_dsn}).stdout)
    assert sum(r["packages"] for r in risk["packages"]) == 3 and risk["files"][0]["files"] == 20
