"""Migration 0033: a file copy INSERTed present for a file of an archived package is queued.

Before 0033 nothing queued the (package, location) pair of a copy inserted (not updated) present at a
source or buffer location: an identical file re-sent at a second location, `create_copy`, an INSERT
by hand. The copy was kept for ever (safe, never scheduled). The reference check of new copies now
also counts the files that need a look (packaged, or not inserted with their copy); a registration of
new files counts none, takes no lock and queues nothing.

The races are run in both orders against an archiving, a packaging and a schedule; after each, the
queue holds every pair the rule may need (checked in SQL: no allowed present copy without its queued
pair) and the schedules that follow schedule the copy and nothing the rule forbids.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import anyio
import pytest

from opsdb import deletion
from opsdb.db import Connection, Database
from opsdb.registration import register_files
from opsdb.testing import EPOCH, World, add_files
from opsdb.testing import build_world as _world
from tests.test_copies import copy_input
from tests.test_deletion_schedule_queue import _archive, _drain, _loose_file, _pack, _package, _race, _unqueued

pytestmark = pytest.mark.anyio

INSERT_COPY = (
    "INSERT INTO physical_copy (type, raw_data_file_id, data_location_id) VALUES ('raw_data_file', $1, $2) RETURNING id"
)


def _records(world: World, count: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "instrument_module_id": world.module_id,
            "executed_obs_unit_id": world.execution_id,
            "name": f"{prefix}_{n}.fits",
            "relative_path": f"{prefix}/{prefix}_{n}.fits",
            "size_bytes": 1000 + n,
            "checksum_algorithm": "xxh64",
            "checksum": f"{n:016x}",
            "file_type": "fits",
            "file_created_at": EPOCH + timedelta(milliseconds=n),
        }
        for n in range(count)
    ]


async def _files_of(conn: Connection, prefix: str) -> list[UUID]:
    rows = await conn.fetch("SELECT id FROM raw_data_file WHERE relative_path LIKE $1 || '/%' ORDER BY id", prefix)
    return [r["id"] for r in rows]


async def _copies(conn: Connection, files: list[UUID], location: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT id FROM physical_copy WHERE raw_data_file_id = ANY($1::uuid[]) AND data_location_id = $2 ORDER BY id",
        files,
        location,
    )
    return [r["id"] for r in rows]


# -- the registration of new files: nothing more ------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1000, 7])
async def test_registering_new_files_locks_no_file_and_queues_nothing(db: Database, batch_size: int) -> None:
    """New files with their copies (COPY in a savepoint; the staging path when a batch is cut) need
    no look: no file row is locked (a FOR SHARE would leave its xmax), nothing is queued."""
    world = await _world(db)
    async with db.connection() as conn:
        archived = await _package(conn, world, "p", state="archived")  # an archived package exists
        assert await conn.fetchval("SELECT count(*) FROM deletion_file_queue") == 0
    report = await register_files(db, world.locations["ccat_source"], _records(world, 40, "new"), batch_size=batch_size)
    assert report.new == 40
    async with db.connection() as conn:
        files = await _files_of(conn, "new")
        assert len(files) == 40
        locked = await conn.fetchval(
            "SELECT count(*) FROM raw_data_file WHERE id = ANY($1::uuid[]) AND xmax <> '0'::xid", files
        )
        assert locked == 0
        assert await conn.fetchval("SELECT count(*) FROM deletion_file_queue") == 0
        assert archived


async def test_a_file_inserted_with_its_copy_in_one_transaction_is_not_locked(db: Database) -> None:
    """By hand, a file and its copy in one transaction (two statements): the file is this
    transaction's own (nobody else can package it), so it is not locked."""
    world = await _world(db)
    async with db.connection() as conn, conn.transaction():
        (file,) = await add_files(conn, world, 1, location="ccat_source", prefix="own")
        assert await conn.fetchval("SELECT xmax FROM raw_data_file WHERE id = $1", file) == 0


# -- the paths that insert a copy of an existing file ---------------------------------------------------


