"""The database re-judges deletion at every step: claim, last go/no-go, completion; evidence
operations; the open points of issue 16 about deletion."""

from __future__ import annotations

from collections.abc import Sequence

import anyio
import pytest

from opsdb import deletion, evidence, pipeline, work
from opsdb.db import Connection, Database
from opsdb.errors import ClaimLostError, DeletionRefusedError, InvalidTransitionError, NotFoundError
from opsdb.schemas.enums import PhysicalCopyStatus
from opsdb.testing import World, add_bundle, add_files, repair
from opsdb.testing import build_world as _world
from opsdb.work import WorkKind
from tests.deletion_support import (
    archived_package,
    finish_staging,
    request_staging,
    rule_world,
    staged_only,
    status,
)

pytestmark = pytest.mark.anyio

LTA = "cologne_lta"


async def _lta_copy(conn: Connection, world: World, package: int, location: str = LTA) -> int:
    copy: int = await conn.fetchval(
        "SELECT id FROM physical_copy WHERE raw_data_package_id = $1 AND data_location_id = $2",
        package,
        world.locations[location],
    )
    return copy


async def _claimed(conn: Connection, world: World, copy_id: int) -> work.Claim:
    """Schedule and claim the deletion of `copy_id` (the only one due at its location)."""
    location = await conn.fetchval("SELECT data_location_id FROM physical_copy WHERE id = $1", copy_id)
    await pipeline.schedule_deletions(conn, locations=[location], limit=1000)
    claims = await deletion.claim_deletions(conn, "deleter", limit=100, locations=[location])
    (mine,) = [c for c in claims if c.item_id == copy_id]
    return mine


async def _until_a_session_waits_on_a_lock(watcher: Connection, done: Sequence[object] = ()) -> None:
    """Return once some session of this database waits on a lock (or `done` is non-empty)."""
    with anyio.fail_after(10):
        while True:
            waiting: int = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if waiting or done:
                return
            await anyio.sleep(0.01)


async def test_the_set_based_rule_agrees_with_the_per_copy_reference(db: Database) -> None:
    """opsdb_deletable (0016) judges exactly as opsdb_copy_deletable (0009-0012) on every copy of
    a world with every rule in play."""
    await rule_world(db, blocked_files=False)
    async with db.connection() as conn:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM physical_copy ORDER BY id")]
        reference = {r["id"] for r in await conn.fetch("SELECT id FROM physical_copy WHERE opsdb_copy_deletable(id)")}
        judged = {r["d"] for r in await conn.fetch("SELECT d FROM opsdb_deletable($1::bigint[]) AS d", ids)}
        locked = {r["d"] for r in await conn.fetch("SELECT d FROM opsdb_deletable_locked($1::bigint[]) AS d", ids)}
    assert 5 < len(reference) < len(ids) - 5  # the world exercises both verdicts
    assert judged == reference == locked


