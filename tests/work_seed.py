"""Plain-SQL seeding for the work, pipeline and deletion tests (no repository needed).

`seed_world` builds the observatory, one finished execution, three sites (ccat, cologne, us)
with their locations, and a user; the other helpers add files, packages, bundles and copies.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from opsdb.db import Connection
from opsdb.ids import uuid7


@dataclass(frozen=True)
class World:
    module_id: int
    obs_unit_id: int
    execution_id: UUID
    sites: dict[str, int]
    """short name -> site id"""
    locations: dict[str, int]
    """"site_location" (e.g. "ccat_source", "cologne_lta") -> location id"""
    user_id: int


async def _id(conn: Connection, sql: str, *args: object) -> int:
    value: int = await conn.fetchval(sql, *args)
    return value


async def seed_world(conn: Connection) -> World:
    obs = await _id(conn, "INSERT INTO observatory (name) VALUES ('CCAT') RETURNING id")
    tel = await _id(conn, "INSERT INTO telescope (observatory_id, name) VALUES ($1, 'FYST') RETURNING id", obs)
    inst = await _id(conn, "INSERT INTO instrument (telescope_id, name) VALUES ($1, 'CHAI') RETURNING id", tel)
    module = await _id(
        conn, "INSERT INTO instrument_module (instrument_id, name) VALUES ($1, 'LFA') RETURNING id", inst
    )
    program = await _id(conn, "INSERT INTO observing_program (name, short_name) VALUES ('Cal', 'Cal') RETURNING id")
    source = await _id(
        conn,
        "INSERT INTO source (type, name, ra_deg, dec_deg, frame) VALUES ('fixed', 'Orion-KL', 83.8, -5.4, 'icrs') "
        "RETURNING id",
    )
    mode = await _id(conn, "INSERT INTO obs_mode (name) VALUES ('otf') RETURNING id")
    obs_unit = await _id(
        conn,
        "INSERT INTO obs_unit (name, observing_program_id, source_id, obs_mode_id) "
        "VALUES ('ou1', $1, $2, $3) RETURNING id",
        program,
        source,
        mode,
    )
    execution = await add_execution(conn, obs_unit, finished=True)
    sites = {}
    for name, short in (("CCAT", "ccat"), ("Cologne", "cologne"), ("Cornell", "us")):
        sites[short] = await _id(conn, "INSERT INTO site (name, short_name) VALUES ($1, $2) RETURNING id", name, short)
    locations = {}
    layout = (
        ("ccat", "source", "source"),
        ("ccat", "buffer", "buffer"),
        ("cologne", "buffer", "buffer"),
        ("cologne", "lta", "long_term_archive"),
        ("cologne", "processing", "processing"),
        ("us", "buffer", "buffer"),
        ("us", "lta", "long_term_archive"),
    )
    for site, name, kind in layout:
        locations[f"{site}_{name}"] = await add_location(conn, sites[site], name, kind)
    user = await _id(conn, "INSERT INTO user_account (username) VALUES ('alice') RETURNING id")
    return World(module, obs_unit, execution, sites, locations, user)


async def add_location(
    conn: Connection, site_id: int, name: str, location_type: str, *, priority: int = 0, active: bool = True
) -> int:
    return await _id(
        conn,
        "INSERT INTO data_location (type, site_id, name, location_type, priority, active, host, root_path) "
        "VALUES ('disk', $1, $2, $3, $4, $5, 'host', '/data') RETURNING id",
        site_id,
        name,
        location_type,
        priority,
        active,
    )


async def add_route(
    conn: Connection,
    name: str,
    origin: int,
    destination: int,
    route_type: str = "direct",
    *,
    relay: int | None = None,
    origin_location: int | None = None,
    destination_location: int | None = None,
    priority: int = 0,
    active: bool = True,
) -> int:
    return await _id(
        conn,
        "INSERT INTO data_transfer_route (name, origin_site_id, destination_site_id, route_type, relay_site_id, "
        "origin_location_id, destination_location_id, priority, active) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        name,
        origin,
        destination,
        route_type,
        relay,
        origin_location,
        destination_location,
        priority,
        active,
    )


async def add_execution(conn: Connection, obs_unit_id: int, *, finished: bool) -> UUID:
    start = datetime.now(UTC) - timedelta(hours=1)
    execution = uuid7()
    await conn.execute(
        "INSERT INTO executed_obs_unit (id, obs_unit_id, status, start_time, end_time) VALUES ($1, $2, $3, $4, $5)",
        execution,
        obs_unit_id,
        "completed" if finished else "running",
        start,
        start + timedelta(minutes=30) if finished else None,
    )
    return execution


async def add_files(
    conn: Connection,
    world: World,
    count: int,
    *,
    execution_id: UUID | None = None,
    location: str = "ccat_source",
    size: int = 100,
    prefix: str = "f",
) -> list[UUID]:
    """`count` files of the world's module, each with a present copy at `location`."""
    execution = execution_id or world.execution_id
    ids = [uuid7() for _ in range(count)]
    await conn.executemany(
        "INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, name, relative_path, size_bytes, "
        "checksum, checksum_algorithm) VALUES ($1, $2, $3, $4, $5, $6, $7, 'sha256')",
        [
            (
                i,
                world.module_id,
                execution,
                f"{prefix}{n}",
                f"{execution}/{prefix}{n:05d}.dat",
                size,
                hashlib.sha256(str(i).encode()).hexdigest(),
            )
            for n, i in enumerate(ids)
        ],
    )
    await conn.execute(
        "INSERT INTO physical_copy (type, raw_data_file_id, data_location_id) "
        "SELECT 'raw_data_file', unnest($1::uuid[]), $2",
        ids,
        world.locations[location],
    )
    return ids