async def test_an_identical_file_re_sent_at_a_second_location_is_scheduled(db: Database) -> None:
    """registration_classify_existing gives the re-sent identical file a present copy at the second
    location: its pair is queued and the copy is scheduled (the first copy was, before)."""
    world = await _world(db)
    records = _records(world, 3, "resent")
    await register_files(db, world.locations["ccat_source"], records)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        files = await _files_of(conn, "resent")
        await _pack(conn, package, files)
        first = await _copies(conn, files, world.locations["ccat_source"])
    assert await _drain(db) == first
    report = await register_files(db, world.locations["ccat_buffer"], records)
    assert report.existing == 3
    async with db.connection() as conn:
        second = await _copies(conn, files, world.locations["ccat_buffer"])
        assert len(second) == 3
        assert await conn.fetchval(
            "SELECT count(*) FROM deletion_file_queue WHERE raw_data_package_id = $1 AND data_location_id = $2",
            package,
            world.locations["ccat_buffer"],
        )
    assert await _unqueued(db) == []
    assert await _drain(db) == second


async def test_a_copy_created_through_the_repository_is_scheduled(db: Database) -> None:
    """create_copy (PhysicalCopyRepository) of a file of an archived package at a buffer."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        file, copy = await _loose_file(conn, world, "f")
        await _pack(conn, package, [file])
    assert await _drain(db) == [copy]
    async with db.transaction() as uow:
        late = await uow.copies.create_copy(copy_input("raw_data_file", file, world.locations["cologne_buffer"]))
    assert await _unqueued(db) == []
    assert await _drain(db) == [late.id]


async def test_a_copy_of_a_file_of_a_package_not_archived_waits_for_the_archiving(db: Database) -> None:
    """Inserted while the package waits: nothing queued then; the archiving queues it."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="waiting")
        file, copy = await _loose_file(conn, world, "f")
        await _pack(conn, package, [file])
        late: int = await conn.fetchval(INSERT_COPY, file, world.locations["ccat_buffer"])
        assert await conn.fetchval("SELECT count(*) FROM deletion_file_queue") == 0
        await _archive(conn, package)
    assert await _unqueued(db) == []
    assert await _drain(db) == sorted([copy, late])


async def test_copies_the_rule_never_allows_are_not_queued(db: Database) -> None:
    """A copy at a long-term archive, or a copy lost: no pair."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        file, copy = await _loose_file(conn, world, "f")
        await _pack(conn, package, [file])
        assert await _drain(db) == [copy]
        await conn.execute(
            "INSERT INTO physical_copy (type, raw_data_file_id, data_location_id, status)"
            " VALUES ('raw_data_file', $1, $2, 'present'), ('raw_data_file', $1, $3, 'lost')",
            file,
            world.locations["cologne_lta"],
            world.locations["cologne_buffer"],
        )
        assert await conn.fetchval("SELECT count(*) FROM deletion_file_queue") == 0


# -- races: an insert against an archiving, a packaging, a schedule ---------------------------------------


@pytest.mark.parametrize("archive_first", [True, False])
async def test_a_copy_inserted_while_its_package_is_archived_is_scheduled(db: Database, archive_first: bool) -> None:
    """The insert saw the package waiting, the archiving's queueing did not see the uncommitted copy:
    the insert locks the package FOR SHARE, so one waits for the other and sees it."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="waiting")
        file, copy = await _loose_file(conn, world, "f")
        await _pack(conn, package, [file])
    late: list[int] = []

    async def archive(conn: Connection) -> None:
        await _archive(conn, package)

    async def insert(conn: Connection) -> None:
        late.append(await conn.fetchval(INSERT_COPY, file, world.locations["ccat_buffer"]))

    if archive_first:
        await _race(db, archive, insert)
    else:
        await _race(db, insert, archive)
    assert await _unqueued(db) == []
    assert await _drain(db) == sorted([copy, *late])


