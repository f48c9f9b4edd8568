"""Deletion claims honour priorities and caps like every claim (issue 16); batch confirmation;
one NOTIFY per statement; a deletion's priority set per statement (migration 0021)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import asyncpg
import pytest

from opsdb import deletion, pipeline, work
from opsdb.db import Connection, Database
from opsdb.testing import World, add_package_copy, add_packages, seed_world
from opsdb.work import WorkKind

pytestmark = pytest.mark.anyio

KIND = WorkKind.PHYSICAL_COPY_DELETION


@pytest.fixture
async def world(db: Database) -> AsyncIterator[World]:
    async with db.connection() as conn:
        yield await seed_world(conn)


async def _deletable(conn: Connection, world: World, n: int, location: str = "ccat_buffer") -> list[int]:
    """Buffer copies of `n` archived packages with a verified archive copy, scheduled for deletion."""
    packages = await add_packages(conn, world, n, status="completed", state="archived", name=f"p-{location}")
    copies = []
    for package in packages:
        await add_package_copy(conn, package, world.locations["cologne_lta"], verified=True)
        copies.append(await add_package_copy(conn, package, world.locations[location]))
    assert sorted(await pipeline.schedule_deletions(conn, locations=[world.locations[location]])) == sorted(copies)
    return copies


async def test_deletion_claims_take_the_highest_priority_first(db: Database, world: World) -> None:
    async with db.connection() as conn:
        first, second, third = await _deletable(conn, world, 3)
        # due in order first, second, third; the third is worth an hour of waiting more
        await conn.execute(
            "UPDATE physical_copy SET next_attempt_at = now() - make_interval(secs => 60 * (3 - n)) "
            "FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, n) WHERE physical_copy.id = u.id",
            [first, second, third],
        )
        await work.set_priority(conn, KIND, third, 12)
        claimed = [c.item_id for c in await deletion.claim_deletions(conn, "d", limit=1)]
        assert claimed == [third]
        claimed = [c.item_id for c in await deletion.claim_deletions(conn, "d", limit=1)]
        assert claimed == [first]


async def test_scheduling_gives_each_deletion_its_locations_priority(db: Database, world: World) -> None:
    async with db.connection() as conn:
        await conn.execute("UPDATE data_location SET priority = 7 WHERE id = $1", world.locations["ccat_buffer"])
        copies = await _deletable(conn, world, 3)
        priorities = await conn.fetch("SELECT priority FROM physical_copy WHERE id = ANY($1::bigint[])", copies)
        assert [r["priority"] for r in priorities] == [7, 7, 7]


async def test_deletion_claims_never_exceed_a_locations_cap(db: Database, world: World) -> None:
    async with db.connection() as conn:
        await _deletable(conn, world, 5)
        cologne = await _deletable(conn, world, 2, location="cologne_buffer")
        await work.set_cap(conn, KIND, location_id=world.locations["ccat_buffer"], max_items=2)
        claims = await deletion.claim_deletions(conn, "d", limit=10)
        at_ccat = [c for c in claims if c.item_id not in cologne]
        assert len(at_ccat) == 2 and sorted(c.item_id for c in claims if c.item_id in cologne) == sorted(cologne)
        assert await deletion.claim_deletions(conn, "d", limit=10) == []  # the cap is full
        async with deletion.deleting(conn, at_ccat[0]) as go:
            assert go
        (next_one,) = await deletion.claim_deletions(conn, "d", limit=10)  # room for one again
        assert next_one.item_id not in cologne
        running = await conn.fetchval(
            "SELECT count(*) FROM physical_copy WHERE status = 'deletion_in_progress' AND data_location_id = $1",
            world.locations["ccat_buffer"],
        )
        assert running == 2


async def test_racing_deletion_claimers_stay_within_the_cap(db: Database, world: World) -> None:
    async with db.connection() as conn:
        await _deletable(conn, world, 30)
        await work.set_cap(conn, KIND, location_id=world.locations["ccat_buffer"], max_items=4)
    claimed: list[int] = []

    async def claimer(name: str) -> None:
        async with db.connection() as conn:
            for _ in range(5):
                claimed.extend(c.item_id for c in await deletion.claim_deletions(conn, name, limit=3))

    async with anyio.create_task_group() as tg:
        for i in range(6):
            tg.start_soon(claimer, f"w{i}")
    assert len(claimed) == len(set(claimed)) == 4
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM physical_copy WHERE status = 'deletion_in_progress'") == 4


async def test_deleting_many_deletes_what_it_confirmed_in_one_transaction(db: Database, world: World) -> None:
    async with db.connection() as conn:
        copies = await _deletable(conn, world, 4)
        claims = await deletion.claim_deletions(conn, "d", limit=10)
        stolen = claims[0]
        await conn.execute(  # another worker took this one over meanwhile
            "UPDATE physical_copy SET claim_token = gen_random_uuid(), claimed_by = 'other' WHERE id = $1",
            stolen.item_id,
        )
        async with deletion.deleting_many(conn, claims) as confirmed:
            assert confirmed.lost == [stolen] and confirmed.refused == []
            assert confirmed.go == claims[1:]
        rows = await conn.fetch("SELECT id, status FROM physical_copy WHERE id = ANY($1::bigint[]) ORDER BY id", copies)
        assert {r["id"]: r["status"] for r in rows} == {
            c: ("deletion_in_progress" if c == stolen.item_id else "deleted") for c in copies
        }


async def test_an_exception_inside_deleting_many_records_nothing(db: Database, world: World) -> None:
    async with db.connection() as conn:
        await _deletable(conn, world, 2)
        claims = await deletion.claim_deletions(conn, "d", limit=10)
        with pytest.raises(RuntimeError):
            async with deletion.deleting_many(conn, claims):
                raise RuntimeError("the disk said no")
        assert await conn.fetchval("SELECT count(*) FROM physical_copy WHERE status = 'deletion_in_progress'") == 2


async def test_scheduling_a_batch_sends_one_hint(db: Database, world: World, database_dsn: str) -> None:
    async with db.connection() as conn:
        packages = await add_packages(conn, world, 5, status="completed", state="archived", name="hint")
        for package in packages:
            await add_package_copy(conn, package, world.locations["cologne_lta"], verified=True)
            await add_package_copy(conn, package, world.locations["ccat_buffer"])
    hints: list[str] = []
    heard = anyio.Event()

    def hear(*args: object) -> None:
        hints.append(str(args[3]))
        heard.set()

    listener = await asyncpg.connect(database_dsn)
    try:
        await listener.add_listener("opsdb_work", hear)
        async with db.connection() as conn:
            assert len(await pipeline.schedule_deletions(conn)) == 5
        with anyio.fail_after(5):
            await heard.wait()
        await anyio.sleep(0.3)  # any further hint of the same statement would have arrived
    finally:
        await listener.close()
    assert hints == ["physical_copy_deletion"]
