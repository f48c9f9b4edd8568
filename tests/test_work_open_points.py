"""The protocol's open points closed (issue 16): retried batched completions, lease times from the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from opsdb import work
from opsdb.db import Database
from opsdb.testing import add_packages, seed_world
from opsdb.work import WorkKind

pytestmark = pytest.mark.anyio

BUILD = WorkKind.RAW_DATA_PACKAGE_BUILD
CHECKSUM = {"size_bytes": 10, "checksum": "c" * 64, "checksum_algorithm": "sha256"}


async def test_retried_complete_many_recognises_its_own_completions(db: Database) -> None:
    """The first call committed but its answer was lost (a dropped connection): the retry must
    report the items completed, not lost, and must not apply the effects twice."""
    async with db.connection() as conn:
        world = await seed_world(conn)
        await add_packages(conn, world, 3)
        claims = await work.claim(conn, BUILD, "w", limit=3)
        buffer = world.locations["ccat_buffer"]
        results = [{**CHECKSUM, "location_id": buffer} for _ in claims]
        first = await work.complete_many(conn, BUILD, claims, results)
        again = await work.complete_many(conn, BUILD, claims, results)
        copies = await conn.fetchval("SELECT count(*) FROM physical_copy WHERE data_location_id = $1", buffer)
    assert sorted(i.item_id for i in again) == sorted(i.item_id for i in first)
    assert {i.status for i in again} == {"completed"}
    assert copies == 3


async def test_retry_mixing_own_completions_and_a_lost_claim_names_only_the_lost_one(db: Database) -> None:
    async with db.connection() as conn:
        world = await seed_world(conn)
        await add_packages(conn, world, 2)
        mine, taken = await work.claim(conn, BUILD, "w", limit=2)
        await work.complete_many(conn, BUILD, [mine], [CHECKSUM])
        await conn.execute(
            "UPDATE raw_data_package SET lease_until = now() - interval '1 s', "
            "next_attempt_at = now() - interval '1 s' WHERE id = $1",
            taken.item_id,
        )
        await work.claim(conn, BUILD, "other")
        with pytest.raises(work.ClaimsLostError) as lost:
            await work.complete_many(conn, BUILD, [mine, taken], [CHECKSUM, CHECKSUM])
    assert [c.item_id for c in lost.value.lost] == [taken.item_id]
    assert [c.item_id for c in lost.value.renewed] == [mine.item_id]


async def test_lease_runs_from_the_claim_not_from_the_transaction_start(db: Database) -> None:
    async with db.connection() as conn:
        world = await seed_world(conn)
        await add_packages(conn, world, 1)
        async with conn.transaction():
            await conn.execute("SELECT pg_sleep(1.0)")  # a long transaction before the claim
            (c,) = await work.claim(conn, BUILD, "w", lease_seconds=2)
            claimed_left = await conn.fetchval("SELECT $1::timestamptz - clock_timestamp()", c.lease_until)
            await conn.execute("SELECT pg_sleep(1.0)")
            (renewed,) = await work.renew(conn, BUILD, [c], lease_seconds=2)
            renewed_left = await conn.fetchval("SELECT $1::timestamptz - clock_timestamp()", renewed.lease_until)
    # from the transaction's start, 1 s of each lease would already be gone
    assert claimed_left > timedelta(seconds=1.5)
    assert renewed_left > timedelta(seconds=1.5)
