"""Physical copies: every subtype round trip, look-ups, guarded status changes and the CHECKs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from opsdb.db import Database
from opsdb.errors import (
    CheckViolationError,
    ConflictError,
    InvalidReferenceError,
    InvalidTransitionError,
    NotFoundError,
)
from opsdb.ids import uuid7
from opsdb.pipeline import set_copy_status
from opsdb.schemas.copies import (
    PHYSICAL_COPY_CREATE,
    DataTransferPackageCopy,
    RawDataFileCopy,
    RawDataPackageCopy,
)
from opsdb.schemas.enums import CopyType, PhysicalCopyStatus
from opsdb.testing import T0, World, add_bundle, add_packages, insert, rejects, seed_world

pytestmark = pytest.mark.anyio

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
S = PhysicalCopyStatus


class Items:
    """One file, one package and one bundle to make copies of."""

    def __init__(self, basics: World, file_id: Any, package_id: int, bundle_id: int) -> None:
        self.basics, self.file_id, self.package_id, self.bundle_id = basics, file_id, package_id, bundle_id


@pytest.fixture
async def items(db: Database) -> Items:
    async with db.connection() as conn:
        b = await seed_world(conn, modules=2, running=2)
        file = await insert(
            conn,
            "raw_data_file",
            id=uuid7(),
            instrument_module_id=b.module_id,
            executed_obs_unit_id=b.running[0],
            name="a.fits",
            relative_path="a.fits",
            size_bytes=1,
            checksum_algorithm="md5",
            checksum=MD5,
        )
        [package] = await add_packages(conn, b, 1)
        bundle = await add_bundle(conn, b, [], status="pending")
        return Items(b, file["id"], package, bundle)


def copy_input(kind: str, item_id: Any, location_id: int, **extra: Any) -> Any:
    return PHYSICAL_COPY_CREATE.validate_python(
        {"type": kind, f"{kind}_id": item_id, "data_location_id": location_id} | extra
    )


async def test_every_copy_type_round_trips_as_its_subtype(db: Database, items: Items) -> None:
    b = items.basics
    async with db.transaction() as uow:
        file_copy = await uow.copies.create_copy(copy_input("raw_data_file", items.file_id, b.locations["ccat_source"]))
        package_copy = await uow.copies.create_copy(
            copy_input("raw_data_package", items.package_id, b.locations["ccat_buffer"], checksum_verified_at=T0)
        )
        bundle_copy = await uow.copies.create_copy(
            copy_input("data_transfer_package", items.bundle_id, b.locations["cologne_buffer"])
        )
        assert isinstance(file_copy, RawDataFileCopy) and file_copy.raw_data_file_id == items.file_id
        assert isinstance(package_copy, RawDataPackageCopy) and package_copy.checksum_verified_at == T0
        assert (
            isinstance(bundle_copy, DataTransferPackageCopy) and bundle_copy.data_transfer_package_id == items.bundle_id
        )
        assert file_copy.status is S.PRESENT and file_copy.deleted_at is None
        for copy in (file_copy, package_copy, bundle_copy):
            assert await uow.copies.get_copy(copy.id) == copy
        assert (
            await uow.copies.get_copy_at_location(CopyType.RAW_DATA_FILE, items.file_id, b.locations["ccat_source"])
            == file_copy
        )
        assert (
            await uow.copies.get_copy_at_location(
                CopyType.RAW_DATA_PACKAGE, items.package_id, b.locations["ccat_buffer"]
            )
            == package_copy
        )
        assert (
            await uow.copies.get_copy_at_location(
                CopyType.DATA_TRANSFER_PACKAGE, items.bundle_id, b.locations["cologne_buffer"]
            )
            == bundle_copy
        )


async def test_copy_look_up_at_another_location_is_not_found(db: Database, items: Items) -> None:
    b = items.basics
    async with db.transaction() as uow:
        await uow.copies.create_copy(copy_input("raw_data_package", items.package_id, b.locations["ccat_buffer"]))
        with pytest.raises(NotFoundError, match=f"raw_data_package {items.package_id} at location"):
            await uow.copies.get_copy_at_location(
                CopyType.RAW_DATA_PACKAGE, items.package_id, b.locations["cologne_buffer"]
            )
        with pytest.raises(NotFoundError, match="physical_copy not found"):
            await uow.copies.get_copy(10**9)


async def test_listing_filters_by_location_status_and_type(db: Database, items: Items) -> None:
    b = items.basics
    async with db.transaction() as uow:
        f = await uow.copies.create_copy(copy_input("raw_data_file", items.file_id, b.locations["ccat_source"]))
        p = await uow.copies.create_copy(copy_input("raw_data_package", items.package_id, b.locations["ccat_source"]))
        staged = await uow.copies.create_copy(
            copy_input("raw_data_package", items.package_id, b.locations["cologne_processing"], status="staged")
        )
        assert [c.id for c in await uow.copies.list_copies()] == [f.id, p.id, staged.id]
        at_source = await uow.copies.list_copies(data_location_id=b.locations["ccat_source"])
        assert [c.id for c in at_source] == [f.id, p.id]
        assert [c.id for c in await uow.copies.list_copies(status=S.STAGED)] == [staged.id]
        packages = await uow.copies.list_copies(copy_type=CopyType.RAW_DATA_PACKAGE, limit=1)
        assert [c.id for c in packages] == [p.id]
        more = await uow.copies.list_copies(copy_type=CopyType.RAW_DATA_PACKAGE, after_id=packages[-1].id)
        assert [c.id for c in more] == [staged.id]
        assert await uow.copies.list_copies(copy_type=CopyType.DATA_TRANSFER_PACKAGE) == []


async def test_second_copy_of_an_item_at_one_location_is_a_conflict(db: Database, items: Items) -> None:
    b = items.basics
    cases = [
        ("raw_data_file", items.file_id, "physical_copy_file_location_key"),
        ("raw_data_package", items.package_id, "physical_copy_package_location_key"),
        ("data_transfer_package", items.bundle_id, "physical_copy_dtp_location_key"),
    ]
    for kind, item_id, constraint in cases:
        async with db.transaction() as uow:
            await uow.copies.create_copy(copy_input(kind, item_id, b.locations["cologne_buffer"]))
        with pytest.raises(ConflictError) as err:
            async with db.transaction() as uow:
                await uow.copies.create_copy(copy_input(kind, item_id, b.locations["cologne_buffer"]))
        assert err.value.constraint == constraint


async def test_copy_of_unknown_item_or_location_is_an_invalid_reference(db: Database, items: Items) -> None:
    b = items.basics
    async with db.transaction() as uow:
        with pytest.raises(InvalidReferenceError) as err:
            await uow.copies.create_copy(copy_input("raw_data_file", uuid7(), b.locations["ccat_source"]))
        assert err.value.constraint == "physical_copy_raw_data_file_id_fkey"
    async with db.transaction() as uow:
        with pytest.raises(InvalidReferenceError) as err:
            await uow.copies.create_copy(copy_input("data_transfer_package", items.bundle_id, 10**9))
        assert err.value.constraint == "physical_copy_data_location_id_fkey"


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        (
            {"type": "raw_data_package", "raw_data_package_id": 1, "data_location_id": 1, "status": "deleted"},
            ["status"],
        ),
        (
            {"type": "raw_data_package", "raw_data_file_id": str(uuid7()), "data_location_id": 1},
            ["raw_data_package_id", "raw_data_file_id"],
        ),
        ({"type": "raw_data_file", "raw_data_file_id": "nope", "data_location_id": 1}, ["raw_data_file_id"]),
        ({"type": "raw_data_file", "raw_data_file_id": str(uuid7())}, ["data_location_id"]),
        (
            {
                "type": "raw_data_file",
                "raw_data_file_id": str(uuid7()),
                "data_location_id": 1,
                "checksum_verified_at": "2026-11-01T00:00:00",
            },
            ["checksum_verified_at"],
        ),
    ],
)
def test_copy_input_errors_name_the_field(data: dict[str, Any], fields: list[str]) -> None:
    with pytest.raises(ValidationError) as err:
        PHYSICAL_COPY_CREATE.validate_python(data)
    assert [e["loc"][-1] for e in err.value.errors()] == fields


def test_copy_input_of_unknown_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="union_tag_invalid"):
        PHYSICAL_COPY_CREATE.validate_python({"type": "bundle", "data_location_id": 1})


# -- guarded status changes ----------------------------------------------------------------


async def test_status_change_happens_only_from_the_expected_status(db: Database, items: Items) -> None:
    b = items.basics
    async with db.transaction() as uow:
        copy = await uow.copies.create_copy(
            copy_input("raw_data_package", items.package_id, b.locations["ccat_source"])
        )
        await set_copy_status(uow.conn, copy.id, S.PRESENT, S.DELETION_SCHEDULED)
        scheduled = await uow.copies.get_copy(copy.id)
        assert isinstance(scheduled, RawDataPackageCopy) and scheduled.status is S.DELETION_SCHEDULED
        assert copy.next_attempt_at is None and scheduled.next_attempt_at is not None  # due for the deleter now
        assert scheduled.updated_at >= copy.updated_at
        # a second daemon working from the old status loses
        with pytest.raises(InvalidTransitionError) as err:
            await set_copy_status(uow.conn, copy.id, S.PRESENT, S.DELETION_SCHEDULED)
        assert (err.value.item, err.value.current, err.value.target) == (
            f"physical_copy {copy.id}",
            "deletion_scheduled",
            "deletion_scheduled",
        )
        assert (await uow.copies.get_copy(copy.id)).status is S.DELETION_SCHEDULED


def test_the_repository_has_no_second_way_to_change_a_status() -> None:
    from opsdb.repositories.copies import PhysicalCopyRepository

    assert not any("status" in name for name in vars(PhysicalCopyRepository) if not name.startswith("_"))


async def test_deleted_sets_deleted_at_and_is_final(db: Database, items: Items) -> None:
    b = items.basics
    async with db.transaction() as uow:
        copy = await uow.copies.create_copy(copy_input("raw_data_file", items.file_id, b.locations["ccat_source"]))
        await set_copy_status(uow.conn, copy.id, S.PRESENT, S.DELETION_SCHEDULED)
        # the deleter's path: a claim, then completion (the status needs a claim's columns); the
        # file is in no archived package, so the deletion rule (migration 0016) would refuse it:
        # fabricated as the owner's repair
        await uow.conn.execute("SELECT set_config('opsdb.repair', 'on', true)")
        await uow.conn.execute(
            "UPDATE physical_copy SET status = 'deletion_in_progress', claimed_by = 'd', claim_token = $2, "
            "lease_until = now() WHERE id = $1",
            copy.id,
            uuid7(),
        )
        await set_copy_status(uow.conn, copy.id, S.DELETION_IN_PROGRESS, S.DELETED)
        await uow.conn.execute("SELECT set_config('opsdb.repair', 'off', true)")
        deleted = await uow.copies.get_copy(copy.id)
        assert deleted.status is S.DELETED and deleted.deleted_at is not None
        with pytest.raises(InvalidTransitionError, match="deleted -> present"):
            await set_copy_status(uow.conn, copy.id, S.DELETED, S.PRESENT)
        assert (await uow.copies.get_copy(copy.id)).status is S.DELETED


async def test_status_change_to_the_same_status_or_of_a_missing_copy_is_refused(db: Database, items: Items) -> None:
    b = items.basics
    async with db.transaction() as uow:
        copy = await uow.copies.create_copy(copy_input("raw_data_file", items.file_id, b.locations["ccat_source"]))
        with pytest.raises(InvalidTransitionError, match="present -> present"):
            await set_copy_status(uow.conn, copy.id, S.PRESENT, S.PRESENT)
        with pytest.raises(NotFoundError):
            await set_copy_status(uow.conn, 10**9, S.PRESENT, S.DELETION_SCHEDULED)


async def test_status_needing_a_claim_is_refused_by_the_database(db: Database, items: Items) -> None:
    b = items.basics
    async with db.transaction() as uow:
        copy = await uow.copies.create_copy(copy_input("raw_data_file", items.file_id, b.locations["ccat_source"]))
        await set_copy_status(uow.conn, copy.id, S.PRESENT, S.DELETION_SCHEDULED)
        with pytest.raises(CheckViolationError) as err:
            await uow.conn.execute("UPDATE physical_copy SET status = 'deletion_in_progress' WHERE id = $1", copy.id)
        assert err.value.constraint == "physical_copy_claim_columns"


# -- the table's CHECK constraints ---------------------------------------------------------


async def test_database_refuses_bad_copy_rows(db: Database, items: Items) -> None:
    b = items.basics
    loc = b.locations["cologne_buffer"]
    file_copy = {"type": "raw_data_file", "raw_data_file_id": items.file_id, "data_location_id": loc}
    claim = {"claimed_by": "deleter@cologne", "claim_token": uuid7(), "lease_until": T0}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("physical_copy_type_columns", {"type": "raw_data_file", "data_location_id": loc}),
        ("physical_copy_type_columns", file_copy | {"raw_data_package_id": items.package_id}),
        ("physical_copy_type_columns", file_copy | {"type": "raw_data_package"}),
        ("physical_copy_type_valid", {"type": "tarball", "data_location_id": loc}),
        ("physical_copy_status_valid", file_copy | {"status": "vanished"}),
        ("physical_copy_deleted_at_iff_deleted", file_copy | {"status": "deleted"}),
        ("physical_copy_deleted_at_iff_deleted", file_copy | {"deleted_at": T0}),
        ("physical_copy_claim_columns", file_copy | {"status": "deletion_in_progress", "claimed_by": "x"}),
        ("physical_copy_attempts_nonnegative", file_copy | {"attempts": -1}),
        ("physical_copy_max_attempts_positive", file_copy | {"max_attempts": 0}),
    ]
    async with db.connection() as conn:
        for constraint, values in cases:
            await rejects(conn, CheckViolationError, constraint, "physical_copy", **values)
        await insert(conn, "physical_copy", **file_copy, status="deleted", deleted_at=T0)
        await insert(
            conn,
            "physical_copy",
            type="raw_data_package",
            raw_data_package_id=items.package_id,
            data_location_id=loc,
            status="deletion_in_progress",
            **claim,
        )
        await insert(
            conn,
            "physical_copy",
            type="data_transfer_package",
            data_transfer_package_id=items.bundle_id,
            data_location_id=loc,
        )
