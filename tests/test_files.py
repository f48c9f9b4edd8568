"""Raw data files one at a time: validation, natural keys, listings and the table's CHECKs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from opsdb.db import Database
from opsdb.errors import CheckViolationError, ConflictError, InvalidReferenceError, NotFoundError
from opsdb.ids import file_id, uuid7
from opsdb.schemas.data import RawDataFileCreate
from opsdb.testing import T0, World, insert, rejects

pytestmark = pytest.mark.anyio

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


# ids for validation-only tests (no database): every id field of World, made up
OFFLINE = World(
    observatory_id=1,
    telescope_id=1,
    instrument_id=1,
    modules=[1, 2],
    program_id=1,
    source_id=1,
    obs_mode_id=1,
    obs_unit_id=1,
    execution_id=uuid7(),
    running=[uuid7(), uuid7()],
    sites={"ccat": 1},
    locations={"ccat_source": 1},
    user_id=1,
)


def file_input(b: World, path: str = "scan_0001/lfa_0001.fits", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "instrument_module_id": b.module_id,
        "executed_obs_unit_id": b.running[0],
        "name": path.rsplit("/", 1)[-1],
        "relative_path": path,
        "size_bytes": 1024,
        "checksum_algorithm": "md5",
        "checksum": MD5,
        "file_type": "fits",
        "file_created_at": T0,
        "metadata": {"scan": 1},
    }
    data.update(changes)
    return data


def file_row(b: World, path: str = "a.fits", **changes: Any) -> dict[str, Any]:
    """Column values of a valid raw_data_file row, for raw INSERTs that bypass pydantic."""
    row: dict[str, Any] = {
        "id": uuid7(),
        "instrument_module_id": b.module_id,
        "executed_obs_unit_id": b.running[0],
        "name": "a.fits",
        "relative_path": path,
        "size_bytes": 1,
        "checksum_algorithm": "md5",
        "checksum": MD5,
    }
    row.update(changes)
    return row


# -- validation ----------------------------------------------------------------------------


def test_id_is_derived_from_module_path_and_creation_time() -> None:
    observing_world = OFFLINE
    record = RawDataFileCreate.model_validate(file_input(observing_world))
    assert record.id == file_id(observing_world.module_id, "scan_0001/lfa_0001.fits", T0)
    # the same file registered again (e.g. after an outage) maps to the same key
    assert RawDataFileCreate.model_validate(file_input(observing_world)).id == record.id


def test_given_id_is_kept() -> None:
    own = uuid7()
    assert RawDataFileCreate.model_validate(file_input(OFFLINE, id=own, file_created_at=None)).id == own


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"file_created_at": None}, "id"),  # no id given and none to derive it from
        ({"file_created_at": T0.replace(tzinfo=None)}, "file_created_at"),
        ({"checksum": MD5.upper()}, "checksum"),
        ({"checksum": MD5[:-1]}, "checksum"),
        ({"checksum_algorithm": "crc64"}, "checksum_algorithm"),
        ({"relative_path": "../x"}, "relative_path"),
        ({"relative_path": "/abs"}, "relative_path"),
        ({"relative_path": "a//b"}, "relative_path"),
        ({"relative_path": "a/"}, "relative_path"),
        ({"relative_path": "a/./b"}, "relative_path"),
        ({"relative_path": "a/\nb"}, "relative_path"),
        ({"relative_path": ""}, "relative_path"),
        ({"size_bytes": -1}, "size_bytes"),
        ({"name": ""}, "name"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"executed_obs_unit_id": "not-a-uuid"}, "executed_obs_unit_id"),
        ({"owner": "someone"}, "owner"),
    ],
)
def test_invalid_file_input_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        RawDataFileCreate.model_validate(file_input(OFFLINE, **changes))
    assert [e["loc"][0] for e in err.value.errors()] == [field]


# -- repository ----------------------------------------------------------------------------


async def test_file_round_trips_by_id_and_natural_key(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        created = await uow.files.create_file(RawDataFileCreate.model_validate(file_input(observing_world)))
        assert created.raw_data_package_id is None and created.metadata == {"scan": 1}
        assert created.file_created_at == T0 and created.checksum == MD5
        assert await uow.files.get_file(created.id) == created
        assert await uow.files.get_file_by_path(observing_world.module_id, "scan_0001/lfa_0001.fits") == created


async def test_same_path_in_another_module_is_another_file(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        lfa = await uow.files.create_file(RawDataFileCreate.model_validate(file_input(observing_world)))
        hfa = await uow.files.create_file(
            RawDataFileCreate.model_validate(
                file_input(observing_world, instrument_module_id=observing_world.modules[1])
            )
        )
        assert lfa.id != hfa.id
        assert (await uow.files.get_file_by_path(observing_world.modules[1], lfa.relative_path)).id == hfa.id


async def test_second_file_at_same_module_path_is_a_conflict(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        await uow.files.create_file(RawDataFileCreate.model_validate(file_input(observing_world)))
    later = file_input(observing_world, file_created_at=T0 + timedelta(seconds=1))  # other derived id, same path
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.files.create_file(RawDataFileCreate.model_validate(later))
    assert err.value.constraint == "raw_data_file_module_path_key"


async def test_same_id_twice_is_a_conflict_on_the_primary_key(db: Database, observing_world: World) -> None:
    own = uuid7()
    async with db.transaction() as uow:
        await uow.files.create_file(RawDataFileCreate.model_validate(file_input(observing_world, id=own)))
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.files.create_file(
                RawDataFileCreate.model_validate(file_input(observing_world, "other.fits", id=own))
            )
    assert err.value.constraint == "raw_data_file_pkey"


async def test_file_of_unknown_execution_or_module_is_an_invalid_reference(
    db: Database, observing_world: World
) -> None:
    async with db.transaction() as uow:
        with pytest.raises(InvalidReferenceError) as err:
            await uow.files.create_file(
                RawDataFileCreate.model_validate(file_input(observing_world, executed_obs_unit_id=uuid7()))
            )
    assert err.value.constraint == "raw_data_file_executed_obs_unit_id_fkey"
    async with db.transaction() as uow:
        with pytest.raises(InvalidReferenceError) as err:
            await uow.files.create_file(
                RawDataFileCreate.model_validate(file_input(observing_world, instrument_module_id=10**9))
            )
    assert err.value.constraint == "raw_data_file_instrument_module_id_fkey"


async def test_missing_file_is_not_found(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        with pytest.raises(NotFoundError, match="raw_data_file not found"):
            await uow.files.get_file(uuid7())
        with pytest.raises(NotFoundError, match=r"nowhere\.fits"):
            await uow.files.get_file_by_path(observing_world.module_id, "nowhere.fits")


async def test_listings_filter_and_page_by_id(db: Database, observing_world: World) -> None:
    async with db.transaction() as uow:
        lfa = [
            await uow.files.create_file(RawDataFileCreate.model_validate(file_input(observing_world, f"lfa/{i}.fits")))
            for i in range(5)
        ]
        hfa = await uow.files.create_file(
            RawDataFileCreate.model_validate(
                file_input(observing_world, "hfa/0.fits", instrument_module_id=observing_world.modules[1])
            )
        )
        other_run = await uow.files.create_file(
            RawDataFileCreate.model_validate(
                file_input(observing_world, "lfa/run2.fits", executed_obs_unit_id=observing_world.running[1])
            )
        )
        lfa_ids = sorted(f.id for f in lfa)

        first = await uow.files.list_files(
            executed_obs_unit_id=observing_world.running[0], instrument_module_id=observing_world.module_id, limit=3
        )
        rest = await uow.files.list_files(
            executed_obs_unit_id=observing_world.running[0],
            instrument_module_id=observing_world.module_id,
            after_id=first[-1].id,
        )
        assert [f.id for f in first + rest] == lfa_ids
        by_module = await uow.files.list_files(instrument_module_id=observing_world.modules[1])
        assert [f.id for f in by_module] == [hfa.id]
        by_run = await uow.files.list_files(executed_obs_unit_id=observing_world.running[1])
        assert [f.id for f in by_run] == [other_run.id]
        assert len(await uow.files.list_files()) == 7

        waiting = await uow.files.list_unpackaged_files(observing_world.running[0], observing_world.module_id, limit=2)
        assert [f.id for f in waiting] == lfa_ids[:2]
        after = await uow.files.list_unpackaged_files(
            observing_world.running[0], observing_world.module_id, after_id=waiting[-1].id
        )
        assert [f.id for f in after] == lfa_ids[2:]


# -- the table's CHECK constraints, written past pydantic --------------------------------


async def test_database_refuses_paths_that_escape_their_root(db: Database, observing_world: World) -> None:
    async with db.connection() as conn:
        for path in ("../x", "/abs", "a//b", "a/./b", "a/..", ".", "a/", "a/\x01b", "x" * 4097):
            await rejects(
                conn,
                CheckViolationError,
                "raw_data_file_relative_path_valid",
                "raw_data_file",
                **file_row(observing_world, path),
            )
        accepted = await insert(conn, "raw_data_file", **file_row(observing_world, "scan_1/..hidden/a.b.fits"))
        assert accepted["relative_path"] == "scan_1/..hidden/a.b.fits"


async def test_database_refuses_bad_checksums(db: Database, observing_world: World) -> None:
    async with db.connection() as conn:
        for algorithm, checksum in (("md5", MD5.upper()), ("md5", MD5 + "0"), ("sha256", MD5), ("crc64", MD5)):
            await rejects(
                conn,
                CheckViolationError,
                "raw_data_file_checksum_valid",
                "raw_data_file",
                **file_row(observing_world, checksum_algorithm=algorithm, checksum=checksum),
            )
        await insert(
            conn, "raw_data_file", **file_row(observing_world, checksum_algorithm="crc32c", checksum="0a1b2c3d")
        )


async def test_database_refuses_negative_size_empty_name_and_non_object_metadata(
    db: Database, observing_world: World
) -> None:
    async with db.connection() as conn:
        table = "raw_data_file"
        await rejects(
            conn,
            CheckViolationError,
            "raw_data_file_size_nonnegative",
            table,
            **file_row(observing_world, size_bytes=-1),
        )
        await rejects(
            conn, CheckViolationError, "raw_data_file_name_nonempty", table, **file_row(observing_world, name="")
        )
        await rejects(
            conn, CheckViolationError, "raw_data_file_metadata_object", table, **file_row(observing_world, metadata=[1])
        )
        await insert(conn, table, **file_row(observing_world, size_bytes=0, metadata={}))
