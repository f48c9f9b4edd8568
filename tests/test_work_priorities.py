"""Priorities: set at creation (program, location, route), claim order with aging, operator changes."""

from __future__ import annotations

import json
from collections import Counter

import anyio
import pytest

from opsdb import work
from opsdb.db import Database
from opsdb.errors import InputValidationError, InvalidTransitionError, NotFoundError
from opsdb.testing import add_bundle, add_packages, add_route
from opsdb.testing import build_world as _world
from opsdb.work import WorkKind

pytestmark = pytest.mark.anyio

BUILD = WorkKind.RAW_DATA_PACKAGE_BUILD
CHECKSUM = {"size_bytes": 10, "checksum": "c" * 64, "checksum_algorithm": "sha256"}


async def test_creation_sets_priority_from_program_location_and_route(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        await conn.execute("UPDATE obs_unit SET priority = 7 WHERE id = $1", world.obs_unit_id)
        await conn.execute("UPDATE data_location SET priority = 250 WHERE id = $1", world.locations["ccat_buffer"])
        processing = world.locations["cologne_processing"]
        await conn.execute("UPDATE data_location SET priority = -3 WHERE id = $1", processing)
        (package,) = await add_packages(conn, world, 1, status="completed")
        bundle = await add_bundle(conn, world, [package])
        route = await add_route(conn, "ccat_to_cologne", world.sites["ccat"], world.sites["cologne"], priority=5)
        transfer = await conn.fetchrow(
            "INSERT INTO data_transfer (data_transfer_package_id, data_transfer_route_id, origin_location_id, "
            "destination_location_id) VALUES ($1, $2, $3, $4) RETURNING priority, unpack_priority",
            bundle,
            route,
            world.locations["ccat_buffer"],
            world.locations["cologne_buffer"],
        )
        archive = await conn.fetchval(
            "INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id) "
            "VALUES ($1, $2, $3) RETURNING priority",
            package,
            world.locations["cologne_buffer"],
            world.locations["cologne_lta"],
        )
        staging = await conn.fetchval(
            "INSERT INTO staging_job (user_account_id, destination_location_id) VALUES ($1, $2) RETURNING priority",
            world.user_id,
            world.locations["cologne_processing"],
        )
        explicit = await conn.fetchval(
            "INSERT INTO staging_job (user_account_id, destination_location_id, priority) VALUES ($1, $2, 42) "
            "RETURNING priority",
            world.user_id,
            world.locations["cologne_processing"],
        )
        built = await conn.fetchval("SELECT priority FROM raw_data_package WHERE id = $1", package)
        bundled = await conn.fetchval("SELECT priority FROM data_transfer_package WHERE id = $1", bundle)
    assert built == 7  # the obs unit's (program planning) priority
    assert bundled == 100  # the origin location's, clamped to the range
    assert transfer is not None and (transfer["priority"], transfer["unpack_priority"]) == (5, 5)  # the route's
    assert archive == 7  # the package's
    assert staging == -3  # the processing location's
    assert explicit == 42  # a value given at creation wins


async def test_claims_take_higher_priority_first(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        low = await add_packages(conn, world, 3, name="low")
        high = await add_packages(conn, world, 3, name="high")
        for package in high:
            await work.set_priority(conn, BUILD, package, 10)
        first = await work.claim(conn, BUILD, "w", limit=3)
        second = await work.claim(conn, BUILD, "w", limit=3)
    assert sorted(c.item_id for c in first) == high
    assert all(c.priority == 10 for c in first)
    assert sorted(c.item_id for c in second) == low


async def test_aging_lets_long_waiting_low_priority_work_overtake(db: Database) -> None:
    """A priority point is worth five minutes of waiting: priority 0 waiting 2 h beats priority 20 due now."""
    world = await _world(db)
    async with db.connection() as conn:
        (old,) = await add_packages(conn, world, 1, name="old")
        (urgent,) = await add_packages(conn, world, 1, name="urgent")
        (very_urgent,) = await add_packages(conn, world, 1, name="very")
        await conn.execute("UPDATE raw_data_package SET next_attempt_at = now() - interval '2 h' WHERE id = $1", old)
        await work.set_priority(conn, BUILD, urgent, 20)  # 100 minutes of head start: less than 2 h
        await work.set_priority(conn, BUILD, very_urgent, 30)  # 150 minutes: more
        order = [(await work.claim(conn, BUILD, "w"))[0].item_id for _ in range(3)]
    assert order == [very_urgent, old, urgent]


async def test_starvation_is_bounded_under_a_steady_stream_of_high_priority_work(db: Database) -> None:
    """Priority-100 work keeps arriving faster than it is claimed (2 per hour, 1 claimed per hour).
    A priority -100 item still gets claimed, never after work that became due more than
    (100 - -100) * 5 min = 1000 minutes after it, while urgent work is still waiting.
    Hours pass by moving every waiting item's due time back."""
    world = await _world(db)
    async with db.connection() as conn:
        (starving,) = await add_packages(conn, world, 1, name="starving")
        await work.set_priority(conn, BUILD, starving, -100)
        arrived: dict[int, int] = {}
        claimed_before: list[int] = []
        for hour in range(60):
            for package in await add_packages(conn, world, 2, name=f"urgent{hour}"):
                await work.set_priority(conn, BUILD, package, 100)
                arrived[package] = hour
            (c,) = await work.claim(conn, BUILD, "w", lease_seconds=3600)
            await work.complete(conn, c, **CHECKSUM)
            if c.item_id == starving:
                break
            claimed_before.append(c.item_id)
            await conn.execute(
                "UPDATE raw_data_package SET next_attempt_at = next_attempt_at - interval '1 hour' "
                "WHERE status = 'pending'"
            )
        still_waiting = await conn.fetchval("SELECT count(*) FROM raw_data_package WHERE status = 'pending'")
    assert c.item_id == starving, "the low-priority item starved"
    assert max(arrived[i] for i in claimed_before) * 60 <= 1000  # only work due within 1000 min after it
    assert still_waiting > 0  # claimed although urgent work was still waiting


async def test_priority_order_holds_with_concurrent_claimers(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        low = set(await add_packages(conn, world, 60, name="low"))
        high = set(await add_packages(conn, world, 60, name="high"))
        await conn.execute("UPDATE raw_data_package SET priority = 50 WHERE id = ANY($1::bigint[])", list(high))
    order: list[int] = []

    async def worker(name: str) -> None:
        async with db.connection() as conn:
            while claims := await work.claim(conn, BUILD, name, limit=3):
                order.extend(c.item_id for c in claims)
                await work.complete_many(conn, BUILD, claims, [CHECKSUM for _ in claims])

    async with anyio.create_task_group() as tg:
        for n in range(6):
            tg.start_soon(worker, f"w{n}")
    assert Counter(order) == Counter(low | high)
    # the server's order (the claims' history rows, numbered as the statements wrote them): the
    # client's order of replies can lag behind it on a loaded machine (a backend descheduled
    # between its commit and its reply while other workers claim and complete several batches)
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT item_id FROM state_history WHERE table_name = 'raw_data_package' "
            "AND to_state = 'in_progress' ORDER BY id"
        )
    order = [int(r["item_id"]) for r in rows]
    assert Counter(order) == Counter(low | high)
    # each claim statement takes the best due items: no low item is claimed while a high one
    # waits unclaimed, so only the claims in flight at the switch can interleave
    last_high = max(i for i, item in enumerate(order) if item in high)
    first_low = min(i for i, item in enumerate(order) if item in low)
    assert last_high - first_low < 6 * 3


async def test_operator_changes_priority_with_guards(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1)
        raised = await work.set_priority(conn, BUILD, package, 60)
        with pytest.raises(InputValidationError, match=r"priority.*raw_data_package \d+: must be an integer from -100"):
            await work.set_priority(conn, BUILD, package, 101)
        (c,) = await work.claim(conn, BUILD, "w")
        running = await work.set_priority(conn, BUILD, package, -5)  # a running item may change too
        await work.complete(conn, c, **CHECKSUM)
        with pytest.raises(InvalidTransitionError, match="completed -> priority 1"):
            await work.set_priority(conn, BUILD, package, 1)
        with pytest.raises(NotFoundError):
            await work.set_priority(conn, BUILD, 999_999, 1)
        stored = await conn.fetchval("SELECT priority FROM raw_data_package WHERE id = $1", package)
    assert raised.priority == 60
    assert running.priority == -5 and running.status == "in_progress"
    assert stored == -5


async def test_deletion_takes_its_locations_priority_when_scheduled(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed")
        await conn.execute("UPDATE data_location SET priority = 9 WHERE id = $1", world.locations["ccat_buffer"])
        copy = await conn.fetchval(
            "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id) "
            "VALUES ('raw_data_package', $1, $2) RETURNING id",
            package,
            world.locations["ccat_buffer"],
        )
        before = await conn.fetchval("SELECT priority FROM physical_copy WHERE id = $1", copy)
        await conn.execute(
            "UPDATE physical_copy SET status = 'deletion_scheduled', next_attempt_at = now() WHERE id = $1", copy
        )
        after = await conn.fetchval("SELECT priority FROM physical_copy WHERE id = $1", copy)
    assert (before, after) == (0, 9)


async def _plan(db: Database, kind: WorkKind) -> str:
    async with db.connection() as conn:
        await conn.execute("ANALYZE")
        await conn.execute("SET enable_seqscan = off")  # small tables: ask which index the claim can use
        rows = await conn.fetch("EXPLAIN (FORMAT JSON) " + work.kind_sql("work_claim", kind), "w", 10, None, None, 60.0)
        await conn.execute("RESET enable_seqscan")
    return json.dumps(rows[0][0])


async def test_claim_scans_the_priority_ordered_work_index(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        await add_packages(conn, world, 2000)
        await conn.execute("UPDATE raw_data_package SET priority = (id % 7) - 3")
    plan = await _plan(db, BUILD)
    assert "raw_data_package_work_idx" in plan
    assert '"Node Type": "Sort"' not in plan.split("raw_data_package_work_idx")[0].rsplit("LockRows", 1)[-1]
    for kind in WorkKind:
        index = {
            WorkKind.DATA_TRANSFER_UNPACK: "data_transfer_unpack_work_idx",
            WorkKind.PHYSICAL_COPY_DELETION: "physical_copy_deletion_work_idx",
        }.get(kind, f"{work.KINDS[kind].table}_work_idx")
        assert index in await _plan(db, kind), kind


async def test_complete_and_claim_next_takes_the_highest_priority_first(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        packages = await add_packages(conn, world, 6)
        first = await work.claim(conn, BUILD, "w", limit=2)
        rest = [p for p in packages if p not in {c.item_id for c in first}]
        await work.set_priority(conn, BUILD, rest[-1], 30)
        await work.set_priority(conn, BUILD, rest[-2], 20)
        batch = await work.complete_many(conn, BUILD, first, [CHECKSUM for _ in first], claim_next=2)
    assert [c.item_id for c in batch.claims] == sorted([rest[-1], rest[-2]])
    assert sorted(c.priority for c in batch.claims) == [20, 30]
