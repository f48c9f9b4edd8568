"""The one test world: the rows every test and benchmark builds on, written with plain SQL.

`seed_world(conn)` (or `build_world(db)`) builds the observatory chain, sites, locations, a
finished execution, optional running executions and a user; the `add_*` functions grow it
with files, packages, bundles, routes and copies; `seed_registration` and `file_records`
give registration its files (`Seeded`: the same world, named as registration reads it).
Plain SQL on purpose: the repositories under test are not used to build their own fixtures.
Not pytest fixtures (`tests/conftest.py` holds `world`) and nothing production code calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from opsdb.connection import Connection, Record
from opsdb.db import Database
from opsdb.ids import uuid7

T0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
"""Start time of the world's running executions."""
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
"""Creation time of the first of `file_records` (one file a millisecond after it)."""

LAYOUT = (
    ("ccat", "source", "source"),
    ("ccat", "buffer", "buffer"),
    ("cologne", "buffer", "buffer"),
    ("cologne", "lta", "long_term_archive"),
    ("cologne", "processing", "processing"),
    ("us", "buffer", "buffer"),
    ("us", "lta", "long_term_archive"),
)
"""(site, location name, location type) of the world's disk locations: key "site_name"."""


@dataclass(frozen=True)
class World:
    """Ids of one observatory's rows; `name` prefixes every unique name (two worlds in one database)."""

    observatory_id: int
    telescope_id: int
    instrument_id: int
    modules: list[int]
    """CHAI's modules: LFA, then HFA, then module-3, ..."""
    program_id: int
    source_id: int
    obs_mode_id: int
    obs_unit_id: int
    execution_id: UUID
    """A completed execution (files of the work and pipeline tests)."""
    running: list[UUID]
    """Running executions started at T0 (files being registered)."""
    sites: dict[str, int]
    """short name ("ccat", "cologne", "us") -> site id"""
    locations: dict[str, int]
    """"site_location" (see LAYOUT, e.g. "ccat_source", "cologne_lta") -> location id"""
    user_id: int

    @property
    def module_id(self) -> int:
        return self.modules[0]


async def _id(conn: Connection, sql: str, *args: object) -> Any:
    return await conn.fetchval(sql, *args)


async def seed_world(conn: Connection, *, modules: int = 1, running: int = 0, name: str = "") -> World:
    """Build a world: CCAT / FYST / CHAI with `modules` modules, one obs unit with one completed
    and `running` running executions, the sites ccat, cologne and us with LAYOUT's locations,
    and a user. `name` (lower case) prefixes unique names so one database can hold several."""
    p = f"{name}_" if name else ""
    obs = await _id(conn, "INSERT INTO observatory (name) VALUES ($1) RETURNING id", f"{p}CCAT")
    tel = await _id(conn, "INSERT INTO telescope (observatory_id, name) VALUES ($1, $2) RETURNING id", obs, f"{p}FYST")
    inst = await _id(conn, "INSERT INTO instrument (telescope_id, name) VALUES ($1, 'CHAI') RETURNING id", tel)
    module_ids = [
        await _id(
            conn, "INSERT INTO instrument_module (instrument_id, name) VALUES ($1, $2) RETURNING id", inst, module
        )
        for module in (["LFA", "HFA"] + [f"module-{n}" for n in range(3, modules + 1)])[:modules]
    ]
    program = await _id(
        conn, "INSERT INTO observing_program (name, short_name) VALUES ($1, $1) RETURNING id", f"{p}Cal"
    )
    source = await _id(
        conn,
        "INSERT INTO source (type, name, ra_deg, dec_deg, frame) VALUES ('fixed', $1, 83.8, -5.4, 'icrs') RETURNING id",
        f"{p}Orion-KL",
    )
    mode = await _id(conn, "INSERT INTO obs_mode (name) VALUES ($1) RETURNING id", f"{p}otf")
    obs_unit = await _id(
        conn,
        "INSERT INTO obs_unit (name, observing_program_id, source_id, obs_mode_id) "
        "VALUES ($1, $2, $3, $4) RETURNING id",
        f"{p}ou1",
        program,
        source,
        mode,
    )
    execution = await add_execution(conn, obs_unit, finished=True)
    running_ids = [uuid7(T0) for _ in range(running)]
    await conn.execute(
        "INSERT INTO executed_obs_unit (id, obs_unit_id, start_time) SELECT u, $2, $3 FROM unnest($1::uuid[]) u",
        running_ids,
        obs_unit,
        T0,
    )
    sites = {}
    for site_name, short in (("CCAT", "ccat"), ("Cologne", "cologne"), ("Cornell", "us")):
        sites[short] = await _id(
            conn, "INSERT INTO site (name, short_name) VALUES ($1, $2) RETURNING id", f"{p}{site_name}", f"{p}{short}"
        )
    locations = {
        f"{site}_{location}": await add_location(conn, sites[site], location, kind) for site, location, kind in LAYOUT
    }
    user = await _id(conn, "INSERT INTO user_account (username) VALUES ($1) RETURNING id", f"{p}alice")
    return World(
        observatory_id=obs,
        telescope_id=tel,
        instrument_id=inst,
        modules=module_ids,
        program_id=program,
        source_id=source,
        obs_mode_id=mode,
        obs_unit_id=obs_unit,
        execution_id=execution,
        running=running_ids,
        sites=sites,
        locations=locations,
        user_id=user,
    )


