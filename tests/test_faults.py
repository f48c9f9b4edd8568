"""Lost connections and server restarts at every daemon entry point: only `opsdb.errors` leave.

Each call is caught mid-statement (blocked on a table lock another session holds), then its
backend is terminated, or the server is restarted or stopped under it. Retry-safe calls
(claims, registration) finish once the server is back; the others report an opsdb error.
Outcomes are checked in SQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import asyncpg
import pytest

from opsdb import pipeline, work
from opsdb.db import Database
from opsdb.errors import (
    ConnectionLostError,
    DatabaseUnavailableError,
    OpsdbError,
    RegistrationIncompleteError,
)
from opsdb.registration import BatchProgress, register_files
from opsdb.settings import Settings
from opsdb.testing import World, add_packages, seed_world
from opsdb.work import WorkKind
from tests.cluster_support import Cluster

pytestmark = pytest.mark.anyio

BUILD = WorkKind.RAW_DATA_PACKAGE_BUILD
FAST_RETRIES = Settings(retry_max_seconds=4.0, retry_max_wait=0.5, retry_attempts=30)


@dataclass
class Setup:
    db: Database
    dsn: str
    world: World
    claim: work.Claim


@pytest.fixture
async def setup(own_dsn: str) -> AsyncIterator[Setup]:
    db = await Database.connect(own_dsn, min_size=1, max_size=6, settings=FAST_RETRIES)
    try:
        async with db.connection() as conn:
            world = await seed_world(conn)
            await add_packages(conn, world, 3)
            (claim,) = await work.claim(conn, BUILD, "w1", limit=1)
        yield Setup(db, own_dsn, world, claim)
    finally:
        await db.close()


def _files(world: World, count: int, prefix: str = "f") -> list[dict[str, Any]]:
    return [
        {
            "instrument_module_id": world.module_id,
            "executed_obs_unit_id": world.execution_id,
            "name": f"{prefix}{i}",
            "relative_path": f"faults/{prefix}{i}.fits",
            "size_bytes": 100 + i,
            "checksum_algorithm": "md5",
            "checksum": f"{i:032x}",
            "file_created_at": "2026-01-01T00:00:00+00:00",
        }
        for i in range(count)
    ]


async def _claim(s: Setup) -> object:
    async with s.db.connection() as conn:
        return await work.claim(conn, BUILD, "w2", limit=5)


async def _complete(s: Setup) -> object:
    async with s.db.connection() as conn:
        return await work.complete(conn, s.claim, size_bytes=10, checksum="c" * 64, checksum_algorithm="sha256")


async def _renew(s: Setup) -> object:
    async with s.db.connection() as conn:
        return await work.renew(conn, BUILD, [s.claim])


async def _fail(s: Setup) -> object:
    async with s.db.connection() as conn:
        return await work.fail(conn, s.claim, "disk full")


async def _claim_deletions(s: Setup) -> object:
    async with s.db.connection() as conn:
        return await pipeline.claim_deletions(conn, "deleter")


async def _register(s: Setup) -> object:
    return await register_files(s.db, s.world.locations["ccat_source"], _files(s.world, 50), batch_size=10)


# entry point -> (its call, the table its statement needs, whether it must finish after the fault)
ENTRY_POINTS: dict[str, tuple[Callable[[Setup], Awaitable[object]], str, bool]] = {
    "work.claim": (_claim, "raw_data_package", True),
    "work.complete": (_complete, "raw_data_package", False),
    "work.renew": (_renew, "raw_data_package", False),
    "work.fail": (_fail, "raw_data_package", False),
    "pipeline.claim_deletions": (_claim_deletions, "physical_copy", True),
    "register_files": (_register, "raw_data_file", True),
}


async def _blocked(admin: asyncpg.Connection, database: str) -> int:
    """Wait until a session of `database` waits on a lock; its pid."""
    with anyio.fail_after(10):
        while True:
            pid = await admin.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' LIMIT 1", database
            )
            if pid:
                return int(pid)
            await anyio.sleep(0.02)


async def _run_with_fault(s: Setup, cluster: Cluster, entry: str, fault: str) -> object:
    """Run the entry point, block it on a lock, inject `fault`; its result or the exception it raised."""
    call, table, _ = ENTRY_POINTS[entry]
    database = urlsplit(s.dsn).path.lstrip("/")
    holder = await asyncpg.connect(s.dsn)
    await holder.execute(f"BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    outcome: list[object] = []

    async def run() -> None:
        try:
            outcome.append(await call(s))
        except Exception as exc:  # what leaves opsdb is the point of the test
            outcome.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        admin = await asyncpg.connect(cluster.dsn())
        try:
            pid = await _blocked(admin, database)
            if fault == "terminate":
                await admin.execute("SELECT pg_terminate_backend($1)", pid)
                await anyio.sleep(0.2)
                await holder.execute("ROLLBACK")
            elif fault == "restart":
                await anyio.to_thread.run_sync(cluster.restart)
            else:  # stop: the server stays down until the call gave up
                await anyio.to_thread.run_sync(cluster.stop)
        finally:
            admin.terminate()
    holder.terminate()
    if not cluster.running():
        cluster.start()
    return outcome[0]


@pytest.mark.parametrize("fault", ["terminate", "restart", "stop"])
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
async def test_only_opsdb_errors_leave_a_faulted_call(
    setup: Setup, own_cluster: Cluster, entry: str, fault: str
) -> None:
    result = await _run_with_fault(setup, own_cluster, entry, fault)
    if isinstance(result, BaseException):
        assert isinstance(result, OpsdbError), f"{entry} leaked {type(result).__module__}.{type(result).__name__}"
        assert not (fault != "stop" and ENTRY_POINTS[entry][2]), f"{entry} should have survived: {result!r}"
        if fault == "stop":
            assert isinstance(result, DatabaseUnavailableError | ConnectionLostError | RegistrationIncompleteError)
    # the same Database carries on once the server is back
    async with setup.db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM raw_data_package") == 3
        if entry == "register_files" and not isinstance(result, BaseException):
            assert await conn.fetchval("SELECT count(*) FROM raw_data_file WHERE relative_path LIKE 'faults/%'") == 50


async def test_a_daemon_keeps_its_database_across_a_primary_restart(setup: Setup, own_cluster: Cluster) -> None:
    await anyio.to_thread.run_sync(own_cluster.restart)
    # every pooled connection died with the old server: the next calls get fresh ones
    for _ in range(3):
        async with setup.db.connection() as conn:
            assert await work.claim(conn, BUILD, "w3", limit=1) is not None
        async with setup.db.transaction() as uow:
            assert await uow.conn.fetchval("SELECT 1") == 1


async def test_registration_survives_two_immediate_restarts_without_resending(
    setup: Setup, own_cluster: Cluster
) -> None:
    files = _files(setup.world, 4000, prefix="r")
    progress: list[int] = []
    three_done = anyio.Event()

    def note(p: BatchProgress) -> None:
        progress.append(p.batch)
        if len(progress) >= 3:
            three_done.set()

    async def restarts() -> None:
        await three_done.wait()
        await anyio.to_thread.run_sync(own_cluster.restart, "immediate")
        await anyio.to_thread.run_sync(own_cluster.restart, "immediate")

    async with anyio.create_task_group() as tg:
        tg.start_soon(restarts)
        report = await register_files(
            setup.db,
            setup.world.locations["ccat_source"],
            files,
            batch_size=100,
            connections=2,
            on_progress=note,
        )
    assert report.new == 4000
    assert report.existing == 0  # no committed batch was written a second time
    assert sorted(progress) == list(range(40))
    async with setup.db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT count(*) AS files, count(DISTINCT xmin::text) AS transactions FROM raw_data_file "
            "WHERE relative_path LIKE 'faults/r%'"
        )
        assert row is not None
        assert row["files"] == 4000
        assert row["transactions"] == 40  # one committing transaction per batch, none split or repeated
        copies = await conn.fetchval(
            "SELECT count(*) FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id "
            "WHERE f.relative_path LIKE 'faults/r%'"
        )
        assert copies == 4000


async def test_registration_that_gives_up_says_what_committed(setup: Setup, own_cluster: Cluster) -> None:
    files = _files(setup.world, 600, prefix="g")
    location = setup.world.locations["ccat_source"]
    progress: list[int] = []
    two_done = anyio.Event()

    def note(p: BatchProgress) -> None:
        progress.append(p.batch)
        if len(progress) >= 2:
            two_done.set()

    async def stop_after_some() -> None:
        await two_done.wait()
        await anyio.to_thread.run_sync(own_cluster.stop, "immediate")

    caught: list[BaseException] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(stop_after_some)
        try:
            await register_files(setup.db, location, files, batch_size=50, connections=1, on_progress=note)
        except Exception as error:
            caught.append(error)
    (exc,) = caught
    assert isinstance(exc, RegistrationIncompleteError)
    assert exc.retry_safe
    committed = exc.committed
    assert committed and all(len(r) == 50 for r in committed)
    await anyio.to_thread.run_sync(own_cluster.start)
    in_doubt = exc.in_doubt
    assert len(in_doubt) <= 1 and not any(r in committed for r in in_doubt)  # one connection, one batch in flight
    landed: list[range] = []
    async with setup.db.connection() as conn:
        for r in in_doubt:  # an in-doubt batch is whole in the database or absent
            stored = await conn.fetchval(
                "SELECT count(*) FROM raw_data_file WHERE relative_path = ANY($1::text[])",
                [files[i]["relative_path"] for i in r],
            )
            assert stored in (0, len(r))
            if stored:
                landed.append(r)
    rest = await register_files(setup.db, location, files, batch_size=50, skip=committed)
    assert rest.existing == sum(len(r) for r in landed)  # only an in-doubt batch that committed is found again
    assert rest.new + sum(len(r) for r in committed) == 600
    async with setup.db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM raw_data_file WHERE relative_path LIKE 'faults/g%'") == 600


async def test_registration_whose_commit_goes_unanswered_reports_it_in_doubt(
    setup: Setup, own_cluster: Cluster
) -> None:
    """The server stops while a batch's COMMIT runs: that batch is neither committed nor lost to
    the caller, it is `in_doubt`, and resuming sends it again."""
    files = _files(setup.world, 200, prefix="d")
    location = setup.world.locations["ccat_source"]
    admin = await asyncpg.connect(setup.dsn)
    try:  # the second batch's COMMIT sleeps in a deferred trigger until the server stops
        await admin.execute(
            "CREATE FUNCTION public.test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(60); RETURN NULL; END $$"
        )
        await admin.execute(
            "CREATE CONSTRAINT TRIGGER test_slow_commit AFTER INSERT ON raw_data_file "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.relative_path = 'faults/d75.fits') "
            "EXECUTE FUNCTION public.test_slow_commit()"
        )

        async def stop_during_commit() -> None:
            with anyio.fail_after(30):
                while not await admin.fetchval(  # noqa: ASYNC110 (polls the server)
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query = 'COMMIT;'"
                ):
                    await anyio.sleep(0.05)
            await anyio.to_thread.run_sync(own_cluster.stop, "immediate")

        caught: list[BaseException] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(stop_during_commit)
            try:
                await register_files(setup.db, location, files, batch_size=50, connections=1)
            except Exception as error:
                caught.append(error)
    finally:
        admin.terminate()
    (exc,) = caught
    assert isinstance(exc, RegistrationIncompleteError)
    assert exc.committed == [range(0, 50)]
    assert exc.in_doubt == [range(50, 100)]
    assert "1 (50 records) in doubt" in str(exc)
    await anyio.to_thread.run_sync(own_cluster.start)
    own_cluster.wait_ready()
    async with setup.db.connection() as conn:
        await conn.execute("DROP TRIGGER test_slow_commit ON raw_data_file")
        assert await conn.fetchval("SELECT count(*) FROM raw_data_file WHERE relative_path LIKE 'faults/d%'") == 50
    rest = await register_files(setup.db, location, files, batch_size=50, skip=exc.committed)
    assert (rest.new, rest.existing) == (150, 0)
    async with setup.db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM raw_data_file WHERE relative_path LIKE 'faults/d%'") == 200
