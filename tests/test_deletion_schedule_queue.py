"""Migration 0029: every file copy the safe-deletion rule allows is queued, whatever the order.

A file copy is scheduled only through its (package, location) pair in deletion_file_queue. 0028
left three ways for an allowed copy to stay out of the queue for ever (kept, never deleted wrongly,
never scheduled either):

* a file packaged into an archived package while a schedule holds (or is about to take) the pair:
  its queueing INSERT ... ON CONFLICT DO NOTHING neither waited for the schedule's lock nor kept
  the pair, and the schedule, which could not see the uncommitted file, settled the pair;
* a file packaged into a package while that package is archived (each side's trigger ran on a
  snapshot without the other's change);
* a file copy back to present while its package is archived (the same), or while its file is
  packaged into an archived package (the same).

Each race is run in both orders; after it, the queue holds every pair the rule may need (checked in
SQL) and the schedules that follow schedule every allowed copy and nothing the rule forbids.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

import anyio
import pytest

from opsdb import deletion
from opsdb.db import Connection, Database
from opsdb.testing import World, add_files, add_package_copy, add_packages
from opsdb.testing import build_world as _world
from tests.test_deletion_guard import _until_a_session_waits_on_a_lock

pytestmark = pytest.mark.anyio

# present file copies at source and buffer locations of archived packages whose pair is not queued
UNQUEUED = """
SELECT c.id FROM physical_copy c
JOIN raw_data_file f ON f.id = c.raw_data_file_id
JOIN raw_data_package p ON p.id = f.raw_data_package_id AND p.state = 'archived'
JOIN data_location l ON l.id = c.data_location_id AND l.location_type IN ('source', 'buffer')
WHERE c.type = 'raw_data_file' AND c.status IN ('present', 'deletion_possible')
  AND NOT EXISTS (SELECT 1 FROM deletion_file_queue q
                  WHERE q.raw_data_package_id = p.id AND q.data_location_id = c.data_location_id)
ORDER BY c.id
"""
# copies scheduled that the rule does not allow
FORBIDDEN = """
SELECT c.id FROM physical_copy c
WHERE c.status = 'deletion_scheduled'
  AND c.id NOT IN (SELECT opsdb_deletable(ARRAY(SELECT id FROM physical_copy WHERE status = 'deletion_scheduled')))
"""


async def _package(conn: Connection, world: World, name: str, *, state: str, verified: bool = True) -> int:
    """A built package with a (verified) copy at Cologne's archive, in `state`."""
    (package,) = await add_packages(conn, world, 1, status="completed", state=state, name=name)
    await add_package_copy(conn, package, world.locations["cologne_lta"], verified=verified)
    return package


async def _loose_file(conn: Connection, world: World, name: str, location: str = "ccat_source") -> tuple[UUID, int]:
    """An unpackaged file with a present copy at `location`: (file, copy)."""
    (file,) = await add_files(conn, world, 1, location=location, size=7, prefix=name)
    copy: int = await conn.fetchval("SELECT id FROM physical_copy WHERE raw_data_file_id = $1", file)
    return file, copy


async def _pack(conn: Connection, package: int, files: list[UUID]) -> None:
    await conn.execute("UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = ANY($2::uuid[])", package, files)


