"""Builders of the deletion tests' worlds: archived packages, bundles, staging, transfers, and
`rule_world`, the world with every part of the safe-deletion rule in play. Plain SQL through
`opsdb.testing`, except a staging request, made as the portal makes it."""

from __future__ import annotations

from dataclasses import dataclass

from opsdb import pipeline
from opsdb.db import Connection, Database
from opsdb.testing import (
    World,
    add_bundle,
    add_bundle_copy,
    add_files,
    add_package_copy,
    add_packages,
    add_route,
    build_world,
    repair,
)


async def archived_package(
    conn: Connection, world: World, *, name: str = "pkg", verified: bool = True, state: str = "archived"
) -> tuple[int, int, int]:
    """A package archived at Cologne (LTA copy), with copies at the ccat and Cologne buffers."""
    (package,) = await add_packages(conn, world, 1, status="completed", state=state, name=name)
    await add_package_copy(conn, package, world.locations["cologne_lta"], verified=verified)
    ccat = await add_package_copy(conn, package, world.locations["ccat_buffer"])
    cologne = await add_package_copy(conn, package, world.locations["cologne_buffer"])
    return package, ccat, cologne


async def status(conn: Connection, copy_id: int) -> str:
    status: str = await conn.fetchval("SELECT status FROM physical_copy WHERE id = $1", copy_id)
    return status


async def transfer(
    conn: Connection, world: World, bundle: int, origin: str, destination: str, status: str = "completed"
) -> int:
    """A transfer of `bundle` (its unpack in the same status)."""
    return int(
        await conn.fetchval(
            "INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id,"
            " status, unpack_status) VALUES ($1, $2, $3, $4, $4) RETURNING id",
            bundle,
            world.locations[origin],
            world.locations[destination],
            status,
        )
    )


