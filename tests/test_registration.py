"""Bulk raw-file registration: outcomes, idempotence, validation, concurrency, integrity."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import anyio
import asyncpg
import pytest

from opsdb.db import Database
from opsdb.errors import InputValidationError, NotFoundError
from opsdb.ids import file_id
from opsdb.registration import BatchProgress, register_files
from opsdb.testing import Seeded, file_records, seed_registration

pytestmark = pytest.mark.anyio


@pytest.fixture
async def seeded(db: Database) -> Seeded:
    async with db.connection() as conn:
        return await seed_registration(conn, modules=3, units=3)


async def _counts(db: Database) -> tuple[int, int]:
    async with db.connection() as conn:
        files = await conn.fetchval("SELECT count(*) FROM raw_data_file")
        copies = await conn.fetchval("SELECT count(*) FROM physical_copy WHERE type = 'raw_data_file'")
        return int(files), int(copies)


async def test_each_new_file_gets_its_row_and_a_present_copy_at_the_source(db: Database, seeded: Seeded) -> None:
    records = file_records(seeded, 2500)
    report = await register_files(db, seeded.location, records, batch_size=1000)
    assert (report.new, report.existing, report.conflicts, report.batches) == (2500, 0, [], 3)
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT f.id, f.relative_path, f.metadata, c.status, c.data_location_id FROM raw_data_file f"
            " JOIN physical_copy c ON c.raw_data_file_id = f.id AND c.type = 'raw_data_file'"
        )
    assert len(rows) == 2500
    assert {(r["status"], r["data_location_id"]) for r in rows} == {("present", seeded.location)}
    assert rows[0]["metadata"] == {}


async def test_ids_are_derived_from_module_path_and_creation_time(db: Database, seeded: Seeded) -> None:
    records = file_records(seeded, 3)
    await register_files(db, seeded.location, records)
    expected = {
        file_id(r["instrument_module_id"], r["relative_path"], r["file_created_at"])  # type: ignore[arg-type]
        for r in records
    }
    async with db.connection() as conn:
        stored = {r["id"] for r in await conn.fetch("SELECT id FROM raw_data_file")}
    assert stored == expected


async def test_resending_the_same_files_registers_nothing_twice(db: Database, seeded: Seeded) -> None:
    records = file_records(seeded, 1200)
    await register_files(db, seeded.location, records, batch_size=500)
    again = await register_files(db, seeded.location, records, batch_size=300)
    assert (again.new, again.existing, again.conflicts) == (0, 1200, [])
    assert await _counts(db) == (1200, 1200)


async def test_an_overlapping_batch_registers_only_the_missing_files(db: Database, seeded: Seeded) -> None:
    records = file_records(seeded, 1000)
    await register_files(db, seeded.location, records[:600])
    report = await register_files(db, seeded.location, records[400:])
    assert (report.new, report.existing) == (400, 200)
    assert await _counts(db) == (1000, 1000)


async def test_a_resend_that_runs_into_new_files_and_a_conflict_counts_each_once(db: Database, seeded: Seeded) -> None:
    records = file_records(seeded, 1000)
    await register_files(db, seeded.location, records[:700])
    resent = [dict(r) for r in records]
    resent[650]["checksum"] = "0" * 16  # batch 600-749 starts stored, ends new
    report = await register_files(db, seeded.location, resent, batch_size=150, connections=1)
    assert (report.new, report.existing) == (300, 699)
    assert [(c.position, set(c.differences)) for c in report.conflicts] == [(650, {"checksum"})]
    assert await _counts(db) == (1000, 1000)


async def test_a_stored_file_with_another_checksum_is_a_conflict_and_stays_unchanged(
    db: Database, seeded: Seeded
) -> None:
    records = file_records(seeded, 10)
    await register_files(db, seeded.location, records)
    changed = [dict(r) for r in records]
    changed[7]["checksum"] = "f" * 16
    changed[7]["size_bytes"] = 5
    report = await register_files(db, seeded.location, changed)
    assert (report.new, report.existing, len(report.conflicts)) == (0, 9, 1)
    conflict = report.conflicts[0]
    assert conflict.position == 7
    assert conflict.relative_path == records[7]["relative_path"]
    assert conflict.differences == {
        "size_bytes": (records[7]["size_bytes"], 5),
        "checksum": (records[7]["checksum"], "f" * 16),
    }
    async with db.connection() as conn:
        stored = await conn.fetchrow("SELECT size_bytes, checksum FROM raw_data_file WHERE id = $1", conflict.file_id)
    assert stored is not None
    assert (stored["size_bytes"], stored["checksum"]) == (records[7]["size_bytes"], records[7]["checksum"])


async def test_the_same_module_and_path_under_another_id_is_a_conflict(db: Database, seeded: Seeded) -> None:
    records = file_records(seeded, 3)
    await register_files(db, seeded.location, records)
    moved = dict(records[1])
    moved["file_created_at"] = moved["file_created_at"] + timedelta(days=1)  # type: ignore[operator]
    report = await register_files(db, seeded.location, [moved])
    assert report.new == 0
    [conflict] = report.conflicts
    assert conflict.position == 0
    assert set(conflict.differences) == {"id"}
    assert conflict.stored_file_id != conflict.file_id
    assert await _counts(db) == (3, 3)


async def test_a_file_repeated_in_the_input_is_counted_once_and_a_differing_repeat_conflicts(
    db: Database, seeded: Seeded
) -> None:
    records = file_records(seeded, 4)
    differing = dict(records[0], size_bytes=1)
    report = await register_files(db, seeded.location, [*records, records[2], differing])
    assert (report.new, report.existing) == (4, 1)
    [conflict] = report.conflicts
    assert (conflict.position, conflict.earlier_position) == (5, 0)
    assert conflict.differences == {"size_bytes": (records[0]["size_bytes"], 1)}


async def test_a_repeat_of_a_record_that_conflicts_with_a_stored_file_conflicts_too(
    db: Database, seeded: Seeded
) -> None:
    records = file_records(seeded, 3)
    await register_files(db, seeded.location, records)
    changed = dict(records[1], size_bytes=5)
    resend = [records[0], changed, records[2], dict(changed), dict(records[0])]
    report = await register_files(db, seeded.location, resend)
    assert (report.new, report.existing) == (0, 3)  # records 0, 2 and the repeat of record 0
    assert [(c.position, c.earlier_position) for c in report.conflicts] == [(1, None), (3, None)]
    expected = {"size_bytes": (records[1]["size_bytes"], 5)}
    assert all(c.differences == expected for c in report.conflicts)
    assert report.total == len(resend)


async def test_the_longest_path_allowed_fits_the_unique_index(db: Database, seeded: Seeded) -> None:
    rng = random.Random(3)
    longest = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(2048))  # incompressible
    records = file_records(seeded, 2)
    records[1]["relative_path"] = longest
    report = await register_files(db, seeded.location, records)
    assert report.new == 2
    records[0]["relative_path"] = longest + "x"
    with pytest.raises(InputValidationError) as raised:
        await register_files(db, seeded.location, records)
    assert [(p.position, p.field) for p in raised.value.problems] == [(0, "relative_path")]


async def test_creation_times_at_the_edges_of_the_calendar(db: Database, seeded: Seeded) -> None:
    plus_one = timezone(timedelta(hours=1))
    records = file_records(seeded, 3)
    records[0]["file_created_at"] = datetime(1, 1, 1, 1, 0, tzinfo=plus_one)  # midnight of year 1, UTC
    records[1]["file_created_at"] = datetime.max.replace(tzinfo=UTC)
    report = await register_files(db, seeded.location, records)
    assert report.new == 3
    records[2]["file_created_at"] = datetime(1, 1, 1, 0, 59, tzinfo=plus_one)  # before year 1 in UTC
    with pytest.raises(InputValidationError) as raised:
        await register_files(db, seeded.location, records)
    assert [(p.position, p.field) for p in raised.value.problems] == [(2, "file_created_at")]


async def test_an_existing_file_gains_a_copy_at_another_location(db: Database, seeded: Seeded) -> None:
    records = file_records(seeded, 50)
    await register_files(db, seeded.location, records)
    report = await register_files(db, seeded.other_location, records)
    assert (report.new, report.existing) == (0, 50)
    assert await _counts(db) == (50, 100)


async def test_bad_records_are_named_by_position_and_field_and_their_batch_is_not_written(
    db: Database, seeded: Seeded
) -> None:
    records: list[dict[str, object]] = list(file_records(seeded, 30))
    records[12]["executed_obs_unit_id"] = "not-a-uuid"
    records[14]["size_bytes"] = -1
    records[15]["checksum"] = "XYZ"
    del records[17]["name"]
    records[18]["relative_path"] = "../escape"
    records[19]["id"] = None
    del records[19]["file_created_at"]
    with pytest.raises(InputValidationError) as caught:
        await register_files(db, seeded.location, records, batch_size=10, connections=1)
    problems = {(p.position, p.field) for p in caught.value.problems}
    assert problems == {
        (12, "executed_obs_unit_id"),
        (14, "size_bytes"),
        (15, "checksum"),
        (17, "name"),
        (18, "relative_path"),
        (19, "file_created_at"),
    }
    files, _ = await _counts(db)
    assert files == 10  # the first batch committed; nothing of the bad one


async def test_unknown_modules_and_executed_obs_units_are_named_and_nothing_of_the_batch_is_written(
    db: Database, seeded: Seeded
) -> None:
    records = file_records(seeded, 5)
    records[1]["instrument_module_id"] = 999_999
    records[3]["executed_obs_unit_id"] = uuid.uuid4()
    with pytest.raises(InputValidationError) as caught:
        await register_files(db, seeded.location, records)
    assert {(p.position, p.field) for p in caught.value.problems} == {
        (1, "instrument_module_id"),
        (3, "executed_obs_unit_id"),
    }
    assert await _counts(db) == (0, 0)


async def test_an_unknown_location_is_not_found(db: Database, seeded: Seeded) -> None:
    with pytest.raises(NotFoundError):
        await register_files(db, 999_999, file_records(seeded, 3))
    assert await _counts(db) == (0, 0)


async def test_records_may_be_objects_with_the_fields_as_attributes(db: Database, seeded: Seeded) -> None:
    @dataclass
    class Scan:
        instrument_module_id: int
        executed_obs_unit_id: uuid.UUID
        name: str
        relative_path: str
        size_bytes: int
        checksum_algorithm: str
        checksum: str
        file_created_at: datetime

    scans = [Scan(**{k: v for k, v in r.items() if k != "file_type"}) for r in file_records(seeded, 5)]  # type: ignore[arg-type]
    report = await register_files(db, seeded.location, scans)
    assert report.new == 5


async def test_progress_is_reported_after_every_batch(db: Database, seeded: Seeded) -> None:
    seen: list[BatchProgress] = []
    await register_files(db, seeded.location, file_records(seeded, 2300), batch_size=1000, on_progress=seen.append)
    assert sorted((p.first_position, p.size, p.new) for p in seen) == [
        (0, 1000, 1000),
        (1000, 1000, 1000),
        (2000, 300, 300),
    ]
    assert max(p.done for p in seen) == 2300


async def test_an_async_stream_is_registered_batch_by_batch(db: Database, seeded: Seeded) -> None:
    async def stream() -> AsyncIterator[dict[str, object]]:
        for record in file_records(seeded, 700):
            yield record

    report = await register_files(db, seeded.location, stream(), batch_size=250)
    assert (report.new, report.batches) == (700, 3)


async def test_inside_a_callers_transaction_a_rollback_leaves_nothing(db: Database, seeded: Seeded) -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with db.transaction() as uow:
            report = await register_files(uow.conn, seeded.location, file_records(seeded, 300), batch_size=100)
            assert report.new == 300
            raise Abort
    assert await _counts(db) == (0, 0)
    async with db.transaction() as uow:
        report = await register_files(uow.conn, seeded.location, file_records(seeded, 300), batch_size=100)
    assert report.new == 300
    assert await _counts(db) == (300, 300)


async def test_concurrent_overlapping_registrants_neither_duplicate_nor_deadlock(db: Database, seeded: Seeded) -> None:
    records = file_records(seeded, 4000)
    rng = random.Random(7)
    slices = []
    for start in (0, 500, 1000, 1500, 2000, 0):
        part = records[start : start + 2000]
        rng.shuffle(part)
        slices.append(part)
    reports = []

    async def run(part: list[dict[str, object]]) -> None:
        reports.append(await register_files(db, seeded.location, part, batch_size=250, connections=2))

    async with anyio.create_task_group() as tg:
        for part in slices:
            tg.start_soon(run, part)
    assert sum(r.new for r in reports) == 4000
    assert sum(r.new + r.existing for r in reports) == sum(len(p) for p in slices)
    assert all(not r.conflicts for r in reports)
    assert await _counts(db) == (4000, 4000)


async def test_deleting_an_executed_obs_unit_waits_for_a_registration_that_uses_it(
    db: Database, seeded: Seeded, database_dsn: str
) -> None:
    unit = seeded.units[0]
    records = [r for r in file_records(seeded, 20) if r["executed_obs_unit_id"] == unit]
    other = await asyncpg.connect(database_dsn)
    try:
        async with db.transaction() as uow:
            await register_files(uow.conn, seeded.location, records)
            await other.execute("SET lock_timeout = '200ms'")
            with pytest.raises(asyncpg.LockNotAvailableError):  # blocked by the registration's key-share lock
                await other.execute("DELETE FROM executed_obs_unit WHERE id = $1", unit)
        # afterwards its files hold it (PostgreSQL 18 says restrict_violation, 15 foreign_key_violation)
        with pytest.raises((asyncpg.RestrictViolationError, asyncpg.ForeignKeyViolationError)):
            await other.execute("DELETE FROM executed_obs_unit WHERE id = $1", unit)
    finally:
        await other.close()


async def test_a_registration_racing_a_committed_delete_fails_and_leaves_no_orphans(
    db: Database, seeded: Seeded, database_dsn: str
) -> None:
    unit = seeded.units[1]
    records = [dict(r, executed_obs_unit_id=unit) for r in file_records(seeded, 50)]
    deleter = await asyncpg.connect(database_dsn)
    try:
        transaction = deleter.transaction()
        await transaction.start()
        await deleter.execute("DELETE FROM executed_obs_unit WHERE id = $1", unit)  # holds the row lock
        outcome: list[BaseException] = []

        async def register() -> None:
            try:
                await register_files(db, seeded.location, records)
            except InputValidationError as exc:
                outcome.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(register)
            await anyio.sleep(0.3)  # the registration now waits on the deleted row's lock
            await transaction.commit()
    finally:
        await deleter.close()
    [error] = outcome
    assert {p.field for p in error.problems} == {"executed_obs_unit_id"}  # type: ignore[attr-defined]
    async with db.connection() as conn:
        orphans = await conn.fetchval(
            "SELECT count(*) FROM raw_data_file f WHERE NOT EXISTS"
            " (SELECT FROM executed_obs_unit u WHERE u.id = f.executed_obs_unit_id)"
        )
    assert orphans == 0
    assert await _counts(db) == (0, 0)


async def test_a_batch_opening_with_new_files_but_holding_stored_ones_counts_both(db: Database, seeded: Seeded) -> None:
    # the first file is new, so the batch first tries the direct COPY, which a stored file refuses
    records = file_records(seeded, 300)
    changed = dict(records[250], size_bytes=1)
    await register_files(db, seeded.location, [*records[100:200], changed])
    report = await register_files(db, seeded.location, records, batch_size=1000)
    assert (report.new, report.existing) == (199, 100)
    assert [(c.position, set(c.differences)) for c in report.conflicts] == [(250, {"size_bytes"})]
    assert await _counts(db) == (300, 300)


async def test_metadata_is_stored_as_given_and_read_back_as_dicts(db: Database, seeded: Seeded) -> None:
    records = [
        dict(r, metadata={"exposure": 1.5, "tags": ["a", "ü"], "nested": {"x": None}}) for r in file_records(seeded, 3)
    ]
    async with db.connection() as conn:
        await register_files(conn, seeded.location, records)
        stored = await conn.fetch("SELECT metadata FROM raw_data_file")
        assert [row["metadata"] for row in stored] == [records[0]["metadata"]] * 3
        # the connection still encodes and decodes jsonb as before
        assert await conn.fetchval("SELECT $1::jsonb", {"k": "v"}) == {"k": "v"}
        assert await conn.fetchval("SELECT jsonb_typeof($1::jsonb)", "text") == "string"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "plain.fits"),
        ("name", "ü" * 500),  # 1000 bytes: fine
        ("name", "ü" * 501),  # 1002 bytes: too long for the index
        ("name", "a\x00b"),
        ("name", "bad\ud800"),
        ("name", ""),
        ("name", "line\nbreak"),
        ("relative_path", "a/b.fits"),
        ("relative_path", "a/b\n"),
        ("relative_path", "a\nb"),
        ("relative_path", "../x"),
        ("relative_path", "a/./b"),
        ("relative_path", "a/.hidden/..x"),
        ("relative_path", "a//b"),
        ("relative_path", "/abs"),
        ("relative_path", "a/"),
        ("relative_path", "a\tb"),
        ("relative_path", "a\x7fb"),
        ("relative_path", ""),
        ("relative_path", "x" * 4097),
        ("relative_path", "é/ü.fits"),
        ("file_type", "fits"),
        ("file_type", None),
        ("file_type", "a\x00"),
        ("file_type", "\udc80"),
    ],
)
def test_bulk_string_checks_accept_exactly_what_the_record_model_accepts(field: str, value: object) -> None:
    from pydantic import ValidationError

    from opsdb.registration.records import _RECORDS, _exact_columns, _strings_pass, _validated_columns

    seeded = Seeded([1], 1, 2, 1, [uuid.uuid4()])
    records = file_records(seeded, 3)
    records[1][field] = value
    try:
        _RECORDS.validate_python(records)
        strict = True
    except ValidationError:
        strict = False
    for columns in (_exact_columns(records), _validated_columns(records)):  # both column passes
        bulk = columns is not None and _strings_pass(columns["name"], columns["relative_path"], columns["file_type"])
        assert bulk == strict


async def test_inside_a_callers_transaction_a_refused_direct_copy_falls_back_without_harm(
    db: Database, seeded: Seeded
) -> None:
    records = file_records(seeded, 200)
    async with db.transaction() as uow:
        first = await register_files(uow.conn, seeded.location, records[50:100])
        second = await register_files(uow.conn, seeded.location, records, batch_size=120)
        assert await uow.conn.fetchval("SELECT count(*) FROM raw_data_file") == 200
    assert (first.new, second.new, second.existing) == (50, 150, 50)
    assert await _counts(db) == (200, 200)


def test_bulk_id_derivation_agrees_with_file_id() -> None:
    from opsdb.registration.records import _derived_ids

    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    modules, paths, created = [], [], []
    for n in range(2000):
        modules.append(rng.choice([1, 2, 17, 10**12]))
        paths.append(rng.choice(["a", "é/ü.fits", "scan/0001/x.fits", "d\\e f"]) + f"/{n}")
        created.append(base + timedelta(microseconds=rng.randrange(-(10**15), 10**15)))
    derived = _derived_ids(modules, paths, created)
    expected = [file_id(m, p, c) for m, p, c in zip(modules, paths, created, strict=True)]
    assert [uuid.UUID(d) for d in derived] == expected
    assert all(len(d) == 32 and d == d.lower() for d in derived)


async def test_metadata_reads_back_equal_on_every_write_path(db: Database, seeded: Seeded) -> None:
    values = [
        {"scan": 1, "az": -0.0, "tags": ["ü", "😀"], "nested": {"x": None, "ok": True}},
        {"escaped": "\\u0000 is text", "e": 0.0025},
        {"big": 10**30},  # beyond 64 bits: its batch goes record by record
        {},
    ]
    records = [dict(r, metadata=values[n % len(values)]) for n, r in enumerate(file_records(seeded, 40))]
    first = await register_files(db, seeded.location, records[:10], batch_size=4)  # direct COPY, both preparations
    again = await register_files(db, seeded.location, records, batch_size=15)  # re-sends with missing files
    assert (first.new, again.new, again.existing) == (10, 30, 10)
    async with db.connection() as conn:
        stored = {
            r["relative_path"]: r["metadata"]
            for r in await conn.fetch("SELECT relative_path, metadata FROM raw_data_file")
        }
    assert stored == {r["relative_path"]: r["metadata"] for r in records}


@pytest.mark.parametrize("path", ["direct", "staged"])
async def test_every_column_reads_back_as_given_from_the_binary_payload(
    db: Database, seeded: Seeded, path: str
) -> None:
    """The COPY payload is encoded by opsdb, not the driver: every value reads back as given,
    on the direct COPY and on the staging path (a batch holding one stored file)."""
    plus_one = timezone(timedelta(hours=1))
    records = file_records(seeded, 8)
    records[0] |= {"name": "é ü 😀\ttab\\back", "file_type": None, "metadata": {"k": [1, "ü"]}}
    records[1] |= {"file_created_at": datetime(1, 1, 1, 1, 0, tzinfo=plus_one), "size_bytes": 2**62 + 1}
    records[2] |= {"file_created_at": datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "size_bytes": 0}
    records[3] |= {"file_created_at": datetime.max.replace(tzinfo=UTC), "checksum_algorithm": "md5",
                   "checksum": "0123456789abcdef" * 2}  # fmt: skip
    records[4] |= {"id": uuid.uuid4(), "file_created_at": None, "file_type": "hdf5"}
    records[5] |= {"file_created_at": datetime(2000, 1, 1, tzinfo=UTC) - timedelta(microseconds=1)}
    if path == "staged":
        await register_files(db, seeded.location, records[7:])
    report = await register_files(db, seeded.location, records, connections=1)
    assert (report.new, report.existing) == (7 if path == "staged" else 8, 1 if path == "staged" else 0)
    async with db.connection() as conn:
        for record in records:
            stored = await conn.fetchrow(
                "SELECT * FROM raw_data_file WHERE instrument_module_id = $1 AND relative_path = $2",
                record["instrument_module_id"],
                record["relative_path"],
            )
            assert stored is not None
            expected_id = record.get("id") or file_id(
                record["instrument_module_id"], record["relative_path"], record["file_created_at"]
            )  # type: ignore[arg-type]
            assert stored["id"] == expected_id
            for name in ("executed_obs_unit_id", "name", "size_bytes", "checksum_algorithm", "checksum", "file_type"):
                assert stored[name] == record.get(name), name
            assert stored["file_created_at"] == record["file_created_at"]
            assert stored["metadata"] == record.get("metadata", {})