async def test_completing_a_deletion_whose_backing_was_withdrawn_is_refused(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, ccat, _ = await archived_package(conn, world)
        claim = await _claimed(conn, world, ccat)
        await evidence.withdraw_verification(conn, await _lta_copy(conn, world, package))
        with pytest.raises(DeletionRefusedError, match=f"physical_copy {ccat}: deletion refused"):
            await work.complete(conn, claim)
        row = await conn.fetchrow("SELECT status, claim_token, deleted_at FROM physical_copy WHERE id = $1", ccat)
    assert (row["status"], row["claim_token"], row["deleted_at"]) == ("deletion_in_progress", claim.token, None)


async def test_confirm_says_go_and_deleting_records_the_deletion(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        _, ccat, _ = await archived_package(conn, world)
        claim = await _claimed(conn, world, ccat)
        removed = []
        async with deletion.deleting(conn, claim) as go:
            if go:
                removed.append(ccat)
        assert removed == [ccat]
        assert await status(conn, ccat) == "deleted"


async def test_confirm_refuses_after_a_withdrawal_and_puts_the_copy_back_in_the_queue(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, ccat, _ = await archived_package(conn, world)
        claim = await _claimed(conn, world, ccat)
        await evidence.mark_lost(conn, await _lta_copy(conn, world, package))
        assert await deletion.confirm_deletion(conn, claim) is False
        row = await conn.fetchrow("SELECT status, claim_token, last_error FROM physical_copy WHERE id = $1", ccat)
        with pytest.raises(ClaimLostError):  # the claim is gone with it
            await deletion.confirm_deletion(conn, claim)
    assert (row["status"], row["claim_token"]) == ("deletion_scheduled", None)
    assert "refused at confirmation" in row["last_error"]


async def test_a_withdrawal_waits_for_a_deletion_in_progress_and_follows_it(db: Database) -> None:
    """`deleting` holds the backing's locks from the go to the record: a withdrawal of the
    archive copy waits, so the copy was deleted while the archive copy was still verified."""
    world = await _world(db)
    async with db.connection() as conn:
        package, ccat, _ = await archived_package(conn, world)
        claim = await _claimed(conn, world, ccat)
        archive = await _lta_copy(conn, world, package)
    withdrawn: list[evidence.EvidenceChange] = []

    async def withdraw() -> None:
        async with db.connection() as other:
            withdrawn.append(await evidence.withdraw_verification(other, archive))

    async with db.connection() as conn, db.connection() as watcher:
        async with anyio.create_task_group() as tg, deletion.deleting(conn, claim) as go:
            assert go
            tg.start_soon(withdraw)
            await _until_a_session_waits_on_a_lock(watcher)
            assert withdrawn == []  # still waiting while the bytes go
            removed_at = await conn.fetchval("SELECT clock_timestamp()")
        deleted = await status(conn, ccat)
    assert deleted == "deleted"
    assert withdrawn and withdrawn[0].at > removed_at


async def test_confirm_waits_for_a_withdrawal_in_flight_and_sees_it(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, ccat, _ = await archived_package(conn, world)
        claim = await _claimed(conn, world, ccat)
        archive = await _lta_copy(conn, world, package)
    verdicts: list[bool] = []

    async def confirm() -> None:
        async with db.connection() as deleter:
            verdicts.append(await deletion.confirm_deletion(deleter, claim))

    async with db.connection() as withdrawer, db.connection() as watcher:
        tx = withdrawer.raw.transaction()
        await tx.start()
        await evidence.mark_corrupt(withdrawer, archive)
        async with anyio.create_task_group() as tg:
            tg.start_soon(confirm)
            await _until_a_session_waits_on_a_lock(watcher, verdicts)
            await tx.commit()
    assert verdicts == [False]


# -- issue 16: the deletion open points ------------------------------------------------------


async def test_an_abandoned_deletion_the_rule_no_longer_allows_fails_visibly(db: Database) -> None:
    """A deleter crashed mid-deletion and the backing went away since: the copy does not stay in
    deletion_in_progress forever; the next claim fails it, saying its bytes may be partly gone."""
    world = await _world(db)
    async with db.connection() as conn:
        package, ccat, _ = await archived_package(conn, world)
        await _claimed(conn, world, ccat)  # ... and the deleter dies
        await conn.execute(
            "UPDATE physical_copy SET lease_until = now() - interval '1 s', next_attempt_at = now() - interval '1 s' "
            "WHERE id = $1",
            ccat,
        )
        await evidence.withdraw_verification(conn, await _lta_copy(conn, world, package))
        assert await deletion.claim_deletions(conn, "successor", limit=10) == []
        row = await conn.fetchrow("SELECT status, claim_token, last_error FROM physical_copy WHERE id = $1", ccat)
        failed = [item.item_id for item in await work.list_failed(conn, WorkKind.PHYSICAL_COPY_DELETION)]
    assert (row["status"], row["claim_token"]) == ("deletion_failed", None)
    assert "partly removed" in row["last_error"]
    assert failed == [ccat]


async def test_completion_effects_never_revive_a_copy_being_deleted(db: Database) -> None:
    """An unpack delivering a package to a buffer where its copy is being deleted is refused
    (retried later by its daemon), instead of setting the copy back to present while the
    deleter removes its bytes."""
    world = await _world(db)
    loc = world.locations
    async with db.connection() as conn:
        package, _, cologne = await archived_package(conn, world)
        bundle = await add_bundle(conn, world, [package])
        await repair(conn, "UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package)
        await conn.execute(
            "INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id, status)"
            " VALUES ($1, $2, $3, 'completed')",
            bundle,
            loc["ccat_buffer"],
            loc["cologne_buffer"],
        )
        deleting = await _claimed(conn, world, cologne)
        (unpack,) = await work.claim(conn, WorkKind.DATA_TRANSFER_UNPACK, "unpacker")
        with pytest.raises(InvalidTransitionError):
            await work.complete(conn, unpack, verified=True)
        row = await conn.fetchrow("SELECT status, claim_token FROM physical_copy WHERE id = $1", cologne)
        unpack_status = await conn.fetchval("SELECT unpack_status FROM data_transfer WHERE id = $1", unpack.item_id)
        assert (row["status"], row["claim_token"]) == ("deletion_in_progress", deleting.token)
        assert unpack_status == "in_progress"
        await work.complete(conn, deleting)  # the deleter finishes undisturbed
        assert await status(conn, cologne) == "deleted"


async def test_a_staging_job_created_during_a_deletion_of_the_staged_copy_stops_it(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, staged = await staged_only(conn, world)
        await finish_staging(conn, await request_staging(conn, world, package), "-1 second")
        claim = await _claimed(conn, world, staged)
        await request_staging(conn, world, package)  # someone wants it there again
        with pytest.raises(DeletionRefusedError):
            await work.complete(conn, claim)
        assert await deletion.confirm_deletion(conn, claim) is False
        assert await status(conn, staged) == "deletion_scheduled"


async def test_a_staging_job_waits_for_a_deletion_holding_the_staged_copy(db: Database) -> None:
    """Created while `deleting` holds the copy, the job waits and is created after the copy is
    recorded deleted (its completion then writes the staged copy again)."""
    world = await _world(db)
    async with db.connection() as conn:
        package, staged = await staged_only(conn, world)
        await finish_staging(conn, await request_staging(conn, world, package), "-1 second")
        claim = await _claimed(conn, world, staged)
    jobs: list[int] = []

    async def stage() -> None:
        async with db.connection() as other:
            jobs.append(await request_staging(other, world, package))

    async with db.connection() as conn, db.connection() as watcher:
        async with anyio.create_task_group() as tg, deletion.deleting(conn, claim) as go:
            assert go
            tg.start_soon(stage)
            await _until_a_session_waits_on_a_lock(watcher)
            assert jobs == []
        assert await status(conn, staged) == "deleted"
    assert len(jobs) == 1


# -- evidence operations ---------------------------------------------------------------------


async def test_evidence_operations_are_guarded_and_recorded(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package, ccat, cologne = await archived_package(conn, world)
        archive = await _lta_copy(conn, world, package)
        change = await evidence.withdraw_verification(conn, archive)
        with pytest.raises(InvalidTransitionError, match="checksum verification"):
            await evidence.withdraw_verification(conn, archive)
        lost = await evidence.mark_lost(conn, ccat)
        with pytest.raises(InvalidTransitionError, match="lost -> lost"):
            await evidence.mark_lost(conn, ccat)
        corrupt = await evidence.mark_corrupt(conn, cologne)
        with pytest.raises(NotFoundError):
            await evidence.mark_corrupt(conn, 10**9)
        history = await conn.fetch(
            "SELECT item_id, column_name, from_state, to_state FROM state_history "
            "WHERE table_name = 'physical_copy' AND from_state IS NOT NULL ORDER BY id"
        )
        verified = await conn.fetchval("SELECT checksum_verified_at FROM physical_copy WHERE id = $1", archive)
    assert (lost.previous, corrupt.previous) == ("present", "present")
    assert change.at >= lost.at.replace(year=2000) and verified is None
    assert [tuple(r) for r in history] == [
        (str(archive), "checksum_verified_at", "verified", "unverified"),
        (str(ccat), "status", "present", "lost"),
        (str(cologne), "status", "present", "corrupt"),
    ]


async def test_a_copy_lost_mid_deletion_tells_the_deleter(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        _, ccat, _ = await archived_package(conn, world)
        claim = await _claimed(conn, world, ccat)
        with pytest.raises(InvalidTransitionError, match="deletion_in_progress -> corrupt"):
            await evidence.mark_corrupt(conn, ccat)
        await evidence.mark_lost(conn, ccat)
        with pytest.raises(ClaimLostError, match="now lost"):
            await work.complete(conn, claim)
        assert await status(conn, ccat) == "lost"


# -- the file-copy queue ---------------------------------------------------------------------


async def test_file_copies_come_from_the_queue_and_return_to_it_when_a_deletion_is_cancelled(
    db: Database,
) -> None:
    world = await _world(db)
    loc = world.locations
    async with db.connection() as conn:
        files = await add_files(conn, world, 4, location="ccat_source")
        package, _, _ = await archived_package(conn, world, state="waiting")
        await repair(
            conn, "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = ANY($2::uuid[])", package, files
        )
        assert await conn.fetchval("SELECT count(*) FROM deletion_file_queue") == 0  # not archived yet
        await conn.execute("UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package)
        queued = await conn.fetch("SELECT raw_data_package_id, data_location_id FROM deletion_file_queue")
        assert [tuple(r) for r in queued] == [(package, loc["ccat_source"])]
        scheduled = await pipeline.schedule_deletions(conn, locations=[loc["ccat_source"]])
        assert len(scheduled) == 4
        assert await pipeline.schedule_deletions(conn, locations=[loc["ccat_source"]]) == []  # pair settled
        assert await conn.fetchval("SELECT count(*) FROM deletion_file_queue") == 0
        await pipeline.set_copy_status(
            conn, scheduled[0], PhysicalCopyStatus.DELETION_SCHEDULED, PhysicalCopyStatus.PRESENT
        )
        assert await pipeline.deletion_candidates(conn, locations=[loc["ccat_source"]]) == [scheduled[0]]
