"""The managers' queries and atomic creation steps, from registered files to the archive."""

from __future__ import annotations

from uuid import UUID

import anyio
import pytest

from opsdb import pipeline, work
from opsdb.db import Connection, Database
from opsdb.errors import ConflictError, InvalidTransitionError
from opsdb.repositories.packages import PackageRepository
from opsdb.schemas.data import RawDataPackageCreate
from opsdb.schemas.enums import PackageState
from opsdb.testing import (
    add_bundle,
    add_execution,
    add_files,
    add_location,
    add_package_copy,
    add_packages,
    add_route,
    build_world,
)
from opsdb.work import WorkKind

pytestmark = pytest.mark.anyio

CHECKSUM = {"size_bytes": 10, "checksum": "c" * 64, "checksum_algorithm": "sha256"}


async def test_unpackaged_files_are_grouped_once_the_execution_finished(db: Database) -> None:
    world = await build_world(db)
    async with db.connection() as conn:
        await add_files(conn, world, 5, size=100)
        running = await add_execution(conn, world.obs_unit_id, finished=False)
        await add_files(conn, world, 3, execution_id=running, prefix="r")
        (group,) = await pipeline.unpackaged_file_groups(conn)
    assert (group.executed_obs_unit_id, group.instrument_module_id) == (world.execution_id, world.module_id)
    assert (group.file_count, group.total_bytes) == (5, 500)
    assert group.source_location_id == world.locations["ccat_source"]


async def test_package_creation_assigns_the_files_with_a_pending_build(db: Database) -> None:
    world = await build_world(db)
    async with db.connection() as conn:
        files = await add_files(conn, world, 5, size=100)
        created = await pipeline.create_raw_data_package(
            conn,
            executed_obs_unit_id=world.execution_id,
            instrument_module_id=world.module_id,
            name="p1",
            relative_path="p1.tar",
            origin_location_id=world.locations["ccat_source"],
            max_bytes=300,
        )
        assert created is not None
        assigned = await conn.fetchval(
            "SELECT count(*) FROM raw_data_file WHERE raw_data_package_id = $1", created.package_id
        )
        build = await work.get(conn, WorkKind.RAW_DATA_PACKAGE_BUILD, created.package_id)
        (rest,) = await pipeline.unpackaged_file_groups(conn)
    assert (len(created.file_ids), created.total_bytes, assigned) == (3, 300, 3)
    assert set(created.file_ids) <= set(files)
    assert build.status == "pending"
    assert rest.file_count == 2


async def test_racing_packagers_never_put_a_file_in_two_packages(db: Database) -> None:
    world = await build_world(db)
    async with db.connection() as conn:
        await add_files(conn, world, 200)
    results: list[pipeline.CreatedPackage | None] = []

    async def packager(n: int) -> None:
        async with db.connection() as conn:
            results.append(
                await pipeline.create_raw_data_package(
                    conn,
                    executed_obs_unit_id=world.execution_id,
                    instrument_module_id=world.module_id,
                    name=f"p{n}",
                    relative_path=f"p{n}.tar",
                    origin_location_id=world.locations["ccat_source"],
                )
            )

    async with anyio.create_task_group() as tg:
        for n in range(6):
            tg.start_soon(packager, n)
    made = [r for r in results if r is not None]
    async with db.connection() as conn:
        packages = await conn.fetchval("SELECT count(*) FROM raw_data_package")
    assert len(made) == 1 and packages == 1  # one winner, no empty packages
    assert len(made[0].file_ids) == 200


async def test_racing_packagers_cut_a_group_into_packages_in_path_order(db: Database) -> None:
    """With a size cut, racing packagers take the group's packaging lock in turn: each package is
    the next run of files in path order, no file in two packages, none left out."""
    world = await build_world(db)
    async with db.connection() as conn:
        await add_files(conn, world, 40, size=100)
    results: list[pipeline.CreatedPackage | None] = []

    async def packager(n: int) -> None:
        async with db.connection() as conn:
            while True:
                created = await pipeline.create_raw_data_package(
                    conn,
                    executed_obs_unit_id=world.execution_id,
                    instrument_module_id=world.module_id,
                    name=f"p{n}-{len(results)}",
                    relative_path=f"p{n}-{len(results)}.tar",
                    origin_location_id=world.locations["ccat_source"],
                    max_bytes=350,
                )
                results.append(created)
                if created is None:
                    return

    async with anyio.create_task_group() as tg:
        for n in range(4):
            tg.start_soon(packager, n)
    made = [r for r in results if r is not None]
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT raw_data_package_id, array_agg(relative_path ORDER BY relative_path) AS paths "
            "FROM raw_data_file GROUP BY 1 ORDER BY min(relative_path)"
        )
    assert len(made) == 14 and [len(m.file_ids) for m in made].count(3) == 13  # 13 x 3 files + 1
    assert all(r["raw_data_package_id"] is not None for r in rows)
    paths = [p for r in rows for p in r["paths"]]
    assert paths == sorted(paths) and len(paths) == 40  # consecutive runs of the path order