async def archived_bundle(conn: Connection, world: World) -> tuple[int, int]:
    """(bundle, its copy at the ccat buffer) of a package archived at Cologne."""
    package, _, _ = await archived_package(conn, world)
    bundle = await add_bundle(conn, world, [package])
    await repair(conn, "UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package)
    at_ccat: int = await conn.fetchval("SELECT id FROM physical_copy WHERE data_transfer_package_id = $1", bundle)
    return bundle, at_ccat


async def staged_only(conn: Connection, world: World) -> tuple[int, int]:
    """(package, its staged copy at Cologne's processing area) of an archived package whose buffer
    copies are gone."""
    package, ccat, cologne = await archived_package(conn, world)
    await repair(
        conn, "UPDATE physical_copy SET status = 'deleted', deleted_at = now() WHERE id = ANY($1)", [ccat, cologne]
    )
    staged = await add_package_copy(conn, package, world.locations["cologne_processing"], status="staged")
    return package, staged


async def request_staging(conn: Connection, world: World, package: int) -> int:
    """A staging request (pending) for `package` to Cologne's processing area."""
    return await pipeline.create_staging_job(
        conn,
        user_account_id=world.user_id,
        destination_location_id=world.locations["cologne_processing"],
        package_ids=[package],
    )


async def finish_staging(conn: Connection, job: int, retention: str | None) -> None:
    """Complete staging job `job`, retained for `retention` from now (an interval; None: no end)."""
    await repair(
        conn,
        "UPDATE staging_job SET status = 'completed', completed_at = now(), "
        "retention_until = now() + $2::text::interval WHERE id = $1",
        job,
        retention,
    )


async def rule_world(db: Database, *, blocked_files: bool = True) -> World:
    """A world with every rule of the safe-deletion rule in play: packages archived, unverified,
    moving, held by staging, sourcing an archive transfer, copied onwards, bundled, with files
    filed, loose and (`blocked_files`) packaged into a package still transferring."""
    world = await build_world(db)
    loc, sites = world.locations, world.sites
    async with db.connection() as conn:
        await add_route(conn, "ccat_us_via_cologne", sites["ccat"], sites["us"], "relay", relay=sites["cologne"])
        await archived_package(conn, world, name="ok")
        await archived_package(conn, world, name="unverified", verified=False)
        await archived_package(conn, world, name="moving", state="transferring")
        held, _, _ = await archived_package(conn, world, name="held")
        await request_staging(conn, world, held)
        source, _, _ = await archived_package(conn, world, name="sourcing")
        await conn.execute(
            "INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id)"
            " VALUES ($1, $2, $3)",
            source,
            loc["ccat_buffer"],
            loc["us_lta"],
        )
        at_us, _, _ = await archived_package(conn, world, name="us")
        await add_package_copy(conn, at_us, loc["us_buffer"])
        bundled, _, _ = await archived_package(conn, world, name="bundled")
        bundle = await add_bundle(conn, world, [bundled], name="dtp1")
        await repair(conn, "UPDATE raw_data_package SET state = 'archived' WHERE id = $1", bundled)
        await transfer(conn, world, bundle, "ccat_buffer", "cologne_buffer")
        await add_bundle_copy(conn, bundle, loc["cologne_buffer"])
        files = await add_files(conn, world, 5, location="ccat_buffer")
        filed, _, _ = await archived_package(conn, world, name="filed")
        await repair(conn, "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = ANY($2::uuid[])", filed, files)
        if blocked_files:
            blocked = await add_files(conn, world, 4, location="ccat_source", prefix="blocked")
            moving, _, _ = await archived_package(conn, world, name="moving_files", state="transferring")
            await repair(
                conn, "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = ANY($2::uuid[])", moving, blocked
            )
        await add_files(conn, world, 3, location="ccat_source", prefix="loose")  # unpackaged
        package, _ = await staged_only(conn, world)
        await finish_staging(conn, await request_staging(conn, world, package), "-1 second")
        kept, kept_ccat, _ = await archived_package(conn, world, name="kept")
        await repair(conn, "UPDATE physical_copy SET status = 'deleted', deleted_at = now() WHERE id = $1", kept_ccat)
        await add_package_copy(conn, kept, loc["cologne_processing"], status="staged")
        await finish_staging(conn, await request_staging(conn, world, kept), "1 day")
        b2, _, _ = await archived_package(conn, world, name="b2")
        await add_bundle(conn, world, [b2], status="pending", name="dtp2")
    return world


@dataclass(frozen=True)
class ClaimScene:
    """Copies queued for deletion with every claim outcome in play (`claim_scene`)."""

    copies: list[int]
    """every scheduled copy: `buffer`, `other`, `file_copies`"""
    buffer: list[int]
    """package copies at the ccat buffer (capped at 4 in progress)"""
    other: list[int]
    """package copies at the Cologne buffer"""
    file_copies: list[int]
    """six file copies the rule allows, then six whose package lost its backing"""
    expired: list[int]
    """claimed by a worker whose leases ran out: two still allowed, one no longer, one out of attempts"""
    waiting: list[int]
    """buffer copies never claimed; the fourth is worth more"""
    refused: list[int]
    """copies whose package's archive copy lost its verification"""


async def claim_scene(conn: Connection, world: World) -> ClaimScene:
    """Twelve archived packages and two archived file packages, their copies scheduled; four claimed
    by a worker whose leases ran out; backings withdrawn from some; due times apart, one priority
    raised and a cap of 4 at the ccat buffer: the claim tests' scene, for the old function and the new."""
    loc = world.locations
    packages = await add_packages(conn, world, 12, status="completed", state="archived")
    archive = {p: await add_package_copy(conn, p, loc["cologne_lta"], verified=True) for p in packages}
    buffer = [await add_package_copy(conn, p, loc["ccat_buffer"]) for p in packages[:9]]
    other = [await add_package_copy(conn, p, loc["cologne_buffer"]) for p in packages[9:]]
    # file copies at the source of two archived packages (queued when archived), sizes apart
    files = await add_files(conn, world, 6, location="ccat_source", size=1_000)
    files += await add_files(conn, world, 6, location="ccat_source", size=7, prefix="g")
    filed = await add_packages(conn, world, 2, status="completed", name="filed")
    for p in filed:
        await add_package_copy(conn, p, loc["cologne_lta"], verified=True)
    await repair(
        conn, "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = ANY($2::uuid[])", filed[0], files[:6]
    )
    await repair(
        conn, "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = ANY($2::uuid[])", filed[1], files[6:]
    )
    await conn.execute("UPDATE raw_data_package SET state = 'archived' WHERE id = ANY($1::bigint[])", filed)
    file_copies = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM physical_copy WHERE raw_data_file_id = ANY($1::uuid[]) ORDER BY id", files
        )
    ]
    copies = buffer + other + file_copies
    scheduled = await conn.fetch("SELECT id FROM opsdb_schedule_deletions(NULL, 100) AS id")
    assert sorted(r["id"] for r in scheduled) == sorted(copies)
    # four claimed earlier by a worker whose leases ran out: two the rule still allows, one it
    # no longer allows (its package's archive copy lost its verification), one out of attempts
    gone = await conn.fetch(
        "SELECT id FROM opsdb_claim_deletions('gone', 4, ARRAY[$1::bigint], NULL, 600) ORDER BY id",
        loc["ccat_buffer"],
    )
    expired = [r["id"] for r in gone]
    waiting = [c for c in buffer if c not in expired]
    assert len(expired) == 4 and len(waiting) == 5
    await conn.execute(
        "UPDATE physical_copy SET lease_until = now() - interval '1 minute', "
        "next_attempt_at = now() - interval '1 minute' WHERE id = ANY($1::bigint[])",
        expired,
    )
    await conn.execute("UPDATE physical_copy SET attempts = max_attempts WHERE id = $1", expired[3])
    package_of = dict(zip(buffer + other, packages, strict=True))
    refused = [expired[2], waiting[1], other[1]]
    await conn.execute(
        "UPDATE physical_copy SET checksum_verified_at = NULL WHERE id = ANY($1::bigint[])",
        [archive[package_of[c]] for c in refused],
    )
    # the second file package loses its backing too: its six file copies step aside
    await conn.execute(
        "UPDATE physical_copy SET checksum_verified_at = NULL WHERE type = 'raw_data_package' "
        "AND raw_data_package_id = $1",
        filed[1],
    )
    # the queue's order: due times apart, one copy worth more
    await conn.execute(
        "UPDATE physical_copy SET next_attempt_at = now() - make_interval(secs => u.n) "
        "FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, n) WHERE physical_copy.id = u.id",
        waiting + other + file_copies,
    )
    await conn.execute("UPDATE physical_copy SET priority = 5 WHERE id = $1", waiting[3])
    await conn.execute(
        "INSERT INTO work_cap (kind, data_location_id, max_items) VALUES ('physical_copy_deletion', $1, 4)",
        loc["ccat_buffer"],
    )
    return ClaimScene(copies, buffer, other, file_copies, expired, waiting, refused)