async def _archive(conn: Connection, package: int) -> None:
    await conn.execute("UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package)


async def _drain(db: Database) -> list[int]:
    """Schedule until a schedule finds nothing; every copy scheduled."""
    found: list[int] = []
    async with db.connection() as conn:
        for _ in range(10):
            batch = await deletion.schedule_deletions(conn, limit=1000)
            if not batch:
                break
            found += batch
        assert await conn.fetch(FORBIDDEN) == []
    return sorted(found)


async def _unqueued(db: Database) -> list[int]:
    async with db.connection() as conn:
        return [r["id"] for r in await conn.fetch(UNQUEUED)]


async def _race(
    db: Database, first: Callable[[Connection], Awaitable[None]], second: Callable[[Connection], Awaitable[None]]
) -> None:
    """`first` in an open transaction, then `second` in another (it may wait for the first's
    locks); the first commits once the second is done or waits on a lock, then the second."""
    done: list[object] = []

    async def run_second(conn: Connection) -> None:
        async with conn.transaction():
            await second(conn)
        done.append(True)

    async with db.connection() as one, db.connection() as two, db.connection() as watcher:
        async with anyio.create_task_group() as tg, one.transaction():
            await first(one)
            tg.start_soon(run_second, two)
            await _until_a_session_waits_on_a_lock(watcher, done)
        assert done


# -- a file packaged into an archived package, against a schedule ------------------------------------


async def test_a_file_packaged_before_a_schedule_settles_its_pair_is_scheduled(db: Database) -> None:
    """The packaging's queueing runs before the schedule takes the pair and commits after the
    schedule's walk: 0028's schedule settled the pair without the new file's copy."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        files = await add_files(conn, world, 3, location="ccat_source", size=5, prefix="old")
        await _pack(conn, package, files)
        rows = await conn.fetch("SELECT id FROM physical_copy WHERE raw_data_file_id = ANY($1::uuid[])", files)
        old = [r["id"] for r in rows]
        new_file, new_copy = await _loose_file(conn, world, "late")

    async with db.connection() as packager, db.connection() as scheduler, packager.transaction():
        await _pack(packager, package, [new_file])
        with anyio.fail_after(10):  # never waits for the packager
            await deletion.schedule_deletions(scheduler, limit=1000)
    assert await _unqueued(db) == []
    scheduled = await _drain(db)
    async with db.connection() as conn:
        status = await conn.fetchval("SELECT status FROM physical_copy WHERE id = $1", new_copy)
        assert status == "deletion_scheduled"
        assert await conn.fetchval("SELECT count(*) FROM deletion_file_queue") == 0
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM physical_copy WHERE id = ANY($1::bigint[]) AND status = 'deletion_scheduled'", old
            )
            == 3
        )
    assert new_copy in scheduled


async def test_a_file_packaged_while_a_schedule_holds_its_pair_is_scheduled(db: Database) -> None:
    """The schedule has walked and settled the pair, uncommitted: the packaging's queueing waits
    for it and queues the pair again."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        files = await add_files(conn, world, 2, location="ccat_source", size=5, prefix="old")
        await _pack(conn, package, files)
        new_file, new_copy = await _loose_file(conn, world, "late")

    async def schedule(conn: Connection) -> None:
        assert len(await deletion.schedule_deletions(conn, limit=1000)) == 2

    async def pack(conn: Connection) -> None:
        await _pack(conn, package, [new_file])

    await _race(db, schedule, pack)
    assert await _unqueued(db) == []
    assert await _drain(db) == [new_copy]


async def test_a_file_packaged_while_a_schedule_holds_an_unfinished_pair_is_scheduled(db: Database) -> None:
    """The schedule's limit cuts the pair (it stays queued): the late file is scheduled later."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        files = await add_files(conn, world, 4, location="ccat_source", size=5, prefix="old")
        await _pack(conn, package, files)
        new_file, new_copy = await _loose_file(conn, world, "late")

    async def schedule(conn: Connection) -> None:
        assert len(await deletion.schedule_deletions(conn, limit=2)) == 2

    async def pack(conn: Connection) -> None:
        await _pack(conn, package, [new_file])

    await _race(db, schedule, pack)
    assert await _unqueued(db) == []
    assert new_copy in await _drain(db)


# -- a file packaged into a package being archived ---------------------------------------------------


@pytest.mark.parametrize("archive_first", [True, False])
async def test_a_file_packaged_while_its_package_is_archived_is_scheduled(db: Database, archive_first: bool) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="waiting")
        file, copy = await _loose_file(conn, world, "f")

    async def archive(conn: Connection) -> None:
        await _archive(conn, package)

    async def pack(conn: Connection) -> None:
        await _pack(conn, package, [file])

    if archive_first:
        await _race(db, archive, pack)
    else:
        await _race(db, pack, archive)
    assert await _unqueued(db) == []
    assert await _drain(db) == [copy]


# -- a file copy back to present while its package is archived ----------------------------------------


@pytest.mark.parametrize("archive_first", [True, False])
async def test_a_copy_back_to_present_while_its_package_is_archived_is_scheduled(
    db: Database, archive_first: bool
) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="waiting")
        file, copy = await _loose_file(conn, world, "f")
        await _pack(conn, package, [file])
        # an operator's schedule by hand (the rule is judged at the claim, which refuses it)
        await conn.execute("UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = $1", copy)

    async def archive(conn: Connection) -> None:
        await _archive(conn, package)

    async def cancel(conn: Connection) -> None:
        await conn.execute("UPDATE physical_copy SET status = 'present' WHERE id = $1", copy)

    if archive_first:
        await _race(db, archive, cancel)
    else:
        await _race(db, cancel, archive)
    assert await _unqueued(db) == []
    assert await _drain(db) == [copy]


# -- a file copy back to present while its file is packaged into an archived package -------------------


@pytest.mark.parametrize("pack_first", [True, False])
async def test_a_copy_back_to_present_while_its_file_is_packaged_is_scheduled(db: Database, pack_first: bool) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        file, copy = await _loose_file(conn, world, "f")
        await conn.execute("UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = $1", copy)

    async def pack(conn: Connection) -> None:
        await _pack(conn, package, [file])

    async def cancel(conn: Connection) -> None:
        await conn.execute("UPDATE physical_copy SET status = 'present' WHERE id = $1", copy)

    if pack_first:
        await _race(db, pack, cancel)
    else:
        await _race(db, cancel, pack)
    assert await _unqueued(db) == []
    assert await _drain(db) == [copy]


# -- the rule still decides -----------------------------------------------------------------------------


async def test_queued_pairs_the_rule_forbids_are_never_scheduled(db: Database) -> None:
    """Files packaged into an archived package without a verified archive copy: queued, never
    scheduled, still queued; once verified, scheduled."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived", verified=False)
        file, copy = await _loose_file(conn, world, "f")
        await _pack(conn, package, [file])
        assert await conn.fetchval("SELECT count(*) FROM deletion_file_queue") == 1
    assert await _drain(db) == []
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM deletion_file_queue") == 1
        await conn.execute(
            "UPDATE physical_copy SET checksum_verified_at = now() WHERE raw_data_package_id = $1", package
        )
    assert await _drain(db) == [copy]


# -- a copy inserted for a file already in an archived package (0033; races: test_deletion_queue_inserts.py) --


async def test_a_copy_registered_for_a_file_of_an_archived_package_is_scheduled(db: Database) -> None:
    """A copy INSERTed by hand for a file whose package was archived (as registration_classify_existing
    inserts an identical re-sent file's copy at a second location): its pair is queued."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        file, copy = await _loose_file(conn, world, "f")
        await _pack(conn, package, [file])
        assert await _drain(db) == [copy]
        late: int = await conn.fetchval(
            "INSERT INTO physical_copy (type, raw_data_file_id, data_location_id) VALUES ('raw_data_file', $1, $2)"
            " RETURNING id",
            file,
            world.locations["ccat_buffer"],
        )
    assert await _unqueued(db) == []
    assert await _drain(db) == [late]
