"""PgBouncer 1.18 in transaction pooling in front of a server the module starts.

Debian's `pgbouncer` runs as `postgres` (it refuses root) on a free port; the server is
`own_cluster` (tests/cluster_support.py). What must work through it: claims under
concurrency, registration with re-sends, the CLI. What must say it cannot: LISTEN and
migrations. The deploy lock: timeout naming its holder, and a second deploy excluded.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import asyncpg
import pytest

from opsdb import migrate, work
from opsdb.config import with_database
from opsdb.db import Database, is_pooled
from opsdb.errors import ConfigurationError, DeployLockTimeoutError
from opsdb.registration import register_files
from opsdb.testing import add_packages, build_world, seed_world
from opsdb.work import WorkKind
from tests.cluster_support import PGBOUNCER, Cluster, pgbouncer
from tests.tests_support import run_cli

pytestmark = pytest.mark.anyio

BUILD = WorkKind.RAW_DATA_PACKAGE_BUILD


@pytest.fixture(scope="module")
def pooler(own_cluster: Cluster) -> Iterator[str]:
    """Server part of a DSN through PgBouncer (transaction pooling) to `own_cluster`."""
    if not Path(PGBOUNCER).exists():
        pytest.skip("Debian's pgbouncer is not installed (CI installs it: apt-get install -y pgbouncer)")
    with pgbouncer(own_cluster, 10) as dsn:
        yield dsn


@pytest.fixture
def pooled_dsn(pooler: str, own_dsn: str) -> str:
    return with_database(pooler, urlsplit(own_dsn).path.lstrip("/"))


@pytest.fixture
async def pooled(pooled_dsn: str) -> AsyncIterator[Database]:
    db = await Database.connect(pooled_dsn, max_size=12)
    try:
        yield db
    finally:
        await db.close()


async def test_the_pooler_is_detected_and_a_direct_connection_is_not(pooled_dsn: str, own_dsn: str) -> None:
    assert await is_pooled(pooled_dsn)
    assert not await is_pooled(own_dsn)
    async with await Database.connect(own_dsn) as direct:
        assert not direct.pooled


async def test_concurrent_claim_rounds_all_succeed_through_the_pooler(pooled: Database) -> None:
    assert pooled.pooled
    world = await build_world(pooled)
    async with pooled.connection() as conn:
        await add_packages(conn, world, 60)
    claimed: list[int] = []

    async def worker(name: str) -> None:
        for _ in range(10):
            async with pooled.connection() as conn:
                for c in await work.claim(conn, BUILD, name, limit=1, lease_seconds=60):
                    claimed.append(c.item_id)
                    await work.complete(conn, c, size_bytes=1, checksum="a" * 64, checksum_algorithm="sha256")

    async with anyio.create_task_group() as tg:
        for i in range(12):  # 120 claim rounds
            tg.start_soon(worker, f"w{i}")
    assert len(claimed) == len(set(claimed)) == 60
    async with pooled.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM raw_data_package WHERE status = 'completed'") == 60


async def test_concurrent_registrations_and_resends_work_through_the_pooler(pooled: Database) -> None:
    world = await build_world(pooled)
    location = world.locations["ccat_source"]

    def files(run: int) -> list[dict[str, object]]:
        return [
            {
                "instrument_module_id": world.module_id,
                "executed_obs_unit_id": world.execution_id,
                "name": f"f{i}",
                "relative_path": f"pool/{run}/f{i}.fits",
                "size_bytes": i + 1,
                "checksum_algorithm": "md5",
                "checksum": f"{i:032x}",
                "file_created_at": "2026-01-01T00:00:00+00:00",
            }
            for i in range(2000)
        ]

    reports = []

    async def register(run: int) -> None:
        reports.append(await register_files(pooled, location, files(run), batch_size=250, connections=2))

    async with anyio.create_task_group() as tg:
        for run in (0, 1, 2, 3, 0, 1):  # four inputs, two of them sent twice at once
            tg.start_soon(register, run)
    assert sum(r.new for r in reports) == 8000
    assert sum(r.existing for r in reports) == 4000
    again = await register_files(pooled, location, files(2), batch_size=300)  # re-send: the staging path
    assert (again.new, again.existing) == (0, 2000)
    async with pooled.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM raw_data_file") == 8000
        assert await conn.fetchval("SELECT count(*) FROM physical_copy") == 8000


async def test_the_listener_says_it_is_behind_a_pooler_and_polls(pooled_dsn: str) -> None:
    async with work.listen(pooled_dsn, [BUILD], poll_interval=0.1) as hints:
        assert not hints.connected
        assert hints.problem is not None
        assert "pooler" in hints.problem and "OPSDB_LISTEN_DSN" in hints.problem
        assert await hints.wait() == set()


async def test_a_new_type_is_learned_in_one_transaction_through_the_pooler(pooled: Database) -> None:
    # asyncpg learns a type it has not seen with a catalog query sent between set_config('jit',
    # 'off', false) and the restore; outside a transaction PgBouncer may send the three to three
    # server connections, and the query runs with JIT on: seconds with twenty at once, which
    # cost the simulated night its 2 s leases (session 7, opsdb.db.PoolerSafeConnection)
    name = f"pooler_probe_{os.getpid()}"
    async with pooled.connection() as conn:
        await conn.execute(f"CREATE TYPE {name} AS ENUM ('a')")
    logged: list[str] = []

    def log(record: Any) -> None:
        logged.append(" ".join(record.query.split()))

    async with pooled.connection() as conn:
        conn.raw.add_query_logger(log)
        try:
            assert await conn.fetchval(f"SELECT 'a'::{name}") == "a"
            await anyio.sleep(0.05)  # query loggers are called soon, not at once
        finally:
            conn.raw.remove_query_logger(log)
        assert not conn.in_transaction()
    introspection = next(i for i, q in enumerate(logged) if "typeinfo_tree" in q)
    begin = max(i for i, q in enumerate(logged[:introspection]) if q.startswith("BEGIN"))
    commit = next(i for i, q in enumerate(logged) if i > introspection and q.startswith("COMMIT"))
    assert not [q for q in logged[:begin] + logged[commit:] if "set_config" in q], logged


def test_migrations_refuse_a_pooled_connection(pooled_dsn: str, own_dsn: str) -> None:
    with pytest.raises(ConfigurationError, match="OPSDB_MIGRATE_DSN"):
        migrate.apply(pooled_dsn)
    with pytest.raises(ConfigurationError, match="pooler"):
        migrate.status(pooled_dsn)
    result = run_cli("migrate", "apply", env={"OPSDB_DSN": pooled_dsn})
    assert result.returncode != 0
    assert "OPSDB_MIGRATE_DSN" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    # with OPSDB_MIGRATE_DSN the same command works (nothing pending)
    result = run_cli("migrate", "apply", env={"OPSDB_DSN": pooled_dsn, "OPSDB_MIGRATE_DSN": own_dsn})
    assert result.returncode == 0, result.stderr
    assert "applied 0 migration(s)" in result.stdout


def test_cli_runs_one_after_another_through_the_pooler(pooled_dsn: str) -> None:
    for _ in range(4):  # each run a new client on the same pooled server sessions
        result = run_cli("status", env={"OPSDB_DSN": pooled_dsn})
        assert result.returncode == 0, result.stderr


def test_statement_cache_size_in_the_dsn_is_accepted(pooled_dsn: str) -> None:
    async def probe() -> int:
        dsn = pooled_dsn + "?statement_cache_size=0&pooler=transaction"
        async with await Database.connect(dsn) as db, db.connection() as conn:
            value: int = await conn.fetchval("SELECT 1")
            return value

    assert anyio.run(probe) == 1


async def test_a_held_deploy_lock_times_out_naming_its_holder(own_dsn: str) -> None:
    squatter = await asyncpg.connect(own_dsn, server_settings={"application_name": "squatter"})
    try:
        await squatter.execute("SELECT pg_advisory_lock($1)", 0x6F707364_62)
        pid = squatter.get_server_pid()
        started = time.monotonic()
        with pytest.raises(DeployLockTimeoutError) as raised:
            await anyio.to_thread.run_sync(lambda: migrate.apply(own_dsn, lock_timeout=1.0))
        assert time.monotonic() - started < 10
        message = str(raised.value)
        assert f"pid {pid}" in message and "'squatter'" in message and "role 'postgres'" in message
    finally:
        await squatter.close()
    assert migrate.apply(own_dsn, lock_timeout=1.0) == []  # released: the next deploy goes ahead


async def test_listen_uses_opsdb_listen_dsn_beside_a_pooled_opsdb_dsn(
    pooled_dsn: str, own_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSDB_DSN", pooled_dsn)
    async with work.listen(None, [BUILD], poll_interval=0.1) as hints:
        assert not hints.connected and hints.problem is not None  # only the pooled DSN: says so
    monkeypatch.setenv("OPSDB_LISTEN_DSN", own_dsn)
    async with work.listen(None, [BUILD], poll_interval=5) as hints:
        assert hints.connected and hints.problem is None
        async with await Database.connect(pooled_dsn) as db, db.connection() as conn:
            world = await seed_world(conn)
            await add_packages(conn, world, 1)
        with anyio.fail_after(5):
            assert await hints.wait() == {BUILD}  # a write through the pooler wakes the direct listener