async def test_a_packager_that_does_not_wait_leaves_a_held_group_to_its_holder(db: Database) -> None:
    world = await build_world(db)
    async with db.connection() as conn:
        await add_files(conn, world, 4, size=100)
    args = {
        "executed_obs_unit_id": world.execution_id,
        "instrument_module_id": world.module_id,
        "origin_location_id": world.locations["ccat_source"],
        "max_bytes": 200,
    }
    async with db.connection() as holder, db.connection() as other:
        async with holder.transaction():
            first = await pipeline.create_raw_data_package(holder, name="a", relative_path="a.tar", **args)
            # the group is held until the holder commits: the other packager moves on at once
            skipped = await pipeline.create_raw_data_package(other, name="b", relative_path="b.tar", wait=False, **args)
        after = await pipeline.create_raw_data_package(other, name="c", relative_path="c.tar", wait=False, **args)
        packages = await other.fetchval("SELECT count(*) FROM raw_data_package")
    assert first is not None and len(first.file_ids) == 2
    assert skipped is None
    assert after is not None and len(after.file_ids) == 2 and not set(after.file_ids) & set(first.file_ids)
    assert packages == 2


async def test_a_group_is_packaged_whole_in_one_transaction(db: Database) -> None:
    """`create_raw_data_packages` cuts the group as `create_raw_data_package` does one package at
    a time (path order, at most max_bytes, builds pending); racers find nothing left."""
    world = await build_world(db)
    async with db.connection() as conn:
        await add_files(conn, world, 10, size=100)
        running = await add_execution(conn, world.obs_unit_id, finished=False)
        await add_files(conn, world, 2, execution_id=running, prefix="r")
    names = (f"p{i}" for i in range(100))
    results: list[list[pipeline.CreatedPackage]] = []

    async def packager(execution: UUID) -> None:
        async with db.connection() as conn:
            results.append(
                await pipeline.create_raw_data_packages(
                    conn,
                    executed_obs_unit_id=execution,
                    instrument_module_id=world.module_id,
                    names=lambda: (name := next(names), f"{name}.tar"),
                    origin_location_id=world.locations["ccat_source"],
                    max_bytes=350,
                )
            )

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(packager, world.execution_id)
    await packager(running)
    made = [r for r in results if r]
    assert len(made) == 1 and results[-1] == []  # one winner; nothing for a running execution
    (packages,) = made
    assert [(len(p.file_ids), p.total_bytes) for p in packages] == [(3, 300), (3, 300), (3, 300), (1, 100)]
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT f.relative_path, f.raw_data_package_id, p.status FROM raw_data_file f "
            "JOIN raw_data_package p ON p.id = f.raw_data_package_id ORDER BY f.relative_path"
        )
        unpackaged = await conn.fetchval("SELECT count(*) FROM raw_data_file WHERE raw_data_package_id IS NULL")
    assert [r["raw_data_package_id"] for r in rows] == [p.package_id for p in packages for _ in p.file_ids]
    assert {r["status"] for r in rows} == {"pending"} and unpackaged == 2