async def build_world(db: Database, **options: Any) -> World:
    """`seed_world` on a connection of its own (committed)."""
    async with db.connection() as conn:
        return await seed_world(conn, **options)


async def add_location(
    conn: Connection, site_id: int, name: str, location_type: str, *, priority: int = 0, active: bool = True
) -> int:
    """A disk location at `site_id`."""
    value: int = await _id(
        conn,
        "INSERT INTO data_location (type, site_id, name, location_type, priority, active, host, root_path) "
        "VALUES ('disk', $1, $2, $3, $4, $5, 'host', '/data') RETURNING id",
        site_id,
        name,
        location_type,
        priority,
        active,
    )
    return value


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
    value: int = await _id(
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
    return value


async def add_execution(conn: Connection, obs_unit_id: int, *, finished: bool) -> UUID:
    """An execution of `obs_unit_id` started an hour ago, completed after 30 minutes or still running."""
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
    value: int = await _id(
        conn,
        "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at, "
        "deleted_at) VALUES ('raw_data_package', $1, $2, $3, CASE WHEN $4 THEN now() END, "
        "CASE WHEN $3 = 'deleted' THEN now() END) RETURNING id",
        package_id,
        location_id,
        status,
        verified,
    )
    return value


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
    bundle: int = await _id(
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
        await add_bundle_copy(conn, bundle, world.locations[origin])
    return bundle


async def add_transfer(
    conn: Connection,
    world: World,
    bundle_id: int,
    route_id: int,
    *,
    origin: str = "ccat_buffer",
    destination: str = "cologne_buffer",
) -> int:
    """A pending transfer of a bundle along a route, between two of the world's locations."""
    value: int = await _id(
        conn,
        "INSERT INTO data_transfer (data_transfer_package_id, data_transfer_route_id, origin_location_id, "
        "destination_location_id) VALUES ($1, $2, $3, $4) RETURNING id",
        bundle_id,
        route_id,
        world.locations[origin],
        world.locations[destination],
    )
    return value


async def add_bundle_copy(conn: Connection, bundle_id: int, location_id: int) -> int:
    """A present copy of a bundle at `location_id` (where a transfer delivered it)."""
    value: int = await _id(
        conn,
        "INSERT INTO physical_copy (type, data_transfer_package_id, data_location_id) "
        "VALUES ('data_transfer_package', $1, $2) RETURNING id",
        bundle_id,
        location_id,
    )
    return value


async def repair(conn: Connection, sql: str, *args: Any) -> str:
    """Run `sql` as the owner's repair (opsdb.repair): the database's state-machine guards let
    it through and flag it in history. For fixtures that fabricate a state out of order."""
    async with conn.transaction():
        await conn.execute("SELECT set_config('opsdb.repair', 'on', true)")
        return await conn.execute(sql, *args)


async def insert(conn: Connection, table: str, **values: Any) -> Record:
    """INSERT one row with exactly these columns (test-only dynamic SQL); returns the row."""
    columns = ", ".join(values)
    binds = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    row = await conn.fetchrow(f"INSERT INTO {table} ({columns}) VALUES ({binds}) RETURNING *", *values.values())
    assert row is not None
    return row


async def rejects(conn: Connection, error: type[Exception], constraint: str, table: str, **values: Any) -> None:
    """Assert that inserting this row fails with `error` naming `constraint` (rolled back to a savepoint)."""
    try:
        async with conn.transaction():
            await insert(conn, table, **values)
    except error as exc:
        named = getattr(exc, "constraint", None)
        assert named == constraint, f"expected {constraint}, got {named}: {exc}"
        return
    raise AssertionError(f"{table} accepted a row that {constraint} should refuse: {values}")


@dataclass(frozen=True)
class Seeded:
    """A world as registration tests and benchmarks name its parts: files from `modules` and
    running `units` go to the SOURCE `location` (`other_location` is a second place for copies)."""

    modules: list[int]
    location: int
    other_location: int
    obs_unit: int
    units: list[UUID]


async def seed_registration(conn: Connection, *, modules: int = 4, units: int = 4, name: str = "") -> Seeded:
    """A world with `modules` modules and `units` running executions, seen by registration."""
    world = await seed_world(conn, modules=modules, running=units, name=name)
    return Seeded(
        world.modules, world.locations["ccat_source"], world.locations["ccat_buffer"], world.obs_unit_id, world.running
    )


def file_records(seeded: Seeded, count: int, *, start: int = 0, prefix: str = "scan") -> list[dict[str, object]]:
    """`count` distinct, valid file records spread over the seeded modules and running executions."""
    return list(iter_file_records(seeded, count, start=start, prefix=prefix))


def iter_file_records(
    seeded: Seeded, count: int, *, start: int = 0, prefix: str = "scan"
) -> Iterator[dict[str, object]]:
    """`file_records` one at a time (a benchmark's millions never sit in memory)."""
    modules, units = seeded.modules, seeded.units
    base = EPOCH.timestamp()
    for n in range(start, start + count):
        yield {
            "instrument_module_id": modules[n % len(modules)],
            "executed_obs_unit_id": units[(n // 1000) % len(units)],
            "name": f"{prefix}_{n:09d}.fits",
            "relative_path": f"{prefix}/{n // 1000:06d}/{prefix}_{n:09d}.fits",
            "size_bytes": 1_000_000 + n,
            "checksum_algorithm": "xxh64",
            "checksum": f"{n:016x}",
            "file_type": "fits",
            "file_created_at": datetime.fromtimestamp(base + n / 1000, tz=UTC),
        }