@pytest.mark.parametrize("pack_first", [True, False])
async def test_a_copy_inserted_while_its_file_is_packaged_is_scheduled(db: Database, pack_first: bool) -> None:
    """The insert saw the file unpackaged, the packaging's queueing did not see the uncommitted copy
    (the owner files into an archived package): the insert locks the file FOR SHARE."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        file, copy = await _loose_file(conn, world, "f")
    late: list[int] = []

    async def pack(conn: Connection) -> None:
        await _pack(conn, package, [file])

    async def insert(conn: Connection) -> None:
        late.append(await conn.fetchval(INSERT_COPY, file, world.locations["ccat_buffer"]))

    if pack_first:
        await _race(db, pack, insert)
    else:
        await _race(db, insert, pack)
    assert await _unqueued(db) == []
    assert await _drain(db) == sorted([copy, *late])


@pytest.mark.parametrize("pack_first", [True, False])
async def test_a_copy_inserted_while_its_file_is_packaged_and_archived_is_scheduled(
    db: Database, pack_first: bool
) -> None:
    """Packaged into a waiting package, then archived, in one transaction racing the insert."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="waiting")
        file, copy = await _loose_file(conn, world, "f")
    late: list[int] = []

    async def pack_and_archive(conn: Connection) -> None:
        await _pack(conn, package, [file])
        await _archive(conn, package)

    async def insert(conn: Connection) -> None:
        late.append(await conn.fetchval(INSERT_COPY, file, world.locations["ccat_buffer"]))

    if pack_first:
        await _race(db, pack_and_archive, insert)
    else:
        await _race(db, insert, pack_and_archive)
    assert await _unqueued(db) == []
    assert await _drain(db) == sorted([copy, *late])


async def test_a_copy_inserted_while_a_schedule_holds_its_pair_is_scheduled(db: Database) -> None:
    """The schedule walked and settled the pair (uncommitted): the insert's queueing waits for it
    and queues the pair again."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        files = await add_files(conn, world, 2, location="ccat_buffer", size=5, prefix="old")
        await _pack(conn, package, files)
        file, copy = await _loose_file(conn, world, "f")
        await _pack(conn, package, [file])
        assert await _drain(db) == sorted([copy, *await _copies(conn, files, world.locations["ccat_buffer"])])
        # the pair (package, ccat_buffer) queued again with a present copy to schedule
        await conn.execute(
            "UPDATE physical_copy SET status = 'present' WHERE raw_data_file_id = ANY($1::uuid[])", files
        )
    late: list[int] = []

    async def schedule(conn: Connection) -> None:
        assert len(await deletion.schedule_deletions(conn, limit=1000)) == 2

    async def insert(conn: Connection) -> None:
        late.append(await conn.fetchval(INSERT_COPY, file, world.locations["ccat_buffer"]))

    await _race(db, schedule, insert)
    assert await _unqueued(db) == []
    assert await _drain(db) == late


async def test_a_copy_inserted_before_a_schedule_settles_its_pair_is_scheduled(db: Database) -> None:
    """The insert's queueing finds the pair queued and holds it (ON CONFLICT DO UPDATE) until it
    commits: the schedule, which cannot see the uncommitted copy, skips the pair instead of settling
    it without the copy (what an ON CONFLICT DO NOTHING would let it do)."""
    world = await _world(db)
    async with db.connection() as conn:
        package = await _package(conn, world, "p", state="archived")
        file, copy = await _loose_file(conn, world, "f")
        await _pack(conn, package, [file])
        assert await _drain(db) == [copy]
        files = await add_files(conn, world, 2, location="ccat_buffer", size=5, prefix="old")
        await _pack(conn, package, files)  # the pair (package, ccat_buffer) queued
        old = await _copies(conn, files, world.locations["ccat_buffer"])

    async with db.connection() as inserter, db.connection() as scheduler, inserter.transaction():
        late: int = await inserter.fetchval(INSERT_COPY, file, world.locations["ccat_buffer"])
        with anyio.fail_after(10):  # never waits for the insert
            await deletion.schedule_deletions(scheduler, limit=1000)
    assert await _unqueued(db) == []
    assert late in await _drain(db)
    async with db.connection() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM physical_copy WHERE id = ANY($1::bigint[]) AND status = 'deletion_scheduled'",
                [*old, late],
            )
            == 3
        )
