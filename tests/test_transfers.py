"""Data transfers (with the unpack step), their logs, and long-term-archive transfers."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from opsdb.db import Database
from opsdb.errors import CheckViolationError, ConflictError, InvalidReferenceError, NotFoundError
from opsdb.ids import uuid7
from opsdb.schemas.enums import LogLevel, Status
from opsdb.schemas.transfers import DataTransferCreate, DataTransferLogCreate, LongTermArchiveTransferCreate
from opsdb.testing import T0, World, add_bundle, add_packages, add_route, insert, rejects, seed_world

pytestmark = pytest.mark.anyio


class Bundled:
    """The one test world plus what these tests add to it."""

    def __init__(self, basics: World, bundle_id: int, package_id: int, route_id: int) -> None:
        self.b, self.bundle_id, self.package_id, self.route_id = basics, bundle_id, package_id, route_id


@pytest.fixture
async def world(db: Database) -> Bundled:
    async with db.connection() as conn:
        b = await seed_world(conn, modules=2, running=2)
        bundle = await add_bundle(conn, b, [], status="pending")
        [package] = await add_packages(conn, b, 1)
        route = await add_route(conn, "ccat_to_cologne", b.sites["ccat"], b.sites["cologne"])
        return Bundled(b, bundle, package, route)


def transfer_input(w: Bundled, **changes: Any) -> DataTransferCreate:
    data: dict[str, Any] = {
        "data_transfer_package_id": w.bundle_id,
        "data_transfer_route_id": w.route_id,
        "origin_location_id": w.b.locations["ccat_buffer"],
        "destination_location_id": w.b.locations["cologne_buffer"],
    }
    return DataTransferCreate.model_validate(data | changes)


def archive_input(w: Bundled, **changes: Any) -> LongTermArchiveTransferCreate:
    data: dict[str, Any] = {
        "raw_data_package_id": w.package_id,
        "origin_location_id": w.b.locations["cologne_buffer"],
        "destination_location_id": w.b.locations["cologne_lta"],
    }
    return LongTermArchiveTransferCreate.model_validate(data | changes)


# -- data transfers ------------------------------------------------------------------------


async def test_transfer_round_trips_by_id_and_natural_key(db: Database, world: Bundled) -> None:
    async with db.transaction() as uow:
        transfer = await uow.transfers.create_transfer(transfer_input(world, method="s3", unpack_max_attempts=2))
        assert transfer.status is Status.PENDING and transfer.unpack_status is Status.PENDING
        assert transfer.method == "s3" and transfer.unpack_max_attempts == 2 and transfer.unpacked_at is None
        assert await uow.transfers.get_transfer(transfer.id) == transfer
        natural = await uow.transfers.get_transfer_by_package_destination(
            world.bundle_id, world.b.locations["cologne_buffer"]
        )
        assert natural == transfer
        with pytest.raises(NotFoundError, match=f"package {world.bundle_id} to location"):
            await uow.transfers.get_transfer_by_package_destination(world.bundle_id, world.b.locations["cologne_lta"])
        with pytest.raises(NotFoundError):
            await uow.transfers.get_transfer(10**9)


async def test_one_bundle_goes_to_several_destinations_once_each(db: Database, world: Bundled) -> None:
    async with db.transaction() as uow:
        to_buffer = await uow.transfers.create_transfer(transfer_input(world))
        to_processing = await uow.transfers.create_transfer(
            transfer_input(world, destination_location_id=world.b.locations["cologne_processing"])
        )
        listed = await uow.transfers.list_transfers(data_transfer_package_id=world.bundle_id)
        assert [t.id for t in listed] == [to_buffer.id, to_processing.id]
        assert [t.id for t in await uow.transfers.list_transfers(after_id=to_buffer.id)] == [to_processing.id]
        assert len(await uow.transfers.list_transfers(status=Status.PENDING, unpack_status=Status.PENDING)) == 2
        assert await uow.transfers.list_transfers(status=Status.COMPLETED) == []
        assert await uow.transfers.list_transfers(unpack_status=Status.FAILED) == []
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.transfers.create_transfer(transfer_input(world))
    assert err.value.constraint == "data_transfer_package_destination_key"


async def test_transfer_of_unknown_bundle_or_route_is_an_invalid_reference(db: Database, world: Bundled) -> None:
    for changes, constraint in (
        ({"data_transfer_package_id": 10**9}, "data_transfer_data_transfer_package_id_fkey"),
        ({"data_transfer_route_id": 10**9}, "data_transfer_data_transfer_route_id_fkey"),
    ):
        async with db.transaction() as uow:
            with pytest.raises(InvalidReferenceError) as err:
                await uow.transfers.create_transfer(transfer_input(world, **changes))
        assert err.value.constraint == constraint


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"destination_location_id": 1}, "destination_location_id"),
        ({"method": "BBCP over ssh"}, "method"),
        ({"method": ""}, "method"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"unpack_max_attempts": 0}, "unpack_max_attempts"),
        ({"status": "completed"}, "status"),
    ],
)
def test_transfer_input_errors_name_the_field(changes: dict[str, Any], field: str) -> None:
    data = {"data_transfer_package_id": 1, "origin_location_id": 1, "destination_location_id": 2}
    with pytest.raises(ValidationError) as err:
        DataTransferCreate.model_validate(data | changes)
    assert [e["loc"][0] for e in err.value.errors()] == [field]


async def test_database_refuses_bad_transfer_rows(db: Database, world: Bundled) -> None:
    b = world.b
    row = {
        "data_transfer_package_id": world.bundle_id,
        "origin_location_id": b.locations["ccat_buffer"],
        "destination_location_id": b.locations["cologne_buffer"],
    }
    claim = {"claimed_by": "mover@cologne", "claim_token": uuid7(), "lease_until": T0}
    unpack_claim = {"unpack_claimed_by": "unpacker", "unpack_claim_token": uuid7(), "unpack_lease_until": T0}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("data_transfer_distinct_locations", {"destination_location_id": b.locations["ccat_buffer"]}),
        ("data_transfer_method_nonempty", {"method": ""}),
        ("data_transfer_status_valid", {"status": "lost"}),
        ("data_transfer_unpack_status_valid", {"status": "completed", "unpack_status": "lost"}),
        ("data_transfer_attempts_nonnegative", {"attempts": -1}),
        ("data_transfer_max_attempts_positive", {"max_attempts": 0}),
        ("data_transfer_unpack_attempts_nonnegative", {"unpack_attempts": -1}),
        ("data_transfer_unpack_max_attempts_positive", {"unpack_max_attempts": 0}),
        # unpacking starts only once the bundle has arrived
        ("data_transfer_unpack_after_transfer", {"status": "in_progress", "unpack_status": "scheduled", **claim}),
        ("data_transfer_claim_columns", {"status": "in_progress", "claimed_by": "x", "lease_until": T0}),
        (
            "data_transfer_unpack_claim_columns",
            {"status": "completed", "unpack_status": "in_progress", "unpack_claim_token": uuid7()},
        ),
    ]
    async with db.connection() as conn:
        for constraint, values in cases:
            await rejects(conn, CheckViolationError, constraint, "data_transfer", **(row | values))
        unpacking = {"status": "completed", "unpack_status": "in_progress", **unpack_claim}
        await insert(conn, "data_transfer", **row, **unpacking)
        moving = row | {"destination_location_id": b.locations["cologne_processing"], "status": "in_progress", **claim}
        await insert(conn, "data_transfer", **moving)


# -- logs ----------------------------------------------------------------------------------


async def test_logs_append_and_list_oldest_first(db: Database, world: Bundled) -> None:
    async with db.transaction() as uow:
        transfer = await uow.transfers.create_transfer(transfer_input(world))
        other = await uow.transfers.create_transfer(
            transfer_input(world, destination_location_id=world.b.locations["cologne_processing"])
        )
        first = await uow.transfers.append_log(DataTransferLogCreate(data_transfer_id=transfer.id, message="started"))
        second = await uow.transfers.append_log(
            DataTransferLogCreate(
                data_transfer_id=transfer.id,
                level=LogLevel.ERROR,
                message="bbcp exited 1",
                log_path="/var/log/transfer/1.log",
            )
        )
        await uow.transfers.append_log(DataTransferLogCreate(data_transfer_id=other.id, message="elsewhere"))
        assert first.level is LogLevel.INFO and second.log_path == "/var/log/transfer/1.log"
        assert await uow.transfers.list_logs(transfer.id) == [first, second]
        assert await uow.transfers.list_logs(transfer.id, after_id=first.id, limit=1) == [second]
        with pytest.raises(InvalidReferenceError):
            await uow.transfers.append_log(DataTransferLogCreate(data_transfer_id=10**9, message="lost"))


def test_log_message_longer_than_1000_characters_names_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        DataTransferLogCreate(data_transfer_id=1, message="x" * 1001)
    assert [e["loc"][0] for e in err.value.errors()] == ["message"]
    with pytest.raises(ValidationError) as err:
        DataTransferLogCreate.model_validate({"data_transfer_id": 1, "message": "m", "level": "fatal"})
    assert [e["loc"][0] for e in err.value.errors()] == ["level"]


async def test_database_refuses_bad_log_rows(db: Database, world: Bundled) -> None:
    async with db.transaction() as uow:
        transfer = await uow.transfers.create_transfer(transfer_input(world))
    async with db.connection() as conn:
        table, tid = "data_transfer_log", transfer.id
        await rejects(
            conn,
            CheckViolationError,
            "data_transfer_log_message_length",
            table,
            data_transfer_id=tid,
            message="x" * 1001,
        )
        await rejects(
            conn,
            CheckViolationError,
            "data_transfer_log_level_valid",
            table,
            data_transfer_id=tid,
            message="m",
            level="fatal",
        )
        await insert(conn, table, data_transfer_id=tid, message="x" * 1000, level="debug")


# -- long-term-archive transfers -----------------------------------------------------------


async def test_archive_transfer_round_trips_and_lists(db: Database, world: Bundled) -> None:
    async with db.transaction() as uow:
        to_tape = await uow.transfers.create_archive_transfer(archive_input(world, max_attempts=6))
        from_ccat = await uow.transfers.create_archive_transfer(
            archive_input(world, origin_location_id=world.b.locations["ccat_buffer"],
                          destination_location_id=world.b.locations["cologne_processing"])
        )  # fmt: skip
        assert to_tape.status is Status.PENDING and to_tape.max_attempts == 6 and to_tape.completed_at is None
        assert await uow.transfers.get_archive_transfer(to_tape.id) == to_tape
        natural = await uow.transfers.get_archive_transfer_by_package_destination(
            world.package_id, world.b.locations["cologne_lta"]
        )
        assert natural == to_tape
        listed = await uow.transfers.list_archive_transfers(status=Status.PENDING)
        assert [t.id for t in listed] == [to_tape.id, from_ccat.id]
        assert [t.id for t in await uow.transfers.list_archive_transfers(after_id=to_tape.id)] == [from_ccat.id]
        assert len(await uow.transfers.list_archive_transfers(raw_data_package_id=world.package_id)) == 2
        assert await uow.transfers.list_archive_transfers(status=Status.IN_PROGRESS) == []
        with pytest.raises(NotFoundError):
            await uow.transfers.get_archive_transfer(10**9)
        with pytest.raises(NotFoundError):
            await uow.transfers.get_archive_transfer_by_package_destination(world.package_id, 10**9)


async def test_second_archive_transfer_of_a_package_to_one_destination_is_a_conflict(
    db: Database, world: Bundled
) -> None:
    async with db.transaction() as uow:
        await uow.transfers.create_archive_transfer(archive_input(world))
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.transfers.create_archive_transfer(archive_input(world))
    assert err.value.constraint == "long_term_archive_transfer_package_destination_key"
    with pytest.raises(InvalidReferenceError) as ref:
        async with db.transaction() as uow:
            await uow.transfers.create_archive_transfer(archive_input(world, raw_data_package_id=10**9))
    assert ref.value.constraint == "long_term_archive_transfer_raw_data_package_id_fkey"


def test_archive_transfer_to_its_own_origin_names_the_destination() -> None:
    with pytest.raises(ValidationError) as err:
        LongTermArchiveTransferCreate(raw_data_package_id=1, origin_location_id=3, destination_location_id=3)
    assert [e["loc"][0] for e in err.value.errors()] == ["destination_location_id"]


async def test_database_refuses_bad_archive_transfer_rows(db: Database, world: Bundled) -> None:
    b = world.b
    row = {
        "raw_data_package_id": world.package_id,
        "origin_location_id": b.locations["cologne_buffer"],
        "destination_location_id": b.locations["cologne_lta"],
    }
    cases: list[tuple[str, dict[str, Any]]] = [
        ("long_term_archive_transfer_distinct_locations", {"origin_location_id": b.locations["cologne_lta"]}),
        ("long_term_archive_transfer_status_valid", {"status": "archived"}),
        ("long_term_archive_transfer_attempts_nonnegative", {"attempts": -1}),
        ("long_term_archive_transfer_max_attempts_positive", {"max_attempts": 0}),
        ("long_term_archive_transfer_claim_columns", {"status": "in_progress"}),
    ]
    async with db.connection() as conn:
        for constraint, values in cases:
            await rejects(conn, CheckViolationError, constraint, "long_term_archive_transfer", **(row | values))
        claim = {"claimed_by": "archiver", "claim_token": uuid7(), "lease_until": T0}
        await insert(conn, "long_term_archive_transfer", **row, status="in_progress", **claim)
