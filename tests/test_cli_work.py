"""`opsdb work` as an operator drives it: filters, guarded changes recorded with actor and reason."""

from __future__ import annotations

import json

import psycopg
import pytest
from tests_support import run_cli

from opsdb.db import Database
from opsdb.testing import World, add_package_copy, add_packages

pytestmark = pytest.mark.anyio


async def test_list_filters_by_kind_state_site_location_and_age(db: Database, world: World, database_dsn: str) -> None:
    async with db.connection() as conn:
        failed = await add_packages(conn, world, 2, status="failed", name="bad")
        await add_packages(conn, world, 3, status="pending", name="todo")
        await conn.execute("UPDATE raw_data_package SET last_error = '[bold]tape[/x]' WHERE id = $1", failed[0])
        await conn.execute(
            "UPDATE raw_data_package SET updated_at = now() - interval '3 hours' WHERE id = $1", failed[1]
        )
    with psycopg.connect(database_dsn) as raw:  # an item unchanged for 3 hours (the touch trigger would say now)
        raw.execute("SET session_replication_role = replica")
        raw.execute("UPDATE raw_data_package SET updated_at = now() - interval '3 hours' WHERE id = %s", (failed[1],))
    env = {"OPSDB_DSN": database_dsn}
    listed = json.loads(run_cli("work", "list", "--kind", "raw_data_package_build", "--json", env=env).stdout)
    assert len(listed) == 5 and {r["site"] for r in listed} == {"ccat"}
    only_failed = run_cli("work", "list", "--state", "failed", "--location", "ccat/source", env=env)
    assert only_failed.returncode == 0 and "[bold]tape[/x]" in only_failed.stdout
    old = json.loads(run_cli("work", "list", "--state", "failed", "--older-than", "2h", "--json", env=env).stdout)
    assert [r["id"] for r in old] == [failed[1]]
    assert json.loads(run_cli("work", "list", "--site", "us", "--json", env=env).stdout) == []
    unknown = run_cli("work", "list", "--location", "ccat/nowhere", env=env)
    assert unknown.returncode == 2 and "location not found" in unknown.stderr


async def test_retry_asks_for_bulk_changes_and_records_actor_and_reason(
    db: Database, world: World, database_dsn: str
) -> None:
    async with db.connection() as conn:
        failed = await add_packages(conn, world, 3, status="failed", name="bad")
    env = {"OPSDB_DSN": database_dsn}
    refused = run_cli("work", "retry", "raw_data_package_build", "--reason", "disk replaced", env=env)
    assert refused.returncode == 2 and "retry 3 raw_data_package_build items" in refused.stderr
    done = run_cli(
        "work", "retry", "raw_data_package_build", "--reason", "disk replaced", "--actor", "night-op", "--yes",
        "--json", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    changed = json.loads(done.stdout)["changed"]
    assert sorted(c["id"] for c in changed) == sorted(failed) and {c["to"] for c in changed} == {"pending"}
    with psycopg.connect(database_dsn) as conn:
        assert conn.execute(
            "SELECT count(*) FROM raw_data_package WHERE status = 'pending' AND attempts = 0"
        ).fetchone() == (3,)
        actions = conn.execute("SELECT actor, action, from_status, to_status, reason FROM operator_action").fetchall()
    assert actions == [("night-op", "retry", "failed", "pending", "disk replaced")] * 3
    shown = json.loads(run_cli("work", "show", "raw_data_package_build", str(failed[0]), "--json", env=env).stdout)
    assert shown["operator_actions"][0]["reason"] == "disk replaced"
    again = run_cli("work", "retry", "raw_data_package_build", str(failed[0]), "--reason", "x", env=env)
    assert again.returncode == 1 and "not allowed" in again.stdout  # guarded: it is pending now


async def test_reset_takes_back_only_expired_claims_and_cancel_withdraws_a_deletion(
    db: Database, world: World, database_dsn: str
) -> None:
    async with db.connection() as conn:
        (stuck, live) = await add_packages(conn, world, 2, status="pending", name="run")
        for item, lease in ((stuck, -1), (live, 1)):
            await conn.execute(
                "UPDATE raw_data_package SET status = 'in_progress', claimed_by = 'w1', "
                "claim_token = gen_random_uuid(), lease_until = now() + make_interval(hours => $2) WHERE id = $1",
                item, lease,
            )  # fmt: skip
        (pkg,) = await add_packages(conn, world, 1, status="completed", name="done")
        copy = await add_package_copy(conn, pkg, world.locations["ccat_buffer"], verified=True)
        await conn.execute("UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = $1", copy)
    env = {"OPSDB_DSN": database_dsn}
    reset = run_cli("work", "reset", "raw_data_package_build", "--reason", "host died", "--json", env=env)
    assert reset.returncode == 0, reset.stderr
    assert [c["id"] for c in json.loads(reset.stdout)["changed"]] == [stuck]
    live_reset = run_cli("work", "reset", "raw_data_package_build", str(live), "--reason", "x", env=env)
    assert live_reset.returncode == 1  # a live claim is not taken away
    cancel = run_cli("work", "cancel", "physical_copy_deletion", str(copy), "--reason", "keep it", env=env)
    assert cancel.returncode == 0, cancel.stderr
    with psycopg.connect(database_dsn) as conn:
        assert conn.execute("SELECT status FROM physical_copy WHERE id = %s", (copy,)).fetchone() == ("present",)
        assert conn.execute("SELECT status, claimed_by FROM raw_data_package WHERE id = %s", (stuck,)).fetchone() == (
            "pending", None,
        )  # fmt: skip
        assert conn.execute("SELECT status FROM raw_data_package WHERE id = %s", (live,)).fetchone() == ("in_progress",)
    missing = run_cli("work", "show", "data_transfer", "999", env=env)
    assert missing.returncode == 2 and "transfer not found: 999" in missing.stderr
