"""Deleters racing evidence withdrawal, and claimers racing each other over overlapping
locations: no copy deleted without verified backing at that moment, no deadlock."""

from __future__ import annotations

import random
from collections import Counter

import anyio
import anyio.lowlevel
import pytest

from opsdb import deletion, evidence, work
from opsdb.db import Connection, Database
from opsdb.errors import InvalidTransitionError
from opsdb.testing import World, add_package_copy, add_packages, repair
from opsdb.testing import build_world as _world
from opsdb.work import WorkKind

pytestmark = pytest.mark.anyio


async def _packages(conn: Connection, world: World, count: int, archives: list[str], buffers: list[str]) -> None:
    """`count` archived packages, each verified at `archives`, with verified copies at `buffers`."""
    packages = await add_packages(conn, world, count, status="completed", state="archived", name="race")
    for package in packages:
        for location in archives + buffers:
            await add_package_copy(conn, package, world.locations[location], verified=True)


async def test_deleters_racing_withdrawals_never_delete_a_copy_without_verified_backing(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        await _packages(conn, world, 24, ["cologne_lta"], ["ccat_buffer", "cologne_buffer"])
        await _packages_named(conn, world, 8)
        await conn.execute("CREATE TABLE race_removed (copy_id bigint PRIMARY KEY, at timestamptz NOT NULL)")
        await conn.execute("CREATE TABLE race_withdrawn (copy_id bigint, at timestamptz NOT NULL)")
        archives = [
            r["id"]
            for r in await conn.fetch(
                "SELECT c.id FROM physical_copy c JOIN data_location l ON l.id = c.data_location_id "
                "WHERE l.location_type = 'long_term_archive' ORDER BY c.id"
            )
        ]
    rng = random.Random(1234)
    targets = rng.sample(archives, len(archives) * 2 // 3)
    stop = anyio.Event()

    async def scheduler() -> None:
        async with db.connection() as conn:
            while not stop.is_set():
                await deletion.schedule_deletions(conn, limit=5)
                await anyio.lowlevel.checkpoint()

    async def deleter(name: str) -> None:
        async with db.connection() as conn:
            while not stop.is_set():
                for claim in await deletion.claim_deletions(conn, name, limit=2):
                    async with deletion.deleting(conn, claim) as go:
                        if go:  # the bytes go now, inside the block that holds the rule's locks
                            await conn.execute("INSERT INTO race_removed VALUES ($1, clock_timestamp())", claim.item_id)
                await anyio.lowlevel.checkpoint()

    async def withdrawer(mine: list[int]) -> None:
        async with db.connection() as conn:
            for copy in mine:
                operation = rng.choice([evidence.withdraw_verification, evidence.mark_lost, evidence.mark_corrupt])
                try:
                    change = await operation(conn, copy)
                except InvalidTransitionError:
                    continue
                await conn.execute("INSERT INTO race_withdrawn VALUES ($1, $2)", copy, change.at)
                await anyio.sleep(rng.uniform(0, 0.01))

    async with anyio.create_task_group() as tg:
        tg.start_soon(scheduler)
        for n in range(6):
            tg.start_soon(deleter, f"d{n}")
        async with anyio.create_task_group() as withdrawers:
            for n in range(3):
                withdrawers.start_soon(withdrawer, targets[n::3])
        await anyio.sleep(0.5)
        stop.set()

    async with db.connection() as conn:
        # every copy removed was recorded deleted, and nothing was recorded deleted unremoved
        mismatched = await conn.fetchval(
            "SELECT count(*) FROM physical_copy c FULL JOIN race_removed r ON r.copy_id = c.id "
            "WHERE (c.status = 'deleted') IS DISTINCT FROM (r.copy_id IS NOT NULL)"
        )
        # at its removal, each deleted copy's package had an archive copy not yet withdrawn
        unbacked = await conn.fetch(
            "SELECT r.copy_id FROM race_removed r JOIN physical_copy c ON c.id = r.copy_id "
            "WHERE NOT EXISTS ("
            "  SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id "
            "  WHERE al.location_type = 'long_term_archive' AND a.raw_data_package_id = c.raw_data_package_id "
            "    AND NOT EXISTS (SELECT 1 FROM race_withdrawn w WHERE w.copy_id = a.id AND w.at <= r.at))"
        )
        # no package went from some verified copy to none through a deletion: those left without
        # one lost their last verified copy to a withdrawal after every deletion of theirs
        orphaned = await conn.fetchval(
            "SELECT count(*) FROM raw_data_package p "
            "WHERE NOT EXISTS (SELECT 1 FROM physical_copy c WHERE c.raw_data_package_id = p.id "
            "                  AND c.status = 'present' AND c.checksum_verified_at IS NOT NULL) "
            "  AND EXISTS (SELECT 1 FROM physical_copy c JOIN race_removed r ON r.copy_id = c.id "
            "              WHERE c.raw_data_package_id = p.id AND r.at >= ALL ("
            "                  SELECT w.at FROM race_withdrawn w JOIN physical_copy a ON a.id = w.copy_id "
            "                  WHERE a.raw_data_package_id = p.id))"
        )
        removed = await conn.fetchval("SELECT count(*) FROM race_removed")
        withdrawn = await conn.fetchval("SELECT count(DISTINCT copy_id) FROM race_withdrawn")
        kept = await conn.fetchval(
            "SELECT count(*) FROM physical_copy c JOIN data_location l ON l.id = c.data_location_id "
            "WHERE l.location_type = 'buffer' AND c.status <> 'deleted'"
        )
    assert mismatched == 0
    assert unbacked == []
    assert orphaned == 0
    assert removed > 0 and withdrawn > 0 and kept > 0  # the race had both outcomes


async def _packages_named(conn: Connection, world: World, count: int) -> None:
    """Packages backed at two archive sites (one withdrawal leaves the other)."""
    packages = await add_packages(conn, world, count, status="completed", state="archived", name="twice")
    for package in packages:
        for location in ("cologne_lta", "us_lta", "ccat_buffer", "cologne_buffer", "us_buffer"):
            await add_package_copy(conn, package, world.locations[location], verified=True)


async def test_claimers_over_overlapping_locations_never_deadlock(db: Database) -> None:
    """Archive copies scheduled by hand sit in the deletion queue beside the buffer copies
    whose verdict locks them. Claims lock only non-archive copies as work and the archive copies FOR SHARE in id
    order, so concurrent claimers over overlapping sites never deadlock (not even retried)."""
    world = await _world(db)
    async with db.connection() as conn:
        await _packages_named(conn, world, 40)
        await deletion.schedule_deletions(conn, limit=10_000)
        # the US archive copies scheduled by hand (Cologne's still back every deletion), and every
        # scheduled copy due at a random moment of the last minute: archive and buffer copies interleave
        await repair(
            conn,
            "UPDATE physical_copy SET status = 'deletion_scheduled' WHERE data_location_id = $1",
            world.locations["us_lta"],
        )
        await conn.execute(
            "UPDATE physical_copy SET next_attempt_at = now() - random() * interval '1 minute' "
            "WHERE status = 'deletion_scheduled'"
        )
        buffers = await conn.fetchval(
            "SELECT count(*) FROM physical_copy WHERE data_location_id = ANY($1::bigint[])",
            [world.locations["ccat_buffer"], world.locations["cologne_buffer"]],
        )
        deadlocks_before = await conn.fetchval(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        )
    claimed: list[int] = []

    async def claimer(racers: Database, name: str, sites: list[str] | None, generic: bool) -> None:
        async with racers.connection() as conn:
            idle = 0
            while idle < 3:
                if generic:
                    claims = await work.claim(conn, WorkKind.PHYSICAL_COPY_DELETION, name, 3, sites=sites)
                else:
                    claims = await deletion.claim_deletions(conn, name, limit=3, sites=sites)
                idle = 0 if claims else idle + 1
                for c in claims:
                    claimed.append(c.item_id)
                    await work.complete(conn, c)
                await anyio.lowlevel.checkpoint()

    site_sets = [["ccat", "cologne"], ["cologne", "us"], ["us", "ccat"], None]
    # the claimers' own pool: closing it ends their backends, which flushes their statistics
    async with await Database.connect(db.dsn, min_size=1, max_size=8) as racers, anyio.create_task_group() as tg:
        for n in range(8):
            tg.start_soon(claimer, racers, f"c{n}", site_sets[n % 4], n % 4 == 3)
    await anyio.sleep(0.5)
    async with db.connection() as conn:
        archive_statuses = {
            r["status"]
            for r in await conn.fetch(
                "SELECT c.status FROM physical_copy c JOIN data_location l ON l.id = c.data_location_id "
                "WHERE l.location_type = 'long_term_archive'"
            )
        }
        deleted = await conn.fetchval("SELECT count(*) FROM physical_copy WHERE status = 'deleted'")
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        deadlocks_after = await conn.fetchval(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        )
    assert set(Counter(claimed).values()) == {1}
    assert deleted == len(claimed) == buffers
    assert archive_statuses == {"deletion_scheduled", "present"}  # archive copies are never claimed
    assert deadlocks_after == deadlocks_before