async def test_a_group_packaged_meanwhile_by_another_writer_is_refused_whole(db: Database) -> None:
    """A writer that takes no group lock packages one of the group's files while
    `create_raw_data_packages` files them: ConflictError, and none of its packages is written."""
    world = await build_world(db)
    async with db.connection() as conn:
        files = await add_files(conn, world, 6, size=100)
    refused: list[Exception] = []

    async def packager(conn: Connection) -> None:
        try:
            await pipeline.create_raw_data_packages(
                conn,
                executed_obs_unit_id=world.execution_id,
                instrument_module_id=world.module_id,
                names=iter([("g1", "g1.tar"), ("g2", "g2.tar")]).__next__,
                origin_location_id=world.locations["ccat_source"],
                max_bytes=300,
            )
        except ConflictError as exc:
            refused.append(exc)

    async with db.connection() as other, db.connection() as conn, anyio.create_task_group() as tg:
        pid = conn.raw.get_server_pid()
        async with other.transaction():
            await PackageRepository(other).create_package_with_files(
                RawDataPackageCreate(
                    name="other",
                    relative_path="other.tar",
                    executed_obs_unit_id=world.execution_id,
                    instrument_module_id=world.module_id,
                    origin_location_id=world.locations["ccat_source"],
                ),
                [files[-1]],
            )
            tg.start_soon(packager, conn)
            with anyio.fail_after(30):  # until the packager waits for that file's row lock
                while True:
                    sql = "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1"
                    if await other.fetchval(sql, pid):
                        break
                    await anyio.sleep(0.05)
    async with db.connection() as conn:
        names = await conn.fetch("SELECT name FROM raw_data_package ORDER BY name")
        unpackaged = await conn.fetchval("SELECT count(*) FROM raw_data_file WHERE raw_data_package_id IS NULL")
    assert len(refused) == 1 and "packaged concurrently" in str(refused[0])
    assert [r["name"] for r in names] == ["other"] and unpackaged == 5


async def test_no_package_for_a_running_execution(db: Database) -> None:
    world = await build_world(db)
    async with db.connection() as conn:
        running = await add_execution(conn, world.obs_unit_id, finished=False)
        await add_files(conn, world, 2, execution_id=running)
        created = await pipeline.create_raw_data_package(
            conn,
            executed_obs_unit_id=running,
            instrument_module_id=world.module_id,
            name="p",
            relative_path="p.tar",
            origin_location_id=world.locations["ccat_source"],
        )
    assert created is None


async def test_finished_build_records_the_copy_at_the_buffer(db: Database) -> None:
    world = await build_world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1)
        (c,) = await work.claim(conn, WorkKind.RAW_DATA_PACKAGE_BUILD, "builder")
        await work.complete(conn, c, location_id=world.locations["ccat_buffer"], verified=True, **CHECKSUM)
        (ready,) = await pipeline.packages_ready_to_bundle(conn)
        copy = await conn.fetchrow(
            "SELECT status, checksum_verified_at FROM physical_copy WHERE raw_data_package_id = $1", package
        )
    assert (ready.raw_data_package_id, ready.location_id) == (package, world.locations["ccat_buffer"])
    assert copy is not None and copy["status"] == "present" and copy["checksum_verified_at"] is not None


async def test_bundling_is_all_or_nothing(db: Database) -> None:
    world = await build_world(db)
    async with db.connection() as conn:
        good = await add_packages(conn, world, 2, status="completed", name="good")
        (unbuilt,) = await add_packages(conn, world, 1, status="pending", name="unbuilt")
        with pytest.raises(InvalidTransitionError, match=f"raw_data_package {unbuilt}"):
            await pipeline.create_data_transfer_package(
                conn,
                name="dtp1",
                relative_path="dtp1.tar",
                origin_location_id=world.locations["ccat_buffer"],
                package_ids=[*good, unbuilt],
            )
        assert await conn.fetchval("SELECT count(*) FROM data_transfer_package") == 0
        assert await conn.fetchval("SELECT count(*) FROM raw_data_package WHERE state = 'transferring'") == 0
        bundle = await pipeline.create_data_transfer_package(
            conn,
            name="dtp1",
            relative_path="dtp1.tar",
            origin_location_id=world.locations["ccat_buffer"],
            package_ids=good,
        )
        states = await conn.fetch(
            "SELECT state, data_transfer_package_id FROM raw_data_package WHERE id = ANY($1)", good
        )
        (c,) = await work.claim(conn, WorkKind.DATA_TRANSFER_PACKAGE_BUILD, "bundler")
        await work.complete(conn, c, **CHECKSUM)
        copy_at = await conn.fetchval(
            "SELECT data_location_id FROM physical_copy WHERE data_transfer_package_id = $1", bundle
        )
    assert {(s["state"], s["data_transfer_package_id"]) for s in states} == {("transferring", bundle)}
    assert copy_at == world.locations["ccat_buffer"]


