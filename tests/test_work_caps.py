"""Caps on work in progress, enforced inside the claim statement: per location, per route, in items and bytes."""

from __future__ import annotations

import random
from collections import Counter

import anyio
import anyio.lowlevel
import pytest

from opsdb import work
from opsdb.db import Database
from opsdb.errors import InputValidationError, NotFoundError, OpsdbError
from opsdb.testing import World, add_bundle, add_packages, add_route, add_transfer
from opsdb.testing import build_world as _world
from opsdb.work import WorkKind

pytestmark = pytest.mark.anyio

BUILD = WorkKind.RAW_DATA_PACKAGE_BUILD
TRANSFER = WorkKind.DATA_TRANSFER
CHECKSUM = {"size_bytes": 10, "checksum": "c" * 64, "checksum_algorithm": "sha256"}

RUNNING_PER_LOCATION = """
SELECT origin_location_id, count(*) AS n FROM raw_data_package
WHERE status = 'in_progress' GROUP BY origin_location_id
"""


async def test_location_cap_limits_items_in_progress(db: Database) -> None:
    world = await _world(db)
    source = world.locations["ccat_source"]
    async with db.connection() as conn:
        await add_packages(conn, world, 10, origin="ccat_source", name="a")
        await work.set_cap(conn, BUILD, location_id=source, max_items=3)
        first = await work.claim(conn, BUILD, "w", limit=10)
        assert await work.claim(conn, BUILD, "w", limit=10) == []  # full
        await work.complete(conn, first[0], **CHECKSUM)
        (next_one,) = await work.claim(conn, BUILD, "w", limit=10)  # one slot freed
        await work.fail(conn, first[1], "tar failed", backoff_seconds=3600)
        (after_fail,) = await work.claim(conn, BUILD, "w", limit=10)  # a failure frees its slot too
        running = await conn.fetchval(
            "SELECT count(*) FROM raw_data_package WHERE status = 'in_progress' AND origin_location_id = $1", source
        )
    assert len(first) == 3
    assert next_one.item_id not in {c.item_id for c in first}
    assert after_fail.item_id not in {c.item_id for c in first}
    assert running == 3


async def test_a_full_locations_backlog_does_not_block_other_locations(db: Database) -> None:
    world = await _world(db)
    source, buffer = world.locations["ccat_source"], world.locations["cologne_buffer"]
    async with db.connection() as conn:
        await add_packages(conn, world, 200, origin="ccat_source", name="a")  # due first
        others = await add_packages(conn, world, 5, origin="cologne_buffer", name="b")
        await work.set_cap(conn, BUILD, location_id=source, max_items=2)
        first = await work.claim(conn, BUILD, "w", limit=5)
        second = await work.claim(conn, BUILD, "w", limit=5)
    # the first claim's window held only capped items: it takes the room there (documented)
    assert [c.item["origin_location_id"] for c in first] == [source, source]
    # the next one skips the full location's backlog instead of coming back empty
    assert sorted(c.item_id for c in second) == others
    assert {c.item["origin_location_id"] for c in second} == {buffer}


