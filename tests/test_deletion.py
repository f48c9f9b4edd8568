"""Safe deletion: the rule, its re-check at claim time, and deleters racing each other."""

from __future__ import annotations

from collections import Counter

import anyio
import anyio.lowlevel
import pytest

from opsdb import pipeline, work
from opsdb.db import Database
from opsdb.errors import InvalidTransitionError
from opsdb.schemas.enums import PackageState, PhysicalCopyStatus
from opsdb.testing import (
    add_bundle,
    add_bundle_copy,
    add_files,
    add_package_copy,
    add_packages,
    add_route,
    repair,
)
from opsdb.testing import (
    build_world as _world,
)
from opsdb.work import WorkKind
from tests.deletion_support import (
    archived_bundle,
    archived_package,
    finish_staging,
    request_staging,
    staged_only,
    status,
    transfer,
)

pytestmark = pytest.mark.anyio

DELETION = WorkKind.PHYSICAL_COPY_DELETION


async def test_buffer_copies_of_an_archived_verified_package_may_go(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        _, ccat, cologne = await archived_package(conn, world)
        candidates = await pipeline.deletion_candidates(conn)
    assert sorted(candidates) == sorted([ccat, cologne])  # never the archive copy


@pytest.mark.parametrize(
    "spoil",
    [
        "UPDATE physical_copy SET checksum_verified_at = NULL WHERE data_location_id = {lta}",
        "UPDATE physical_copy SET status = 'deleted', deleted_at = now() WHERE data_location_id = {lta}",
        "UPDATE raw_data_package SET state = 'transferring'",
        # an archive transfer from the buffers still running
        "INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id) "
        "SELECT id, {ccat_buffer}, {us_lta} FROM raw_data_package UNION ALL "
        "SELECT id, {cologne_buffer}, {cologne_lta} + 0 * id FROM raw_data_package WHERE false",
    ],
    ids=["unverified", "archive-copy-gone", "not-archived", "archive-transfer-running"],
)
async def test_no_deletion_without_a_present_verified_archive_copy_or_while_in_use(db: Database, spoil: str) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        _, ccat, _ = await archived_package(conn, world)
        await repair(conn, spoil.format(lta=world.locations["cologne_lta"], **world.locations))
        candidates = await pipeline.deletion_candidates(conn)
    assert ccat not in candidates
    if "transfer" not in spoil:
        assert candidates == []


async def test_active_staging_job_holds_the_copies(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, _, _ = await archived_package(conn, world)
        job = await request_staging(conn, world, package)
        assert await pipeline.deletion_candidates(conn) == []
        await repair(conn, "UPDATE staging_job SET status = 'completed' WHERE id = $1", job)
        assert len(await pipeline.deletion_candidates(conn)) == 2


async def test_bundle_copy_waits_for_its_transfers_and_unpacks(db: Database) -> None:
    world = await _world(db)
    loc = world.locations
    async with db.connection() as conn:
        package, _, _ = await archived_package(conn, world)
        bundle = await add_bundle(conn, world, [package])
        await repair(conn, "UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package)
        bundle_copy = await conn.fetchval("SELECT id FROM physical_copy WHERE data_transfer_package_id = $1", bundle)
        transfer = await conn.fetchval(
            "INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id) "
            "VALUES ($1, $2, $3) RETURNING id",
            bundle,
            loc["ccat_buffer"],
            loc["cologne_buffer"],
        )
        assert bundle_copy not in await pipeline.deletion_candidates(conn)
        await repair(conn, "UPDATE data_transfer SET status = 'completed' WHERE id = $1", transfer)
        assert bundle_copy in await pipeline.deletion_candidates(conn)


async def test_archive_copies_and_staged_copies_no_job_released_are_not_candidates(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, ccat, cologne = await archived_package(conn, world)
        await add_package_copy(conn, package, world.locations["cologne_processing"], status="staged")
        await repair(
            conn, "UPDATE physical_copy SET status = 'deleted', deleted_at = now() WHERE id = ANY($1)", [ccat, cologne]
        )
        assert await pipeline.deletion_candidates(conn) == []
        # even an archive copy someone scheduled by hand is never claimed
        await repair(
            conn,
            "UPDATE physical_copy SET status = 'deletion_scheduled', next_attempt_at = now() "
            "WHERE data_location_id = $1",
            world.locations["cologne_lta"],
        )
        assert await pipeline.claim_deletions(conn, "deleter") == []


async def test_a_staged_copy_goes_once_every_staging_job_that_wanted_it_has_expired(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, staged = await staged_only(conn, world)
        first = await request_staging(conn, world, package)
        assert await pipeline.deletion_candidates(conn) == []  # the job is still pending
        await finish_staging(conn, first, "1 day")
        assert await pipeline.deletion_candidates(conn) == []  # retained for a day
        await finish_staging(conn, first, None)
        assert await pipeline.deletion_candidates(conn) == []  # no retention end: kept
        await finish_staging(conn, first, "-1 second")
        assert await pipeline.deletion_candidates(conn) == [staged]
        second = await request_staging(conn, world, package)  # someone wants it there again
        assert await pipeline.deletion_candidates(conn) == []
        await finish_staging(conn, second, "-1 second")
        assert await pipeline.schedule_deletions(conn) == [staged]
        assert await status(conn, staged) == "deletion_scheduled"
        third = await request_staging(conn, world, package)  # arrives between scheduling and claiming
        assert await pipeline.claim_deletions(conn, "deleter", limit=10) == []
        await finish_staging(conn, third, "-1 second")
        assert await pipeline.claim_deletions(conn, "deleter", limit=10) == []  # refused: it stepped aside
        await conn.execute("UPDATE physical_copy SET next_attempt_at = now() WHERE id = $1", staged)
        claimed = await pipeline.claim_deletions(conn, "deleter", limit=10)
        assert [c.item_id for c in claimed] == [staged]


async def test_a_staged_copy_is_never_the_last_copy(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, staged = await staged_only(conn, world)
        await finish_staging(conn, await request_staging(conn, world, package), "-1 hour")
        assert await pipeline.deletion_candidates(conn) == [staged]
        # the archive copy loses its verification: the staged copy may be all there is
        await conn.execute(
            "UPDATE physical_copy SET checksum_verified_at = NULL WHERE data_location_id = $1",
            world.locations["cologne_lta"],
        )
        assert await pipeline.deletion_candidates(conn) == []
        assert await pipeline.schedule_deletions(conn) == []
        # the archive copy the package was staged from is never a candidate
        assert await pipeline.deletion_candidates(conn) == []


async def test_claim_rechecks_the_rule_after_scheduling(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, ccat, cologne = await archived_package(conn, world)
        assert sorted(await pipeline.schedule_deletions(conn)) == sorted([ccat, cologne])
        # a staging job arrives between scheduling and claiming
        await request_staging(conn, world, package)
        assert await pipeline.claim_deletions(conn, "deleter", limit=10) == []
        assert await status(conn, ccat) == "deletion_scheduled"


async def test_a_buffer_at_an_archive_site_keeps_its_copy_until_its_own_archive_has_it(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, ccat, cologne = await archived_package(conn, world)  # archived at Cologne only
        us = await add_package_copy(conn, package, world.locations["us_buffer"])
        assert sorted(await pipeline.deletion_candidates(conn)) == sorted([ccat, cologne])
        await add_package_copy(conn, package, world.locations["us_lta"], verified=True)
        assert sorted(await pipeline.deletion_candidates(conn)) == sorted([ccat, cologne, us])


async def test_a_relay_sites_bundle_copy_stays_until_the_onward_leg_delivered_it(db: Database) -> None:
    world = await _world(db)
    loc, sites = world.locations, world.sites
    async with db.connection() as conn:
        await add_route(conn, "ccat_us_via_cologne", sites["ccat"], sites["us"], "relay", relay=sites["cologne"])
        bundle, at_ccat = await archived_bundle(conn, world)  # archived at Cologne, the relay site
        await transfer(conn, world, bundle, "ccat_buffer", "cologne_buffer")  # the first leg
        at_relay = await add_bundle_copy(conn, bundle, loc["cologne_buffer"])
        candidates = await pipeline.deletion_candidates(conn)
        assert at_relay not in candidates  # no onward transfer exists yet: nothing else holds it
        assert at_ccat not in candidates  # nor has the bundle reached the route's destination
        onward = await transfer(conn, world, bundle, "cologne_buffer", "us_buffer", "pending")
        assert {at_relay, at_ccat}.isdisjoint(await pipeline.deletion_candidates(conn))
        await repair(conn, "UPDATE data_transfer SET status = 'completed' WHERE id = $1", onward)
        assert {at_relay, at_ccat} <= set(await pipeline.deletion_candidates(conn))
        # an inactive route holds nothing
        await conn.execute("DELETE FROM data_transfer WHERE id = $1", onward)
        await conn.execute("UPDATE data_transfer_route SET active = false")
        assert {at_relay, at_ccat} <= set(await pipeline.deletion_candidates(conn))


async def test_the_origins_bundle_copy_stays_until_every_direct_routes_destination_has_it(db: Database) -> None:
    world = await _world(db)
    loc, sites = world.locations, world.sites
    async with db.connection() as conn:
        await add_route(conn, "ccat_cologne", sites["ccat"], sites["cologne"])
        await add_route(conn, "ccat_us", sites["ccat"], sites["us"])
        bundle, at_ccat = await archived_bundle(conn, world)  # archived at Cologne
        await transfer(conn, world, bundle, "ccat_buffer", "cologne_buffer")
        at_cologne = await add_bundle_copy(conn, bundle, loc["cologne_buffer"])
        candidates = await pipeline.deletion_candidates(conn)
        assert at_cologne in candidates  # no leg starts there
        assert at_ccat not in candidates  # the US leg does not exist yet (say its buffer was down)
        await transfer(conn, world, bundle, "ccat_buffer", "us_buffer")
        assert at_ccat in await pipeline.deletion_candidates(conn)


async def test_refused_copies_at_the_queue_head_step_aside_for_deletable_ones(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        held: list[int] = []
        for n in range(6):  # scheduled first, then held by a staging job: refused at claim time
            package, ccat, cologne = await archived_package(conn, world, name=f"held{n}")
            assert sorted(await pipeline.schedule_deletions(conn)) == sorted([ccat, cologne])
            await request_staging(conn, world, package)
            held += [ccat, cologne]
        _, ccat, cologne = await archived_package(conn, world, name="free")
        assert sorted(await pipeline.schedule_deletions(conn)) == sorted([ccat, cologne])

        claimed: list[int] = []
        for _ in range(5):  # each claim judges at most 4 due copies (12 refused ones step aside)
            claimed += [c.item_id for c in await pipeline.claim_deletions(conn, "deleter", limit=1)]
        assert sorted(claimed) == sorted([ccat, cologne])
        later = await conn.fetchval(
            "SELECT count(*) FROM physical_copy WHERE id = ANY($1::bigint[]) AND next_attempt_at > now()", held
        )
        assert later == len(held)
        assert {await status(conn, c) for c in held} == {"deletion_scheduled"}


async def test_deleting_a_package_copy_makes_its_file_copies_deletion_possible(db: Database) -> None:
    world = await _world(db)
    loc = world.locations
    async with db.connection() as conn:
        files = await add_files(conn, world, 3, location="ccat_buffer")
        package, ccat, _ = await archived_package(conn, world)
        await conn.execute("UPDATE raw_data_file SET raw_data_package_id = $1", package)
        await pipeline.schedule_deletions(conn, locations=[loc["ccat_buffer"]], limit=1)
        (c,) = await pipeline.claim_deletions(conn, "deleter", sites=["ccat"])
        assert c.item_id == ccat
        done = await work.complete(conn, c)
        file_statuses = await conn.fetch(
            "SELECT status FROM physical_copy WHERE raw_data_file_id = ANY($1::uuid[])", files
        )
        deleted_at = await conn.fetchval("SELECT deleted_at FROM physical_copy WHERE id = $1", ccat)
        # the file copies are now deletable in their turn
        scheduled = await pipeline.schedule_deletions(conn, locations=[loc["ccat_buffer"]])
    assert done.status == "deleted" and deleted_at is not None
    assert {r["status"] for r in file_statuses} == {"deletion_possible"}
    assert len(scheduled) == 3


async def test_failed_deletion_retries_then_stays_deletion_failed_until_reset(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        _, ccat, _ = await archived_package(conn, world)
        await conn.execute("UPDATE physical_copy SET max_attempts = 2 WHERE id = $1", ccat)
        await pipeline.schedule_deletions(conn, locations=[world.locations["ccat_buffer"]])
        (c,) = await pipeline.claim_deletions(conn, "deleter")
        assert (await work.fail(conn, c, "permission denied", backoff_seconds=0.001)).status == "deletion_scheduled"
        await conn.execute("UPDATE physical_copy SET next_attempt_at = now() WHERE id = $1", ccat)
        (c,) = await pipeline.claim_deletions(conn, "deleter")
        assert (await work.fail(conn, c, "permission denied")).status == "deletion_failed"
        assert await pipeline.claim_deletions(conn, "deleter") == []
        reset = await work.reset(conn, DELETION, ccat)
    assert reset.status == "deletion_scheduled"


async def test_rescheduling_a_failed_deletion_gives_it_fresh_attempts(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        _, ccat, _ = await archived_package(conn, world)
        await conn.execute("UPDATE physical_copy SET max_attempts = 1 WHERE id = $1", ccat)
        await pipeline.schedule_deletions(conn, locations=[world.locations["ccat_buffer"]])
        (c,) = await pipeline.claim_deletions(conn, "deleter")
        assert (await work.fail(conn, c, "disk busy")).status == "deletion_failed"
        await pipeline.set_copy_status(
            conn, ccat, PhysicalCopyStatus.DELETION_FAILED, PhysicalCopyStatus.DELETION_SCHEDULED
        )
        row = await conn.fetchrow("SELECT attempts, last_error FROM physical_copy WHERE id = $1", ccat)
        assert (row["attempts"], row["last_error"]) == (0, None)
        (again,) = await pipeline.claim_deletions(conn, "deleter")
        assert again.item_id == ccat and again.attempt == 1


async def test_a_package_back_to_waiting_leaves_its_bundle_and_can_be_bundled_again(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed", state="waiting", name="p")
        await add_bundle(conn, world, [package])  # state transferring, in the bundle
        await pipeline.set_package_state(conn, package, PackageState.TRANSFERRING, PackageState.WAITING)
        assert (
            await conn.fetchval("SELECT data_transfer_package_id FROM raw_data_package WHERE id = $1", package) is None
        )


async def test_operator_can_cancel_a_scheduled_deletion_but_not_skip_steps(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        _, ccat, cologne = await archived_package(conn, world)
        await pipeline.schedule_deletions(conn)
        await pipeline.set_copy_status(conn, ccat, PhysicalCopyStatus.DELETION_SCHEDULED, PhysicalCopyStatus.PRESENT)
        with pytest.raises(InvalidTransitionError, match="present -> deleted"):
            await pipeline.set_copy_status(conn, cologne, PhysicalCopyStatus.PRESENT, PhysicalCopyStatus.DELETED)
        assert await status(conn, ccat) == "present"


async def test_racing_deleters_delete_each_copy_once_and_never_an_archive_copy(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        for n in range(40):
            await archived_package(conn, world, name=f"p{n}")
        # a package whose archive copy is unverified: its buffer copies must survive
        kept, kept_ccat, kept_cologne = await archived_package(conn, world, name="unverified", verified=False)
        # and its archive copy, scheduled for deletion by hand, must survive too
        await repair(
            conn,
            "UPDATE physical_copy SET status = 'deletion_scheduled', next_attempt_at = now() "
            "WHERE raw_data_package_id = $1 AND data_location_id = $2",
            kept,
            world.locations["cologne_lta"],
        )
    claimed: list[int] = []

    async def scheduler() -> None:
        async with db.connection() as conn:
            while await pipeline.schedule_deletions(conn, limit=7):
                await anyio.lowlevel.checkpoint()

    async def deleter(name: str) -> None:
        async with db.connection() as conn:
            idle = 0
            while idle < 3:
                claims = await pipeline.claim_deletions(conn, name, limit=3)
                idle = 0 if claims else idle + 1
                for c in claims:
                    claimed.append(c.item_id)
                    await work.complete(conn, c)
                await anyio.lowlevel.checkpoint()

    async with anyio.create_task_group() as tg:
        tg.start_soon(scheduler)
        tg.start_soon(scheduler)
        for n in range(6):
            tg.start_soon(deleter, f"d{n}")
    async with db.connection() as conn:
        await pipeline.schedule_deletions(conn, limit=1000)
        for c in await pipeline.claim_deletions(conn, "sweeper", limit=1000):
            claimed.append(c.item_id)
            await work.complete(conn, c)
        archives = await conn.fetch(
            "SELECT p.id, count(c.id) FILTER (WHERE c.status = 'present' AND c.checksum_verified_at IS NOT NULL) AS ok "
            "FROM raw_data_package p LEFT JOIN physical_copy c ON c.raw_data_package_id = p.id "
            "AND c.data_location_id = $1 GROUP BY p.id",
            world.locations["cologne_lta"],
        )
        deleted = await conn.fetchval("SELECT count(*) FROM physical_copy WHERE status = 'deleted'")
        statuses = {await status(conn, kept_ccat), await status(conn, kept_cologne)}
    counts = Counter(claimed)
    assert set(counts.values()) == {1}  # exactly one winner per copy
    assert len(counts) == deleted == 80  # both buffer copies of the 40 verified packages
    assert sum(1 for a in archives if a["ok"] == 1) == 40  # every archive copy still present and verified
    assert statuses == {"present"}
    assert not any(a["id"] == kept for a in archives if a["ok"])


async def test_claim_waits_for_a_concurrent_change_to_the_archive_copy_and_sees_it(db: Database) -> None:
    """A deleter claiming while another session withdraws the archive copy's verification
    must decide on the withdrawn state, not on the snapshot its statement started with."""
    world = await _world(db)
    async with db.connection() as conn:
        _, ccat, cologne = await archived_package(conn, world)
        await pipeline.schedule_deletions(conn)
    claimed: list[work.Claim] = []
    finished = anyio.Event()

    async def deleter() -> None:
        async with db.connection() as conn:
            claimed.extend(await pipeline.claim_deletions(conn, "deleter", limit=10))
        finished.set()

    async with db.connection() as revoker, db.connection() as watcher:
        revocation = revoker.raw.transaction()
        await revocation.start()
        await revoker.execute(
            "UPDATE physical_copy SET checksum_verified_at = NULL WHERE data_location_id = $1",
            world.locations["cologne_lta"],
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(deleter)
            # until the deleter waits on the archive copy's row lock (or, were it not to lock, is done)
            with anyio.fail_after(10):
                while True:
                    waiting = await watcher.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()"
                    )
                    if waiting or finished.is_set():
                        break
                    await anyio.sleep(0.01)
            await revocation.commit()
    assert claimed == []
    async with db.connection() as conn:
        assert {await status(conn, ccat), await status(conn, cologne)} == {"deletion_scheduled"}