async def test_direct_and_relay_routes_resolve_to_destination_buffers(db: Database) -> None:
    world = await build_world(db)
    s, loc = world.sites, world.locations
    async with db.connection() as conn:
        await add_route(conn, "ccat_to_cologne", s["ccat"], s["cologne"])
        await add_route(conn, "ccat_to_us", s["ccat"], s["us"], "relay", relay=s["cologne"])
        packages = await add_packages(conn, world, 1, status="completed")
        bundle = await add_bundle(conn, world, packages)
        legs = await pipeline.bundles_needing_transfer(conn)
        # the relay's first leg and the direct route share the hop to Cologne: one transfer
        assert [(leg.origin_location_id, leg.destination_location_id) for leg in legs] == [
            (loc["ccat_buffer"], loc["cologne_buffer"])
        ]
        created = await pipeline.schedule_transfers(conn)
        assert len(created) == 1
        assert await pipeline.schedule_transfers(conn) == []  # nothing twice
        # once the bundle is present at Cologne, the relay's second leg appears
        await conn.execute(
            "INSERT INTO physical_copy (type, data_transfer_package_id, data_location_id) "
            "VALUES ('data_transfer_package', $1, $2)",
            bundle,
            loc["cologne_buffer"],
        )
        (onward,) = await pipeline.bundles_needing_transfer(conn)
    assert (onward.origin_location_id, onward.destination_location_id) == (loc["cologne_buffer"], loc["us_buffer"])


async def test_route_priority_active_flags_and_custom_overrides(db: Database) -> None:
    world = await build_world(db)
    s, loc = world.sites, world.locations
    async with db.connection() as conn:
        fast = await add_location(conn, s["cologne"], "fast", "buffer", priority=5)
        slow = await add_location(conn, s["cologne"], "inactive", "buffer", priority=9, active=False)
        await add_route(conn, "ccat_to_cologne", s["ccat"], s["cologne"], priority=1)
        await add_route(
            conn,
            "ccat_to_cologne_custom",
            s["ccat"],
            s["cologne"],
            "custom",
            destination_location=loc["cologne_processing"],
            priority=0,
        )
        await add_route(conn, "ccat_to_us_off", s["ccat"], s["us"], active=False)
        packages = await add_packages(conn, world, 1, status="completed")
        await add_bundle(conn, world, packages)
        (leg,) = await pipeline.bundles_needing_transfer(conn)
        assert leg.destination_location_id == fast != slow  # best active buffer
        await conn.execute("UPDATE data_transfer_route SET priority = 10 WHERE name = 'ccat_to_cologne_custom'")
        (custom,) = await pipeline.bundles_needing_transfer(conn)
    assert custom.destination_location_id == loc["cologne_processing"]


async def test_racing_managers_create_each_transfer_once(db: Database) -> None:
    world = await build_world(db)
    s = world.sites
    async with db.connection() as conn:
        await add_route(conn, "ccat_to_cologne", s["ccat"], s["cologne"])
        await add_route(conn, "ccat_to_us", s["ccat"], s["us"])
        for n in range(10):
            packages = await add_packages(conn, world, 1, status="completed", name=f"p{n}")
            await add_bundle(conn, world, packages, name=f"dtp{n}")
    created: list[int] = []

    async def manager() -> None:
        async with db.connection() as conn:
            created.extend(await pipeline.schedule_transfers(conn))

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(manager)
    async with db.connection() as conn:
        total = await conn.fetchval("SELECT count(*) FROM data_transfer")
    assert total == 20
    assert sorted(created) == sorted(set(created)) and len(created) == 20


