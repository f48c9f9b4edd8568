"""The lease keeper against a real PostgreSQL: background renewal, a frozen event loop, a killed
renewal connection, an unreachable database, and another worker taking over."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import asyncpg
import pytest

from opsdb import lease, work
from opsdb.db import Connection, Database
from opsdb.errors import ClaimLostError
from opsdb.testing import add_packages, seed_world
from opsdb.work import WorkKind

pytestmark = pytest.mark.anyio

BUILD = WorkKind.RAW_DATA_PACKAGE_BUILD
CHECKSUM = {"size_bytes": 10, "checksum": "c" * 64, "checksum_algorithm": "sha256"}
LEASE = 1.0


async def _claims(db: Database, count: int = 1) -> list[work.Claim]:
    async with db.connection() as conn:
        world = await seed_world(conn)
        await add_packages(conn, world, count)
        return await work.claim(conn, BUILD, "keeper-test", limit=count, lease_seconds=LEASE)


async def _holder(db: Database, item_id: int) -> str:
    async with db.connection() as conn:
        holder: str = await conn.fetchval("SELECT claimed_by FROM raw_data_package WHERE id = $1", item_id)
        return holder


async def _take_over(db: Database, item_id: int) -> None:
    """Another worker, after the lease ran out (moved into the past here)."""
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE raw_data_package SET lease_until = now() - interval '1 s', "
            "next_attempt_at = now() - interval '1 s' WHERE id = $1",
            item_id,
        )
        (taken,) = await work.claim(conn, BUILD, "other", lease_seconds=60)
        assert taken.item_id == item_id


async def test_keeper_renews_while_the_work_runs_longer_than_the_lease(db: Database) -> None:
    (claim,) = await _claims(db)
    async with lease.keep(db.connection, claim, lease_seconds=LEASE) as kept:
        for _ in range(5):
            await anyio.sleep(0.5)  # 2.5 s of work with a 1 s lease
            async with db.connection() as conn:
                assert await work.claim(conn, BUILD, "thief") == []  # never free for another worker
        async with db.connection() as conn:
            done = await work.complete(conn, kept.claim, **CHECKSUM)
    assert done.status == "completed" and done.claimed_by == "keeper-test"
    assert kept.renewals >= 5 and kept.lost is None


async def test_a_lost_claim_cancels_the_work_at_once(db: Database) -> None:
    (claim,) = await _claims(db)
    reached = False
    with pytest.raises(ClaimLostError, match="claimed by other"):
        async with lease.keep(db.connection, claim, lease_seconds=LEASE):
            await _take_over(db, claim.item_id)
            taken = time.monotonic()
            await anyio.sleep(30)  # the work: cancelled at the next renewal, not after 30 s
            reached = True
    assert not reached
    assert time.monotonic() - taken < 2 * LEASE  # next renewal comes within a third of the lease
    assert await _holder(db, claim.item_id) == "other"


async def test_a_killed_renewal_connection_is_replaced_without_losing_the_claim(db: Database) -> None:
    (claim,) = await _claims(db)
    killed = 0
    # every other connection of this database dies, the keeper's among them (pooled, reset on release)
    async with (
        lease.keep(db.connection, claim, lease_seconds=LEASE, retry_seconds=0.05) as kept,
        db.connection() as conn,
    ):
        for _ in range(8):
            await anyio.sleep(0.3)
            killed += await conn.fetchval(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname = current_database() "
                "AND backend_type = 'client backend') t"
            )
        done = await work.complete(conn, kept.claim, **CHECKSUM)
    assert killed >= 3  # the renewal connection really died, again and again
    assert done.claimed_by == "keeper-test" and kept.lost is None


async def test_frozen_event_loop_then_another_worker_takes_over(db: Database, database_dsn: str) -> None:
    """The loop blocks (time.sleep) past the lease; meanwhile a worker in another thread takes the
    item over. When the loop runs again the keeper notices the stall, the renewal is refused and
    the body is cancelled before it can do more."""
    (claim,) = await _claims(db)

    def other_worker() -> None:
        async def run() -> None:
            raw = await asyncpg.connect(database_dsn)
            try:
                await asyncio.sleep(LEASE + 0.3)  # the frozen worker's lease has run out by then
                (taken,) = await work.claim(Connection(raw), BUILD, "other", lease_seconds=60)
                assert taken.item_id == claim.item_id
            finally:
                await raw.close()

        asyncio.run(run())

    reached = False
    thread = threading.Thread(target=other_worker)
    async with lease.LeaseKeeper(db.connection, lease_seconds=LEASE) as keeper:
        with pytest.raises(ClaimLostError, match="claimed by other"):
            async with keeper.keep(claim) as kept:
                thread.start()
                time.sleep(3 * LEASE)  # the whole event loop is frozen  # noqa: ASYNC251
                await anyio.sleep(30)
                reached = True
    thread.join()
    assert not reached
    assert kept.lapsed and keeper.stalls and max(keeper.stalls) > LEASE / 2
    assert await _holder(db, claim.item_id) == "other"


async def test_frozen_event_loop_without_takeover_keeps_the_claim(db: Database) -> None:
    """A stall past the lease is noticed, but if nobody took the item the token still holds it."""
    (claim,) = await _claims(db)
    async with lease.LeaseKeeper(db.connection, lease_seconds=LEASE) as keeper, keeper.keep(claim) as kept:
        time.sleep(1.5 * LEASE)  # noqa: ASYNC251
        await anyio.sleep(LEASE)
        async with db.connection() as conn:
            done = await work.complete(conn, kept.claim, **CHECKSUM)
    assert keeper.stalls and kept.lapsed and kept.lost is None
    assert done.status == "completed"


async def test_an_unreachable_database_cancels_the_work_before_the_lease_runs_out(db: Database) -> None:
    (claim,) = await _claims(db)
    reachable = True
    long_lease = 3.0  # a safety margin of 0.3 s: room for the check below on a busy machine

    @asynccontextmanager
    async def connect() -> AsyncIterator[Connection]:
        if reachable:
            async with db.connection() as conn:
                yield conn
        else:  # a real refused connection: nothing listens on port 1
            raw = await asyncpg.connect("postgresql://postgres@127.0.0.1:1/none", timeout=1)
            yield Connection(raw)

    with pytest.raises(ClaimLostError, match="could not be renewed before it ran out"):
        async with lease.keep(connect, claim, lease_seconds=long_lease, retry_seconds=0.05):
            reachable = False
            await anyio.sleep(30)
    async with db.connection() as conn:  # given up while the lease still ran: nobody could take over yet
        assert await conn.fetchval(
            "SELECT lease_until > clock_timestamp() FROM raw_data_package WHERE id = $1", claim.item_id
        )


async def test_one_statement_renews_the_claims_of_many_blocks(db: Database) -> None:
    claims = await _claims(db, 6)
    async with (
        lease.LeaseKeeper(db.connection, lease_seconds=LEASE, renew_fraction=0.2) as keeper,
        keeper.keep(*claims[:2]) as a,
        keeper.keep(*claims[2:4]) as b,
        keeper.keep(*claims[4:]) as c,
    ):
        before = keeper.statements
        await anyio.sleep(1.1)
        rounds = keeper.statements - before
    assert 3 <= rounds <= 7  # one statement per round (~5 rounds), not one per block or claim
    assert min(k.renewals for k in (a, b, c)) >= rounds


async def test_completing_inside_the_block_is_not_mistaken_for_a_lost_claim(db: Database) -> None:
    (claim,) = await _claims(db)
    async with lease.keep(db.connection, claim, lease_seconds=LEASE) as kept:
        async with db.connection() as conn:
            await work.complete(conn, kept.claim, **CHECKSUM)
        await anyio.sleep(LEASE)  # renewals now find the item completed by this very claim
    assert kept.lost is None


async def test_keeping_an_already_lost_claim_fails_before_the_work_starts(db: Database) -> None:
    (claim,) = await _claims(db)
    await _take_over(db, claim.item_id)
    with pytest.raises(ClaimLostError):
        async with lease.keep(db.connection, claim, lease_seconds=LEASE):
            pytest.fail("the body must not run")
