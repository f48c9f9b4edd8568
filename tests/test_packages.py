"""Raw data packages (+ ObsCore metadata), filing files into them, and data transfer packages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import anyio
import pytest
from pydantic import ValidationError

from opsdb.db import Database, UnitOfWork
from opsdb.errors import (
    CheckViolationError,
    ConflictError,
    InputValidationError,
    InvalidReferenceError,
    InvalidTransitionError,
    NotFoundError,
)
from opsdb.ids import uuid7
from opsdb.repositories.packages import PackageRepository
from opsdb.schemas.data import (
    DataTransferPackageCreate,
    RawDataFileCreate,
    RawDataPackageCreate,
    RawDataPackageMetadataUpsert,
)
from opsdb.schemas.enums import ChecksumAlgorithm, PackageState, Status
from opsdb.testing import T0, World, insert, rejects

pytestmark = pytest.mark.anyio

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


async def register(
    uow: UnitOfWork, b: World, count: int, *, module_id: int | None = None, run: UUID | None = None, prefix: str = "f"
) -> list[UUID]:
    ids = []
    for i in range(count):
        created = await uow.files.create_file(
            RawDataFileCreate(
                instrument_module_id=module_id or b.module_id,
                executed_obs_unit_id=run or b.running[0],
                name=f"{prefix}{i}.fits",
                relative_path=f"{prefix}/{i}.fits",
                size_bytes=10,
                checksum_algorithm=ChecksumAlgorithm.MD5,
                checksum=MD5,
                file_created_at=T0 + timedelta(seconds=i),
            )
        )
        ids.append(created.id)
    return ids


def package_input(b: World, name: str = "pkg_1", **changes: Any) -> RawDataPackageCreate:
    data: dict[str, Any] = {
        "name": name,
        "relative_path": f"packages/{name}.tar",
        "executed_obs_unit_id": b.running[0],
        "instrument_module_id": b.module_id,
        "origin_location_id": b.locations["ccat_source"],
    }
    data.update(changes)
    return RawDataPackageCreate.model_validate(data)


def package_row(b: World, **changes: Any) -> dict[str, Any]:
    """Column values of a valid raw_data_package row, for raw INSERTs past pydantic."""
    row: dict[str, Any] = {
        "name": f"raw_{uuid7()}",
        "relative_path": "p.tar",
        "executed_obs_unit_id": b.running[0],
        "instrument_module_id": b.module_id,
        "origin_location_id": b.locations["ccat_source"],
    }
    row.update(changes)
    return row


def bundle_row(b: World, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": f"dtp_{uuid7()}",
        "relative_path": "b.tar",
        "origin_location_id": b.locations["ccat_buffer"],
    }
    row.update(changes)
    return row


# -- raw data packages ---------------------------------------------------------------------


async def test_package_round_trips_and_lists_by_filters(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        lfa = await uow.packages.create_package(package_input(observing_world, "lfa_1"))
        hfa = await uow.packages.create_package(
            package_input(observing_world, "hfa_1", instrument_module_id=observing_world.modules[1])
        )
        assert lfa.status is Status.PENDING and lfa.state is PackageState.WAITING and lfa.checksum is None
        assert await uow.packages.get_package(lfa.id) == lfa
        assert await uow.packages.get_package_by_name("hfa_1") == hfa
        assert [p.id for p in await uow.packages.list_packages()] == [lfa.id, hfa.id]
        assert [p.id for p in await uow.packages.list_packages(instrument_module_id=observing_world.modules[1])] == [
            hfa.id
        ]
        assert [p.id for p in await uow.packages.list_packages(after_id=lfa.id, limit=5)] == [hfa.id]
        assert await uow.packages.list_packages(executed_obs_unit_id=observing_world.running[1]) == []
        assert len(await uow.packages.list_packages(state=PackageState.WAITING, status=Status.PENDING)) == 2
        assert await uow.packages.list_packages(status=Status.COMPLETED) == []


async def test_duplicate_package_name_is_a_conflict(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        await uow.packages.create_package(package_input(observing_world))
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.packages.create_package(package_input(observing_world))
    assert err.value.constraint == "raw_data_package_name_key"


async def test_package_at_unknown_location_is_an_invalid_reference(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        with pytest.raises(InvalidReferenceError) as err:
            await uow.packages.create_package(package_input(observing_world, origin_location_id=10**9))
    assert err.value.constraint == "raw_data_package_origin_location_id_fkey"


async def test_missing_package_is_not_found(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        with pytest.raises(NotFoundError, match="raw_data_package not found: 42"):
            await uow.packages.get_package(42)
        with pytest.raises(NotFoundError):
            await uow.packages.get_package_by_name("nope")


def test_package_input_errors_name_the_field() -> None:
    base: dict[str, Any] = {
        "name": "p",
        "relative_path": "p.tar",
        "executed_obs_unit_id": uuid7(),
        "instrument_module_id": 1,
    }
    base["origin_location_id"] = 1
    cases: list[tuple[dict[str, Any], str]] = [
        ({"checksum_algorithm": "md5"}, "checksum"),
        ({"checksum": MD5}, "checksum"),
        ({"relative_path": "../p.tar"}, "relative_path"),
        ({"size_bytes": -5}, "size_bytes"),
        ({"max_attempts": 0}, "max_attempts"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationError) as err:
            RawDataPackageCreate.model_validate(base | changes)
        assert [e["loc"][0] for e in err.value.errors()] == [field], changes


# -- filing files into a package -----------------------------------------------------------


async def test_package_is_created_with_exactly_its_files(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        files = await register(uow, observing_world, 4)
        package = await uow.packages.create_package_with_files(package_input(observing_world), files[:3])
        packaged = await uow.files.list_files(raw_data_package_id=package.id)
        assert [f.id for f in packaged] == sorted(files[:3])
        waiting = await uow.files.list_unpackaged_files(observing_world.running[0], observing_world.module_id)
        assert [f.id for f in waiting] == [files[3]]


async def test_filing_an_already_packaged_file_writes_nothing_and_names_it(
    db: Database, observing_world: World
) -> None:
    async with db.transaction() as uow:
        files = await register(uow, observing_world, 3)
        first = await uow.packages.create_package_with_files(package_input(observing_world, "first"), files[:1])
    with pytest.raises(ConflictError, match=f"already packaged: {files[0]}") as err:
        async with db.transaction() as uow:
            await uow.packages.create_package_with_files(package_input(observing_world, "second"), files)
    assert str(files[1]) not in str(err.value)
    async with db.transaction() as uow:
        assert [p.id for p in await uow.packages.list_packages()] == [first.id]
        waiting = await uow.files.list_unpackaged_files(observing_world.running[0], observing_world.module_id)
        assert [f.id for f in waiting] == sorted(files[1:])


async def test_of_two_concurrent_packagers_sharing_files_the_second_gets_nothing(
    db: Database, observing_world: World
) -> None:
    async with db.transaction() as uow:
        files = await register(uow, observing_world, 4)
    refused: list[ConflictError] = []

    async def second() -> None:
        try:
            async with db.transaction() as uow:
                await uow.packages.create_package_with_files(package_input(observing_world, "second"), files[2:])
        except ConflictError as exc:
            refused.append(exc)

    async with db.connection() as conn, db.connection() as observer:
        first = conn.raw.transaction()
        await first.start()
        await PackageRepository(conn).create_package_with_files(package_input(observing_world, "first"), files[:3])
        with anyio.fail_after(60):  # a guard against hanging, not a timing assertion
            async with anyio.create_task_group() as tg:
                tg.start_soon(second)
                # the second packager is now waiting for the first's row locks on the shared file
                # (polling the server: there is no event to wait on)
                while not await observer.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"):  # noqa: ASYNC110
                    await anyio.sleep(0.01)
                await first.commit()
    assert len(refused) == 1 and f"already packaged: {files[2]}" in str(refused[0])
    assert str(files[3]) not in str(refused[0])
    async with db.transaction() as uow:
        assert [p.name for p in await uow.packages.list_packages()] == ["first"]
        assert (await uow.files.get_file(files[3])).raw_data_package_id is None


async def test_filing_files_of_another_execution_or_module_is_refused(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        own = await register(uow, observing_world, 2)
        other_run = await register(uow, observing_world, 1, run=observing_world.running[1], prefix="run2")
        other_module = await register(uow, observing_world, 1, module_id=observing_world.modules[1], prefix="hfa")
    for foreign in (other_run, other_module):
        with pytest.raises(
            InvalidReferenceError, match=f"another executed obs unit or instrument module: {foreign[0]}"
        ):
            async with db.transaction() as uow:
                await uow.packages.create_package_with_files(package_input(observing_world), own + foreign)
    async with db.transaction() as uow:
        assert await uow.packages.list_packages() == []
        assert len(await uow.files.list_unpackaged_files(observing_world.running[0], observing_world.module_id)) == 2


async def test_filing_an_unknown_file_is_refused(db: Database, observing_world: World) -> None:
    ghost = uuid7()
    async with db.transaction() as uow:
        own = await register(uow, observing_world, 1)
        with pytest.raises(InvalidReferenceError, match=f"unknown: {ghost}"):
            await uow.packages.create_package_with_files(package_input(observing_world), [*own, ghost])
        with pytest.raises(InputValidationError, match="file_ids"):
            await uow.packages.create_package_with_files(package_input(observing_world), [])
        # the refusals rolled back only their own savepoint: the caller's transaction goes on
        package = await uow.packages.create_package_with_files(package_input(observing_world), own)
        assert (await uow.files.get_file(own[0])).raw_data_package_id == package.id


async def test_database_refuses_a_file_in_a_package_of_another_execution_or_module(
    db: Database, observing_world: World
) -> None:
    async with db.transaction() as uow:
        package = await uow.packages.create_package(package_input(observing_world))
        own = await register(uow, observing_world, 1)
        other_run = await register(uow, observing_world, 1, run=observing_world.running[1], prefix="run2")
        other_module = await register(uow, observing_world, 1, module_id=observing_world.modules[1], prefix="hfa")
    async with db.connection() as conn:
        for file_ids in (other_run, other_module):
            with pytest.raises(InvalidReferenceError) as err:
                await conn.execute(
                    "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = $2", package.id, file_ids[0]
                )
            assert err.value.constraint == "raw_data_file_package_fkey"
        await conn.execute("UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = $2", package.id, own[0])


# -- finishing a build ---------------------------------------------------------------------


async def test_finalize_records_size_and_checksum_once(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        package = await uow.packages.create_package(package_input(observing_world))
        done = await uow.packages.finalize_package(package.id, 4096, "sha256", SHA256)
        assert done.status is Status.COMPLETED and done.size_bytes == 4096
        assert done.checksum_algorithm is ChecksumAlgorithm.SHA256 and done.checksum == SHA256
        with pytest.raises(InvalidTransitionError, match="completed -> completed") as err:
            await uow.packages.finalize_package(package.id, 1, "sha256", SHA256)
        assert err.value.item == f"raw_data_package {package.id}"
        assert (await uow.packages.get_package(package.id)).size_bytes == 4096


async def test_finalize_takes_a_claimed_build_and_releases_the_claim(db: Database, observing_world: World) -> None:
    async with db.connection() as conn:
        row = await insert(
            conn,
            "raw_data_package",
            **package_row(
                observing_world, status="in_progress", claimed_by="packager@ccat", claim_token=uuid7(), lease_until=T0
            ),
        )
    async with db.transaction() as uow:
        done = await uow.packages.finalize_package(row["id"], 10, ChecksumAlgorithm.MD5, MD5)
        assert done.status is Status.COMPLETED and done.claim_token is None and done.claimed_by is None


async def test_finalize_refuses_a_failed_build_a_bad_checksum_and_a_missing_package(
    db: Database, observing_world: World
) -> None:
    async with db.connection() as conn:
        failed = await insert(conn, "raw_data_package", **package_row(observing_world, status="failed"))
    async with db.transaction() as uow:
        with pytest.raises(InvalidTransitionError, match="failed -> completed"):
            await uow.packages.finalize_package(failed["id"], 10, "md5", MD5)
        with pytest.raises(ValidationError) as err:
            await uow.packages.finalize_package(failed["id"], 10, "md5", SHA256)
        assert [e["loc"][0] for e in err.value.errors()] == ["checksum"]
        with pytest.raises(NotFoundError):
            await uow.packages.finalize_package(10**9, 10, "md5", MD5)


# -- ObsCore metadata ----------------------------------------------------------------------


async def test_metadata_upsert_creates_then_replaces(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        package = await uow.packages.create_package(package_input(observing_world))
        # every field set, each to a distinct value, so a column mix-up cannot go unseen
        full = RawDataPackageMetadataUpsert(
            obs_id="orion_map_1", obs_collection="CCAT/CHAI", obs_publisher_did="ivo://ccat/raw?1",
            dataproduct_type="cube", calib_level=0, target_name="Orion-KL", s_ra=83.81, s_dec=-5.37, s_fov=0.1,
            t_min=61000.1, t_max=61000.2, t_exptime=600.0, em_min=6.0e-4, em_max=6.6e-4, em_res_power=1.0e6,
            pol_states="/XX/YY/", o_ucd="phot.flux.density", facility_name="FYST", instrument_name="CHAI",
            extra={"pwv_mm": 0.4},
        )  # fmt: skip
        first = await uow.packages.upsert_metadata(package.id, full)
        assert first.model_dump(include=set(RawDataPackageMetadataUpsert.model_fields)) == full.model_dump()
        assert await uow.packages.get_metadata(package.id) == first
        second = await uow.packages.upsert_metadata(package.id, RawDataPackageMetadataUpsert(obs_id="renamed"))
        assert second.obs_id == "renamed" and second.target_name is None and second.extra == {}
        assert second.created_at == first.created_at


async def test_metadata_of_unknown_package_is_refused_or_not_found(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        with pytest.raises(NotFoundError, match="raw_data_package_metadata"):
            await uow.packages.get_metadata(10**9)
        with pytest.raises(InvalidReferenceError):
            await uow.packages.upsert_metadata(10**9, RawDataPackageMetadataUpsert(obs_id="x"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"s_ra": 360.0}, "s_ra"),
        ({"s_dec": -91.0}, "s_dec"),
        ({"calib_level": 5}, "calib_level"),
        ({"s_fov": -1.0}, "s_fov"),
        ({"t_exptime": -1.0}, "t_exptime"),
        ({"em_min": 0.0}, "em_min"),
        ({"t_min": 2.0, "t_max": 1.0}, "t_max"),
        ({"em_min": 2.0, "em_max": 1.0}, "em_max"),
        ({"dataproduct_type": "Cube!"}, "dataproduct_type"),
        ({"obs_title": "not an ObsCore column here"}, "obs_title"),
    ],
)
def test_metadata_input_errors_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        RawDataPackageMetadataUpsert.model_validate(changes)
    assert [e["loc"][0] for e in err.value.errors()] == [field]


async def test_database_refuses_out_of_range_metadata(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        package = await uow.packages.create_package(package_input(observing_world))
    table, pid = "raw_data_package_metadata", package.id
    cases: dict[str, dict[str, Any]] = {
        "raw_data_package_metadata_calib_level_range": {"calib_level": 5},
        "raw_data_package_metadata_s_ra_range": {"s_ra": 360.0},
        "raw_data_package_metadata_s_dec_range": {"s_dec": 90.5},
        "raw_data_package_metadata_s_fov_nonnegative": {"s_fov": -0.1},
        "raw_data_package_metadata_t_exptime_nonnegative": {"t_exptime": -1.0},
        "raw_data_package_metadata_em_min_positive": {"em_min": 0.0},
        "raw_data_package_metadata_t_order": {"t_min": 2.0, "t_max": 1.0},
        "raw_data_package_metadata_em_order": {"em_min": 2.0, "em_max": 1.0},
        "raw_data_package_metadata_extra_object": {"extra": "text"},
    }
    async with db.connection() as conn:
        for constraint, values in cases.items():
            await rejects(conn, CheckViolationError, constraint, table, raw_data_package_id=pid, **values)
        good = {"calib_level": 4, "s_ra": 0.0, "s_dec": 90.0, "s_fov": 0.0, "t_min": 1.0, "t_max": 1.0}
        await insert(conn, table, raw_data_package_id=pid, **good, em_min=1e-4, em_max=1e-4, extra={})


# -- the package tables' CHECK constraints -------------------------------------------------


async def test_database_refuses_bad_package_rows(db: Database, observing_world: World) -> None:
    token = {"claimed_by": "w", "claim_token": uuid7(), "lease_until": T0}
    cases: dict[str, dict[str, Any]] = {
        "raw_data_package_name_nonempty": {"name": ""},
        "raw_data_package_relative_path_valid": {"relative_path": "../p.tar"},
        "raw_data_package_size_nonnegative": {"size_bytes": -1},
        "raw_data_package_checksum_valid": {"checksum": MD5},  # checksum without its algorithm
        "raw_data_package_state_valid": {"state": "lost"},
        "raw_data_package_status_valid": {"status": "done"},
        "raw_data_package_attempts_nonnegative": {"attempts": -1},
        "raw_data_package_max_attempts_positive": {"max_attempts": 0},
        "raw_data_package_completed_has_checksum": {"status": "completed", "size_bytes": 1},
        "raw_data_package_claim_columns": {"status": "in_progress", "claimed_by": "w", "claim_token": uuid7()},
    }
    async with db.connection() as conn:
        for constraint, values in cases.items():
            await rejects(
                conn, CheckViolationError, constraint, "raw_data_package", **package_row(observing_world, **values)
            )
        await rejects(
            conn,
            CheckViolationError,
            "raw_data_package_checksum_valid",
            "raw_data_package",
            **package_row(observing_world, checksum_algorithm="md5", checksum=SHA256),
        )
        done = package_row(observing_world, status="completed", size_bytes=1, checksum_algorithm="md5", checksum=MD5)
        await insert(conn, "raw_data_package", **done)
        await insert(conn, "raw_data_package", **package_row(observing_world, status="in_progress", **token))


async def test_database_refuses_bad_data_transfer_package_rows(db: Database, observing_world: World) -> None:
    cases: dict[str, dict[str, Any]] = {
        "data_transfer_package_name_nonempty": {"name": ""},
        "data_transfer_package_relative_path_valid": {"relative_path": "/abs.tar"},
        "data_transfer_package_size_nonnegative": {"size_bytes": -1},
        "data_transfer_package_checksum_valid": {"checksum_algorithm": "sha256"},  # algorithm without a checksum
        "data_transfer_package_status_valid": {"status": "sent"},
        "data_transfer_package_attempts_nonnegative": {"attempts": -1},
        "data_transfer_package_max_attempts_positive": {"max_attempts": 0},
        "data_transfer_package_completed_has_checksum": {"status": "completed"},
        "data_transfer_package_claim_columns": {"status": "in_progress", "lease_until": T0},
    }
    async with db.connection() as conn:
        for constraint, values in cases.items():
            await rejects(
                conn, CheckViolationError, constraint, "data_transfer_package", **bundle_row(observing_world, **values)
            )
        done = bundle_row(
            observing_world, status="completed", size_bytes=0, checksum_algorithm="sha256", checksum=SHA256
        )
        await insert(conn, "data_transfer_package", **done)


# -- data transfer packages ----------------------------------------------------------------


async def test_data_transfer_package_round_trips_and_lists(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        bundle = await uow.packages.create_transfer_package(
            DataTransferPackageCreate(
                name="ccat_20261101_001", relative_path="bundles/ccat_20261101_001.tar",
                origin_location_id=observing_world.locations["ccat_buffer"],
            )
        )  # fmt: skip
        built = await uow.packages.create_transfer_package(
            DataTransferPackageCreate(
                name="ccat_20261101_002", relative_path="bundles/ccat_20261101_002.tar",
                origin_location_id=observing_world.locations["cologne_buffer"], size_bytes=7,
                checksum_algorithm=ChecksumAlgorithm.SHA256, checksum=SHA256, max_attempts=2,
            )
        )  # fmt: skip
        assert bundle.status is Status.PENDING and bundle.checksum is None and built.max_attempts == 2
        assert await uow.packages.get_transfer_package(bundle.id) == bundle
        assert await uow.packages.get_transfer_package_by_name("ccat_20261101_002") == built
        assert [b.id for b in await uow.packages.list_transfer_packages()] == [bundle.id, built.id]
        by_origin = await uow.packages.list_transfer_packages(
            origin_location_id=observing_world.locations["cologne_buffer"]
        )
        assert [b.id for b in by_origin] == [built.id]
        assert [b.id for b in await uow.packages.list_transfer_packages(after_id=bundle.id)] == [built.id]
        assert await uow.packages.list_transfer_packages(status=Status.FAILED) == []
        with pytest.raises(NotFoundError):
            await uow.packages.get_transfer_package(10**9)
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.packages.create_transfer_package(
                DataTransferPackageCreate(
                    name=bundle.name, relative_path="x.tar", origin_location_id=bundle.origin_location_id
                )
            )
    assert err.value.constraint == "data_transfer_package_name_key"