async def test_archive_transfer_archives_the_package_with_a_verified_copy(db: Database) -> None:
    world = await build_world(db)
    loc = world.locations
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed", state="transferring")
        await add_package_copy(conn, package, loc["cologne_buffer"])
        await add_package_copy(conn, package, loc["ccat_buffer"])  # no archive at ccat: no leg from there
        (leg,) = await pipeline.packages_ready_for_archive(conn)
        assert (leg.origin_location_id, leg.destination_location_id) == (loc["cologne_buffer"], loc["cologne_lta"])
        (created,) = await pipeline.schedule_archive_transfers(conn)
        assert await pipeline.schedule_archive_transfers(conn) == []
        (c,) = await work.claim(conn, WorkKind.LONG_TERM_ARCHIVE_TRANSFER, "archiver", sites=["cologne"])
        assert c.item_id == created
        await work.complete(conn, c, verified=True)
        state = await conn.fetchval("SELECT state FROM raw_data_package WHERE id = $1", package)
        archived = await conn.fetchrow(
            "SELECT status, checksum_verified_at FROM physical_copy "
            "WHERE raw_data_package_id = $1 AND data_location_id = $2",
            package,
            loc["cologne_lta"],
        )
    assert state == "archived"
    assert archived is not None and archived["status"] == "present" and archived["checksum_verified_at"] is not None


async def test_archiving_a_failed_package_is_refused_and_nothing_is_written(db: Database) -> None:
    world = await build_world(db)
    loc = world.locations
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed", state="transferring")
        await add_package_copy(conn, package, loc["cologne_buffer"])
        await pipeline.schedule_archive_transfers(conn)
        (c,) = await work.claim(conn, WorkKind.LONG_TERM_ARCHIVE_TRANSFER, "archiver")
        await conn.execute("UPDATE raw_data_package SET state = 'failed' WHERE id = $1", package)
        with pytest.raises(InvalidTransitionError, match="failed -> archived"):
            await work.complete(conn, c, verified=True)
        item = await work.get(conn, WorkKind.LONG_TERM_ARCHIVE_TRANSFER, c.item_id)
        lta_copies = await conn.fetchval(
            "SELECT count(*) FROM physical_copy WHERE data_location_id = $1", loc["cologne_lta"]
        )
    assert item.status == "in_progress"
    assert lta_copies == 0


async def test_staging_request_stages_from_the_archive(db: Database) -> None:
    world = await build_world(db)
    loc = world.locations
    async with db.connection() as conn:
        packages = await add_packages(conn, world, 2, status="completed", state="archived")
        for p in packages:
            await add_package_copy(conn, p, loc["cologne_lta"], verified=True)
        job = await pipeline.create_staging_job(
            conn,
            user_account_id=world.user_id,
            destination_location_id=loc["cologne_processing"],
            package_ids=packages,
        )
        (request,) = await pipeline.staging_requests(conn)
        sources = await pipeline.staging_sources(conn, job)
        (c,) = await work.claim(conn, WorkKind.STAGING_JOB, "stager", locations=[loc["cologne_processing"]])
        await work.complete(conn, c)
        staged = await conn.fetch(
            "SELECT status FROM physical_copy WHERE data_location_id = $1", loc["cologne_processing"]
        )
    assert request["package_ids"] == packages
    assert sources == {p: loc["cologne_lta"] for p in packages}
    assert [r["status"] for r in staged] == ["staged", "staged"]


async def test_guarded_package_state_change(db: Database) -> None:
    world = await build_world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1)
        await pipeline.set_package_state(conn, package, PackageState.WAITING, PackageState.TRANSFERRING)
        with pytest.raises(InvalidTransitionError, match="transferring -> transferring"):
            await pipeline.set_package_state(conn, package, PackageState.WAITING, PackageState.TRANSFERRING)
        with pytest.raises(InvalidTransitionError, match="archived -> waiting"):
            await pipeline.set_package_state(conn, package, PackageState.ARCHIVED, PackageState.WAITING)


async def test_finished_transfers_are_listed_for_unpacking_at_their_destination(db: Database) -> None:
    world = await build_world(db)
    loc = world.locations
    async with db.connection() as conn:
        await add_route(conn, "ccat_to_cologne", world.sites["ccat"], world.sites["cologne"])
        packages = await add_packages(conn, world, 1, status="completed")
        await add_bundle(conn, world, packages)
        (transfer,) = await pipeline.schedule_transfers(conn)
        assert await pipeline.transfers_to_unpack(conn) == []
        (c,) = await work.claim(conn, WorkKind.DATA_TRANSFER, "sender")
        await work.complete(conn, c, verified=True)
        (ready,) = await pipeline.transfers_to_unpack(conn, locations=[loc["cologne_buffer"]])
        elsewhere = await pipeline.transfers_to_unpack(conn, locations=[loc["us_buffer"]])
    assert ready["id"] == transfer
    assert elsewhere == []
