"""Read replicas with read-your-writes, against a real streaming replica (pg_basebackup -R).

The primary and its replica are started by tests/cluster_support.py with the binaries of the
suite's PostgreSQL (18 embedded, or 15 when the suite runs on it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import anyio
import psycopg
import pytest

from opsdb import migrate
from opsdb.config import with_database
from opsdb.db import Database, is_replica_safe
from opsdb.errors import ConnectionLostError, OpsdbError
from opsdb.settings import Settings
from opsdb.testing import seed_world
from tests.cluster_support import Cluster, free_port

pytestmark = pytest.mark.anyio


@dataclass
class Pair:
    primary: Cluster
    replica: Cluster
    primary_dsn: str
    replica_dsn: str


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    primary = Cluster.create(free_port())
    replica: Cluster | None = None
    try:
        primary.start()
        with psycopg.connect(primary.dsn(), autocommit=True) as admin:
            admin.execute('CREATE DATABASE "opsdb"')
        migrate.apply(with_database(primary.dsn(), "opsdb"))
        replica = primary.replica(free_port())
        replica.wait_ready()
        yield Pair(primary, replica, with_database(primary.dsn(), "opsdb"), with_database(replica.dsn(), "opsdb"))
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


@pytest.fixture
async def db(pair: Pair) -> AsyncIterator[Database]:
    if not pair.replica.running():
        pair.replica.start()
    settings = Settings(replica_max_wait=1.0, replica_retry_after=0.0)
    database = await Database.connect(pair.primary_dsn, replicas=[pair.replica_dsn], settings=settings)
    try:
        yield database
    finally:
        await database.close()


async def _new_site(db: Database, name: str) -> int:
    async with db.transaction() as uow:
        site_id: int = await uow.conn.fetchval("INSERT INTO site (name, short_name) VALUES ($1, $1) RETURNING id", name)
        return site_id


async def test_a_read_after_a_write_sees_it_on_the_replica(db: Database) -> None:
    site_id = await _new_site(db, "ryw1")
    seen = await db.write_position()
    async with db.read(after=seen) as uow:
        assert uow.on_replica
        assert await uow.conn.fetchval("SELECT pg_is_in_recovery()")
        site = await uow.sites.get_site(site_id)
    assert site.short_name == "ryw1"


async def test_a_lagging_replica_is_waited_for_then_the_primary_answers(db: Database, pair: Pair) -> None:
    with psycopg.connect(pair.replica_dsn, autocommit=True) as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
        try:
            site_id = await _new_site(db, "lagging")
            seen = await db.write_position()
            started = anyio.current_time()
            async with db.read(after=seen) as uow:
                assert not uow.on_replica  # the replica never caught up within replica_max_wait
                assert (await uow.sites.get_site(site_id)).short_name == "lagging"
            assert anyio.current_time() - started >= 0.9  # it did wait for the replica first
            async with db.read() as uow:  # no position to honour: the stale replica serves
                assert uow.on_replica
                assert await uow.conn.fetchval("SELECT count(*) FROM site WHERE id = $1", site_id) == 0
        finally:
            replica.execute("SELECT pg_wal_replay_resume()")
    async with db.read(after=seen) as uow:
        assert uow.on_replica


async def test_a_replica_that_went_away_leaves_reads_to_the_primary(db: Database, pair: Pair) -> None:
    world_site = await _new_site(db, "gone")
    pair.replica.stop("immediate")
    try:
        for _ in range(3):
            async with db.read() as uow:
                assert not uow.on_replica
                assert (await uow.sites.get_site(world_site)).short_name == "gone"
    finally:
        pair.replica.start()
    # back: served by the replica again once replica_retry_after passed (0 here)
    async with db.read(after=await db.write_position()) as uow:
        assert uow.on_replica


async def test_writes_are_refused_inside_a_read(db: Database) -> None:
    with pytest.raises(OpsdbError, match="read-only"):
        async with db.read() as uow:
            await uow.conn.execute("INSERT INTO site (name, short_name) VALUES ('x', 'x')")


async def test_repositories_say_which_calls_may_read_from_a_replica(db: Database) -> None:
    async with db.read() as uow:
        assert is_replica_safe(uow.sites.get_site)
        assert is_replica_safe(uow.files.list_files)
        assert not is_replica_safe(uow.sites.create_site)
        assert not is_replica_safe(uow.tokens.get_token_by_hash)  # a revocation must never read stale


async def test_without_replicas_reads_go_to_the_primary(pair: Pair) -> None:
    async with await Database.connect(pair.primary_dsn) as db:
        async with db.connection() as conn:
            await seed_world(conn)
        async with db.read() as uow:
            assert not uow.on_replica
            assert await uow.conn.fetchval("SELECT count(*) FROM site") >= 3


async def test_a_replica_lost_mid_read_is_left_out_and_the_read_runs_again(db: Database, pair: Pair) -> None:
    with pytest.raises(ConnectionLostError):
        async with db.read() as uow:
            assert uow.on_replica
            pid = await uow.conn.fetchval("SELECT pg_backend_pid()")
            with psycopg.connect(pair.replica_dsn, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            await uow.conn.fetchval("SELECT count(*) FROM site")
    slow = Settings(replica_retry_after=60.0)
    async with await Database.connect(pair.primary_dsn, replicas=[pair.replica_dsn], settings=slow) as db2:
        async with db2.read() as uow:
            assert uow.on_replica
            pid = await uow.conn.fetchval("SELECT pg_backend_pid()")
        with psycopg.connect(pair.replica_dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        await anyio.sleep(0.2)
        async with db2.read() as uow:  # the pooled connection was lost: swapped, still the replica
            assert await uow.conn.fetchval("SELECT 1") == 1