async def test_taking_over_an_expired_claim_needs_no_room(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        await add_packages(conn, world, 3)
        await work.set_cap(conn, BUILD, location_id=world.locations["ccat_source"], max_items=1)
        (crashed,) = await work.claim(conn, BUILD, "crashed", limit=3)
        await conn.execute(
            "UPDATE raw_data_package SET lease_until = now() - interval '1 s', "
            "next_attempt_at = now() - interval '1 s' WHERE id = $1",
            crashed.item_id,
        )
        rescued = await work.claim(conn, BUILD, "rescuer", limit=3)
    assert [c.item_id for c in rescued] == [crashed.item_id]  # the cap still holds: no new item started


async def _transfers(db: Database, world: World, sizes: list[int]) -> tuple[int, list[int]]:
    async with db.connection() as conn:
        route = await add_route(conn, "ccat_to_cologne", world.sites["ccat"], world.sites["cologne"])
        transfers = []
        for n, size in enumerate(sizes):
            (package,) = await add_packages(conn, world, 1, status="completed", name=f"p{n}")
            bundle = await add_bundle(conn, world, [package], name=f"dtp{n}")
            await conn.execute("UPDATE data_transfer_package SET size_bytes = $2 WHERE id = $1", bundle, size)
            transfers.append(await add_transfer(conn, world, bundle, route))
    return route, transfers


async def test_route_caps_limit_items_and_bytes_in_flight(db: Database) -> None:
    world = await _world(db)
    tb = 10**12
    route, transfers = await _transfers(db, world, [30 * tb, 15 * tb, 10 * tb, 40 * tb, 1 * tb])
    async with db.connection() as conn:
        await work.set_cap(conn, TRANSFER, route_id=route, max_items=3, max_bytes=50 * tb)
        first = await work.claim(conn, TRANSFER, "bbcp", limit=5)
        # 30 + 15 TB in flight: the 10 TB bundle would exceed 50 TB, the claim stops there
        assert [c.item_id for c in first] == transfers[:2]
        assert await work.claim(conn, TRANSFER, "bbcp", limit=5) == []
        await work.complete(conn, first[0], verified=True)
        second = await work.claim(conn, TRANSFER, "bbcp", limit=5)  # 15 + 10 TB, then 40 TB would exceed
        (cap,) = await work.list_caps(conn)
    assert [c.item_id for c in second] == [transfers[2]]
    assert (cap.room_items, cap.room_bytes) == (1, 25 * tb)


async def test_many_concurrent_claimers_never_exceed_a_cap(db: Database) -> None:
    """16 claimers with random batch sizes race on two capped locations; a monitor and every
    claimer read the in-progress counts in SQL, again and again: never above the cap."""
    world = await _world(db)
    caps = {world.locations["ccat_source"]: 3, world.locations["cologne_buffer"]: 2}
    async with db.connection() as conn:
        items = await add_packages(conn, world, 120, origin="ccat_source", name="a")
        items += await add_packages(conn, world, 80, origin="cologne_buffer", name="b")
        for location, cap in caps.items():
            await work.set_cap(conn, BUILD, location_id=location, max_items=cap)
    seen: Counter[int] = Counter()
    worst: dict[int, int] = {}
    done = anyio.Event()

    def observe(rows: list) -> None:
        for r in rows:
            worst[r["origin_location_id"]] = max(worst.get(r["origin_location_id"], 0), r["n"])

    async def worker(name: str) -> None:
        rng = random.Random(name)
        async with db.connection() as conn:
            idle = 0
            while idle < 20:
                claims = await work.claim(conn, BUILD, name, limit=rng.randint(1, 4), lease_seconds=60)
                observe(await conn.fetch(RUNNING_PER_LOCATION))
                if not claims:
                    idle += 1
                    await anyio.sleep(0.005)
                    continue
                idle = 0
                seen.update(c.item_id for c in claims)
                await anyio.sleep(rng.random() * 0.01)
                await work.complete_many(conn, BUILD, claims, [CHECKSUM for _ in claims])

    async def monitor() -> None:
        async with db.connection() as conn:
            while not done.is_set():
                observe(await conn.fetch(RUNNING_PER_LOCATION))
                await anyio.lowlevel.checkpoint()

    async with anyio.create_task_group() as tg:
        tg.start_soon(monitor)
        async with anyio.create_task_group() as workers:
            for n in range(16):
                workers.start_soon(worker, f"w{n}")
        done.set()
    assert sorted(seen) == sorted(items) and set(seen.values()) == {1}  # all done, each once
    assert all(worst[location] <= cap for location, cap in caps.items()), worst
    assert worst == caps  # the caps were reached, not merely unused


async def test_cap_validation_and_management(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        with pytest.raises(InputValidationError, match="exactly one"):
            await work.set_cap(conn, BUILD, max_items=1)
        with pytest.raises(InputValidationError, match="route_id"):
            await work.set_cap(conn, BUILD, route_id=1, max_items=1)
        with pytest.raises(InputValidationError, match=r"max_bytes.*no size"):
            await work.set_cap(conn, BUILD, location_id=world.locations["ccat_source"], max_bytes=10)
        with pytest.raises(InputValidationError, match=r"max_items.*non-negative"):
            await work.set_cap(conn, BUILD, location_id=world.locations["ccat_source"], max_items=-1)
        cap = await work.set_cap(conn, BUILD, location_id=world.locations["ccat_source"], max_items=5)
        again = await work.set_cap(conn, BUILD, location_id=world.locations["ccat_source"], max_items=0)
        assert again.cap_id == cap.cap_id and again.max_items == 0  # replaced, not added
        await add_packages(conn, world, 1)
        assert await work.claim(conn, BUILD, "w") == []  # a zero cap pauses the location
        await work.remove_cap(conn, cap.cap_id)
        assert len(await work.claim(conn, BUILD, "w")) == 1
        with pytest.raises(NotFoundError):
            await work.remove_cap(conn, cap.cap_id)


async def test_capped_claims_refuse_repeatable_read(db: Database) -> None:
    """The exact count needs a fresh snapshot after the cap's lock: a REPEATABLE READ claim could overfill."""
    world = await _world(db)
    async with db.connection() as conn:
        await add_packages(conn, world, 2)
        await work.set_cap(conn, BUILD, location_id=world.locations["ccat_source"], max_items=1)
        with pytest.raises(OpsdbError, match="READ COMMITTED"):
            async with conn.transaction():
                await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                await work.claim(conn, BUILD, "w")


async def test_concurrent_transfer_claimers_never_exceed_a_routes_items_or_bytes(db: Database) -> None:
    world = await _world(db)
    tb = 10**12
    rng = random.Random(7)
    route, transfers = await _transfers(db, world, [rng.randint(1, 10) * tb for _ in range(30)])
    async with db.connection() as conn:
        await work.set_cap(conn, TRANSFER, route_id=route, max_items=4, max_bytes=20 * tb)
    in_flight = (
        "SELECT count(*) AS n, COALESCE(sum(d.size_bytes), 0) AS bytes FROM data_transfer t "
        "JOIN data_transfer_package d ON d.id = t.data_transfer_package_id "
        "WHERE t.status = 'in_progress' AND t.data_transfer_route_id = $1"
    )
    worst = {"n": 0, "bytes": 0}
    seen: Counter[int] = Counter()

    async def worker(name: str) -> None:
        async with db.connection() as conn:
            idle = 0
            while idle < 20:
                claims = await work.claim(conn, TRANSFER, name, limit=2, lease_seconds=60)
                row = await conn.fetchrow(in_flight, route)
                assert row is not None
                worst["n"], worst["bytes"] = max(worst["n"], row["n"]), max(worst["bytes"], row["bytes"])
                if not claims:
                    idle += 1
                    await anyio.sleep(0.005)
                    continue
                idle = 0
                seen.update(c.item_id for c in claims)
                await anyio.sleep(0.005)
                await work.complete_many(conn, TRANSFER, claims, [{"verified": True} for _ in claims])

    async with anyio.create_task_group() as tg:
        for n in range(10):
            tg.start_soon(worker, f"bbcp{n}")
    assert sorted(seen) == sorted(transfers) and set(seen.values()) == {1}
    assert worst["n"] <= 4 and worst["bytes"] <= 20 * tb, worst


async def test_complete_and_claim_next_counts_the_room_its_own_completions_free(db: Database) -> None:
    world = await _world(db)
    source = world.locations["ccat_source"]
    async with db.connection() as conn:
        await add_packages(conn, world, 7, origin="ccat_source", name="a")
        await work.set_cap(conn, BUILD, location_id=source, max_items=3)
        first = await work.claim(conn, BUILD, "w", limit=3)
        # the three completions free three slots in the same statement that claims the next three
        batch = await work.complete_many(conn, BUILD, first, [CHECKSUM for _ in first], claim_next=5)
        running = await conn.fetchval(
            "SELECT count(*) FROM raw_data_package WHERE status = 'in_progress' AND origin_location_id = $1", source
        )
        assert len(batch.claims) == 3 and running == 3
        # a completion of one frees one slot: never more in progress than the cap
        smaller = await work.complete_many(conn, BUILD, batch.claims[:1], [CHECKSUM], claim_next=5)
        after = await conn.fetchval(
            "SELECT count(*) FROM raw_data_package WHERE status = 'in_progress' AND origin_location_id = $1", source
        )
    assert sorted(batch.completed) == sorted(c.item_id for c in first) and batch.lost == []
    assert len(smaller.claims) == 1 and after == 3


async def test_complete_and_claim_next_never_exceeds_a_cap_under_concurrency(db: Database) -> None:
    world = await _world(db)
    source = world.locations["ccat_source"]
    async with db.connection() as conn:
        await add_packages(conn, world, 120, origin="ccat_source", name="a")
        await work.set_cap(conn, BUILD, location_id=source, max_items=5)
    peak = 0
    taken: list[int] = []

    async def worker(name: str) -> None:
        nonlocal peak
        async with db.connection() as conn:
            claims = await work.claim(conn, BUILD, name, limit=3)
            while claims:
                taken.extend(c.item_id for c in claims)
                running = await conn.fetchval(
                    "SELECT count(*) FROM raw_data_package WHERE status = 'in_progress' AND origin_location_id = $1",
                    source,
                )
                peak = max(peak, running)
                await anyio.lowlevel.checkpoint()
                batch = await work.complete_many(conn, BUILD, claims, [CHECKSUM for _ in claims], claim_next=3)
                assert batch.lost == []
                claims = batch.claims
                if not claims:  # a full cap, or nothing due: look once more as a daemon would
                    claims = await work.claim(conn, BUILD, name, limit=3)

    async with anyio.create_task_group() as tg:
        for n in range(4):
            tg.start_soon(worker, f"w{n}")
    async with db.connection() as conn:
        done = await conn.fetchval("SELECT count(*) FROM raw_data_package WHERE status = 'completed'")
    assert peak <= 5
    assert done == 120 and len(taken) == len(set(taken)) == 120