async def add_packages(
    conn: Connection,
    world: World,
    count: int,
    *,
    status: str = "pending",
    state: str = "waiting",
    origin: str = "ccat_source",
    name: str = "pkg",
) -> list[int]:
    """`count` packages of the world's execution (built ones get a size and checksum)."""
    done = status == "completed"
    rows = await conn.fetch(
        "INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, "
        "origin_location_id, status, state, size_bytes, checksum, checksum_algorithm) "
        "SELECT $1 || '_' || n, $1 || '/' || n || '.tar', $2, $3, $4, $5, $6, "
        "CASE WHEN $7 THEN 1000 END, CASE WHEN $7 THEN repeat('a', 64) END, CASE WHEN $7 THEN 'sha256' END "
        "FROM generate_series(1, $8) n RETURNING id",
        name,
        world.execution_id,
        world.module_id,
        world.locations[origin],
        status,
        state,
        done,
        count,
    )
    return [r["id"] for r in rows]


async def add_package_copy(
    conn: Connection, package_id: int, location_id: int, *, status: str = "present", verified: bool = False
) -> int:
    return await _id(
        conn,
        "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at, "
        "deleted_at) VALUES ('raw_data_package', $1, $2, $3, CASE WHEN $4 THEN now() END, "
        "CASE WHEN $3 = 'deleted' THEN now() END) RETURNING id",
        package_id,
        location_id,
        status,
        verified,
    )


async def add_bundle(
    conn: Connection,
    world: World,
    package_ids: list[int],
    *,
    origin: str = "ccat_buffer",
    status: str = "completed",
    name: str = "dtp",
) -> int:
    """A bundle of `package_ids` (state transferring), built at `origin` with a present copy there."""
    done = status == "completed"
    bundle = await _id(
        conn,
        "INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size_bytes, checksum, "
        "checksum_algorithm) VALUES ($1, $1 || '.tar', $2, $3, CASE WHEN $4 THEN 1 END, "
        "CASE WHEN $4 THEN repeat('b', 64) END, CASE WHEN $4 THEN 'sha256' END) RETURNING id",
        name,
        world.locations[origin],
        status,
        done,
    )
    # fabricated: the packages may be in any state (archived ones go back to transferring)
    await repair(
        conn,
        "UPDATE raw_data_package SET data_transfer_package_id = $1, state = 'transferring' "
        "WHERE id = ANY($2::bigint[])",
        bundle,
        package_ids,
    )
    if done:
        await conn.execute(
            "INSERT INTO physical_copy (type, data_transfer_package_id, data_location_id) "
            "VALUES ('data_transfer_package', $1, $2)",
            bundle,
            world.locations[origin],
        )
    return bundle


async def add_bundle_copy(conn: Connection, bundle_id: int, location_id: int) -> int:
    """A present copy of a bundle at `location_id` (where a transfer delivered it)."""
    return await _id(
        conn,
        "INSERT INTO physical_copy (type, data_transfer_package_id, data_location_id) "
        "VALUES ('data_transfer_package', $1, $2) RETURNING id",
        bundle_id,
        location_id,
    )


async def repair(conn: Connection, sql: str, *args: Any) -> str:
    """Run `sql` as the owner's repair (opsdb.repair): the database's state-machine guards let
    it through and flag it in history. For fixtures that fabricate a state out of order."""
    async with conn.transaction():
        await conn.execute("SELECT set_config('opsdb.repair', 'on', true)")
        return await conn.execute(sql, *args)
