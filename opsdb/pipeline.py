"""What the pipeline managers ask the database, and their atomic creation steps.

Not the work protocol (opsdb/work.py), nor the deletion rule (opsdb/deletion.py, in the database).

Managers find what is ready (files to package, packages to bundle, bundles to send, packages
to archive, copies to delete) and create the work daemons then claim through
opsdb/work.py. Every creation step is one transaction or one statement: it happens
whole or not at all, and two managers racing cannot create the same work twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from opsdb import deletion
from opsdb.db import Connection, Record
from opsdb.errors import ConflictError, InvalidTransitionError, NotFoundError
from opsdb.queries import query
from opsdb.repositories.packages import PackageRepository
from opsdb.schemas.data import RawDataPackageCreate
from opsdb.schemas.enums import PackageState, PhysicalCopyStatus
from opsdb.states import Machine, check_transition


def _ids(values: Sequence[int] | None) -> list[int] | None:
    return None if values is None else list(values)


# -- packaging ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileGroup:
    """Unpackaged files of one (executed obs unit, module) whose execution has finished."""

    executed_obs_unit_id: UUID
    instrument_module_id: int
    file_count: int
    total_bytes: int
    source_location_id: int | None
    """A SOURCE location holding a present copy of one of the files (the package's origin)."""


async def unpackaged_file_groups(conn: Connection, *, limit: int = 100) -> list[FileGroup]:
    """Files not yet packaged, grouped per (executed obs unit, module), finished executions only,
    the oldest execution first, at most `limit` groups (counted and sized: those only)."""
    rows = await conn.fetch(query("pipeline_unpackaged_file_groups"), limit)
    return [
        FileGroup(
            r["executed_obs_unit_id"],
            r["instrument_module_id"],
            r["file_count"],
            int(r["total_bytes"]),
            r["source_location_id"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class CreatedPackage:
    """A new raw data package, its build job pending, and the files assigned to it."""

    package_id: int
    file_ids: list[UUID]
    total_bytes: int


async def create_raw_data_package(
    conn: Connection,
    *,
    executed_obs_unit_id: UUID,
    instrument_module_id: int,
    name: str,
    relative_path: str,
    origin_location_id: int,
    max_bytes: int | None = None,
    wait: bool = True,
) -> CreatedPackage | None:
    """Atomically create a package (build job pending) holding the group's unpackaged files.

    With `max_bytes` the files (path order) are cut at that size (at least one file), the
    rest waits for the next package. None when no unpackaged file is left or the execution
    still runs; a concurrent packager of the same group waits for this one (the group's
    packaging lock, then the files' row locks) and then sees what it took, so no file is ever
    in two packages and no package is empty. With `wait=False` a group another packager holds
    is left to it at once: None (a manager moves on to its next group).
    """
    async with conn.transaction():
        # the group's packaging lock first: a waiting packager then reads the group afresh
        # (its next package's files), not the files the holder is taking
        if not await conn.fetchval(query("pipeline_lock_file_group"), executed_obs_unit_id, instrument_module_id, wait):
            return None
        files = await conn.fetch(
            query("pipeline_lock_unpackaged_files"), executed_obs_unit_id, instrument_module_id, max_bytes
        )
        runs = _cut(files, max_bytes)
        if not runs:
            return None
        chosen, total = runs[0]
        package = await PackageRepository(conn).create_package_with_files(
            RawDataPackageCreate(
                name=name,
                relative_path=relative_path,
                executed_obs_unit_id=executed_obs_unit_id,
                instrument_module_id=instrument_module_id,
                origin_location_id=origin_location_id,
            ),
            chosen,
        )
    return CreatedPackage(package.id, chosen, total)


def _cut(files: Sequence[Record], max_bytes: int | None) -> list[tuple[list[UUID], int]]:
    """`files` (path order) cut into runs of at most `max_bytes` (at least one file each)."""
    runs: list[tuple[list[UUID], int]] = []
    chosen: list[UUID] = []
    total = 0
    for f in files:
        if max_bytes is not None and chosen and total + f["size_bytes"] > max_bytes:
            runs.append((chosen, total))
            chosen, total = [], 0
        chosen.append(f["id"])
        total += f["size_bytes"]
    if chosen:
        runs.append((chosen, total))
    return runs


async def create_raw_data_packages(
    conn: Connection,
    *,
    executed_obs_unit_id: UUID,
    instrument_module_id: int,
    names: Callable[[], tuple[str, str]],
    origin_location_id: int,
    max_bytes: int | None = None,
    wait: bool = True,
) -> list[CreatedPackage]:
    """Atomically package all the group's unpackaged files, in one transaction: cut in path order
    at `max_bytes` (at least one file a package) as `create_raw_data_package` cuts them one
    package at a time; `names()` gives each package's (name, relative path).

    Three statements for the whole group, whatever its packages: its unpackaged files read
    under the group's packaging lock (the lock `create_raw_data_package` takes too), all the
    packages inserted, all the files filed (each file locked and re-checked by that update;
    the raw_data_file triggers check each package's group). A file another writer packaged
    meanwhile (one that takes no group lock) raises ConflictError and nothing is written.
    Empty when no unpackaged file is left, the execution still runs, or (`wait=False`)
    another packager holds the group. No file is ever in two packages.
    """
    async with conn.transaction():
        if not await conn.fetchval(query("pipeline_lock_file_group"), executed_obs_unit_id, instrument_module_id, wait):
            return []
        files = await conn.fetch(query("pipeline_unpackaged_files"), executed_obs_unit_id, instrument_module_id)
        runs = _cut(files, max_bytes)
        if not runs:
            return []
        specs = []
        for _ in runs:
            name, relative_path = names()
            specs.append(
                RawDataPackageCreate(  # validated as one package at a time is
                    name=name,
                    relative_path=relative_path,
                    executed_obs_unit_id=executed_obs_unit_id,
                    instrument_module_id=instrument_module_id,
                    origin_location_id=origin_location_id,
                )
            )
        rows = await conn.fetch(
            query("pipeline_insert_raw_data_packages"),
            [p.name for p in specs],
            [p.relative_path for p in specs],
            executed_obs_unit_id,
            instrument_module_id,
            origin_location_id,
            specs[0].max_attempts,
        )
        ids = {r["name"]: r["id"] for r in rows}
        package_ids = [ids[p.name] for p in specs]
        file_ids = [i for chosen, _ in runs for i in chosen]
        filed_to = [package_id for (chosen, _), package_id in zip(runs, package_ids, strict=True) for _ in chosen]
        taken = await conn.fetch(
            query("pipeline_file_into_packages"), file_ids, filed_to, executed_obs_unit_id, instrument_module_id
        )
        if len(taken) != len(file_ids):
            raise ConflictError(
                f"raw data packages of {executed_obs_unit_id}/{instrument_module_id} not created: "
                f"{len(file_ids) - len(taken)} of their files were packaged concurrently"
            )
    return [CreatedPackage(i, chosen, total) for (chosen, total), i in zip(runs, package_ids, strict=True)]


# -- bundling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleCandidate:
    """A built, waiting package with a present copy at an active buffer."""

    raw_data_package_id: int
    location_id: int
    site_id: int
    size_bytes: int | None


async def packages_ready_to_bundle(
    conn: Connection, *, locations: Sequence[int] | None = None, limit: int = 1000
) -> list[BundleCandidate]:
    """Packages at a buffer ready to go into a data transfer package, grouped by buffer."""
    rows = await conn.fetch(query("pipeline_packages_ready_to_bundle"), _ids(locations), limit)
    return [BundleCandidate(r["raw_data_package_id"], r["location_id"], r["site_id"], r["size_bytes"]) for r in rows]


async def create_data_transfer_package(
    conn: Connection, *, name: str, relative_path: str, origin_location_id: int, package_ids: Sequence[int]
) -> int:
    """Atomically create a bundle (build job pending) with its packages, which become transferring.

    Every package must be built, waiting and unbundled; otherwise InvalidTransitionError
    names the first that is not, and nothing is written.
    """
    wanted = sorted(set(package_ids))
    if not wanted:
        raise ValueError("a data transfer package needs at least one package")
    async with conn.transaction():
        bundle = await conn.fetchrow(
            query("pipeline_insert_data_transfer_package"), name, relative_path, origin_location_id
        )
        assert bundle is not None
        taken = {r["id"] for r in await conn.fetch(query("pipeline_bundle_packages"), bundle["id"], wanted)}
        if len(taken) != len(wanted):
            states = {r["id"]: r for r in await conn.fetch(query("pipeline_package_states"), wanted)}
            refused = next(i for i in wanted if i not in taken)
            row = states.get(refused)
            if row is None:
                raise NotFoundError("raw_data_package", refused)
            current = (
                row["state"]
                if row["status"] == "completed" and row["data_transfer_package_id"] is None
                else (f"{row['state']} (build {row['status']}, bundle {row['data_transfer_package_id']})")
            )
            raise InvalidTransitionError(f"raw_data_package {refused}", current, PackageState.TRANSFERRING)
    bundle_id: int = bundle["id"]
    return bundle_id


# -- transfers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferLeg:
    """A transfer to create: a bundle from a location holding it to a destination location."""

    data_transfer_package_id: int
    data_transfer_route_id: int
    method: str
    origin_location_id: int
    destination_location_id: int


async def bundles_needing_transfer(conn: Connection, *, limit: int = 100) -> list[TransferLeg]:
    """Per built bundle and destination, the next hop still to create, resolved from the routes.

    Per (origin site, destination site) the active route of highest priority wins. Direct:
    to the destination site's best active buffer. Relay: first to the relay site's best
    buffer, then (once the bundle is present there) on to the destination. Custom: the
    route's origin / destination location overrides replace the defaults.
    """
    rows = await conn.fetch(query("pipeline_transfer_legs"), limit)
    return [
        TransferLeg(
            r["data_transfer_package_id"],
            r["data_transfer_route_id"],
            r["method"],
            r["origin_location_id"],
            r["destination_location_id"],
        )
        for r in rows
    ]


async def create_transfers(conn: Connection, legs: Sequence[TransferLeg]) -> list[int]:
    """Create data transfers for `legs` in one statement; a leg that exists already is skipped.

    Returns the ids created (racing managers create each transfer once).
    """
    if not legs:
        return []
    rows = await conn.fetch(
        query("pipeline_insert_transfer"),
        [leg.data_transfer_package_id for leg in legs],
        [leg.data_transfer_route_id for leg in legs],
        [leg.method for leg in legs],
        [leg.origin_location_id for leg in legs],
        [leg.destination_location_id for leg in legs],
    )
    return [r["id"] for r in rows]


async def schedule_transfers(conn: Connection, *, limit: int = 100) -> list[int]:
    """Resolve the legs still missing and create them; returns the new transfer ids."""
    return await create_transfers(conn, await bundles_needing_transfer(conn, limit=limit))


async def transfers_to_unpack(
    conn: Connection, *, locations: Sequence[int] | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Finished transfers whose unpack is pending or running, at the given destinations."""
    return [dict(r) for r in await conn.fetch(query("pipeline_transfers_to_unpack"), _ids(locations), limit)]


# -- long-term archive -------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveLeg:
    """A package copy at a buffer to send into the same site's long-term archive."""

    raw_data_package_id: int
    origin_location_id: int
    destination_location_id: int


async def packages_ready_for_archive(conn: Connection, *, limit: int = 100) -> list[ArchiveLeg]:
    """Built packages present at an active buffer of a site with an active archive, not yet sent there."""
    rows = await conn.fetch(query("pipeline_archive_legs"), limit)
    return [ArchiveLeg(r["raw_data_package_id"], r["origin_location_id"], r["destination_location_id"]) for r in rows]


async def schedule_archive_transfers(conn: Connection, *, limit: int = 100) -> list[int]:
    """Create the archive transfers still missing (one statement, duplicates skipped); the new ids."""
    legs = await packages_ready_for_archive(conn, limit=limit)
    if not legs:
        return []
    rows = await conn.fetch(
        query("pipeline_insert_archive_transfer"),
        [leg.raw_data_package_id for leg in legs],
        [leg.origin_location_id for leg in legs],
        [leg.destination_location_id for leg in legs],
    )
    return [r["id"] for r in rows]


# -- staging -----------------------------------------------------------------------------


async def create_staging_job(
    conn: Connection,
    *,
    user_account_id: int,
    destination_location_id: int,
    package_ids: Sequence[int],
    retention_until: datetime | None = None,
) -> int:
    """Atomically create a staging request (job pending) for `package_ids`."""
    wanted = sorted(set(package_ids))
    if not wanted:
        raise ValueError("a staging job needs at least one package")
    async with conn.transaction():
        # a deletion of a staged copy there either finishes first or sees this job (issue 16)
        await conn.fetch(query("pipeline_lock_staged_copies"), destination_location_id, wanted)
        job = await conn.fetchrow(
            query("pipeline_insert_staging_job"), user_account_id, destination_location_id, retention_until
        )
        assert job is not None
        await conn.execute(query("pipeline_insert_staging_packages"), job["id"], wanted)
    job_id: int = job["id"]
    return job_id


async def staging_requests(conn: Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """Unfinished staging jobs, oldest first, each with `package_ids`."""
    return [dict(r) for r in await conn.fetch(query("pipeline_staging_requests"), limit)]


async def staging_sources(conn: Connection, staging_job_id: int) -> dict[int, int]:
    """package id -> the archive location to stage it from (present, checksum-verified copy)."""
    rows = await conn.fetch(query("pipeline_staging_sources"), staging_job_id)
    return {r["raw_data_package_id"]: r["data_location_id"] for r in rows}


# -- deletion ----------------------------------------------------------------------------


deletion_candidates = deletion.deletion_candidates
schedule_deletions = deletion.schedule_deletions
claim_deletions = deletion.claim_deletions
"""Deletion lives in opsdb/deletion.py (rule re-checked by the database at every step)."""


# -- guarded state changes ---------------------------------------------------------------


async def set_package_state(conn: Connection, package_id: int, current: PackageState, target: PackageState) -> None:
    """Move a package from `current` to `target`; InvalidTransitionError unless it is in `current`
    and the machine allows it."""
    item = f"raw_data_package {package_id}"
    check_transition(Machine.PACKAGE_STATE, item, current, target)
    if await conn.fetchval(query("pipeline_set_package_state"), package_id, current.value, target.value) is None:
        actual = await conn.fetchval(query("pipeline_get_package_state"), package_id)
        if actual is None:
            raise NotFoundError("raw_data_package", package_id)
        raise InvalidTransitionError(item, actual, target)


async def set_copy_status(
    conn: Connection, copy_id: int, current: PhysicalCopyStatus, target: PhysicalCopyStatus
) -> None:
    """Move a copy from `current` to `target` (operator actions: cancel or re-schedule a deletion, ...);
    InvalidTransitionError unless it is in `current` and the machine allows it."""
    item = f"physical_copy {copy_id}"
    check_transition(Machine.PHYSICAL_COPY_STATUS, item, current, target)
    if await conn.fetchval(query("pipeline_set_copy_status"), copy_id, current.value, target.value) is None:
        actual = await conn.fetchval(query("pipeline_get_copy_status"), copy_id)
        if actual is None:
            raise NotFoundError("physical_copy", copy_id)
        raise InvalidTransitionError(item, actual, target)
