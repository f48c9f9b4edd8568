"""Bulk registration accepts exactly the records `RawDataFileCreate` accepts (no database).

Registration validates with its own `TypedDict` (`FileRecord`) for speed, on two paths (bulk
checks over whole batches, and record by record). Both must agree with the entity model,
field by field, on valid and hostile values alike.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from opsdb.errors import InputValidationError
from opsdb.registration import records
from opsdb.registration.records import _exact_columns, prepare
from opsdb.schemas.data import RawDataFileCreate
from opsdb.schemas.enums import ChecksumAlgorithm

UNIT = uuid.UUID("01900000-0000-7000-8000-000000000001")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MISSING = object()


def _record(n: int = 0, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "instrument_module_id": 3,
        "executed_obs_unit_id": UNIT,
        "name": f"scan_{n}.fits",
        "relative_path": f"scan/{n:04d}/scan_{n}.fits",
        "size_bytes": 1024 + n,
        "checksum_algorithm": "xxh64",
        "checksum": f"{n:016x}",
        "file_type": "fits",
        "file_created_at": T0 + timedelta(seconds=n),
    }
    for key, value in changes.items():
        if value is MISSING:
            record.pop(key, None)
        else:
            record[key] = value
    return record


CASES: list[tuple[str, Any]] = [
    ("id", str(uuid.uuid4())),
    ("id", uuid.uuid4()),
    ("id", "not-a-uuid"),
    ("id", None),
    ("id", 12),
    ("instrument_module_id", 1),
    ("instrument_module_id", 0),
    ("instrument_module_id", -4),
    ("instrument_module_id", "7"),
    ("instrument_module_id", 7.0),
    ("instrument_module_id", 7.5),
    ("instrument_module_id", 2**63),
    ("instrument_module_id", None),
    ("instrument_module_id", MISSING),
    ("executed_obs_unit_id", str(UNIT)),
    ("executed_obs_unit_id", "x"),
    ("executed_obs_unit_id", None),
    ("name", ""),
    ("name", "a" * 1000),
    ("name", "é" * 500),
    ("name", "é" * 501),
    ("name", "a\x00b"),
    ("name", "\udc80"),
    ("name", "tab\tand\nnewline"),
    ("name", 5),
    ("relative_path", "a/b.fits"),
    ("relative_path", "é/ü.fits"),
    ("relative_path", "a/.hidden/x"),
    ("relative_path", "a/..x/y"),
    ("relative_path", ".x"),
    ("relative_path", "./x"),
    ("relative_path", "x/."),
    ("relative_path", "x/../y"),
    ("relative_path", ".."),
    ("relative_path", "/abs"),
    ("relative_path", "a//b"),
    ("relative_path", "a/"),
    ("relative_path", "a\nb"),
    ("relative_path", "a\tb"),
    ("relative_path", "a\x7fb"),
    ("relative_path", ""),
    ("relative_path", "x" * 2048),
    ("relative_path", "x" * 2049),
    ("relative_path", "é" * 1024),
    ("relative_path", "é" * 1025),
    ("relative_path", "x" * 4097),
    ("relative_path", "back\\slash"),
    ("relative_path", "a/\udc80x"),
    ("size_bytes", 0),
    ("size_bytes", -1),
    ("size_bytes", 2**63 - 1),
    ("size_bytes", 2**63),
    ("size_bytes", "12"),
    ("size_bytes", True),
    ("checksum_algorithm", "md5"),
    ("checksum_algorithm", ChecksumAlgorithm.XXH64),
    ("checksum_algorithm", "MD5"),
    ("checksum_algorithm", "sha3"),
    ("checksum", "0" * 15),
    ("checksum", "0" * 17),
    ("checksum", "ABCDEF0123456789"),
    ("checksum", "g" * 16),
    ("checksum", ""),
    ("file_type", None),
    ("file_type", MISSING),
    ("file_type", ""),
    ("file_type", "x" * 100),
    ("file_type", "x" * 101),
    ("file_type", "a\x00"),
    ("file_type", "\udc80"),
    ("file_created_at", None),
    ("file_created_at", datetime(2026, 3, 1, 12, 0)),
    ("file_created_at", datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=-4)))),
    ("file_created_at", "2026-03-01T12:00:00Z"),
    ("file_created_at", "yesterday"),
    ("file_created_at", datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))),  # before year 1 in UTC
    ("file_created_at", datetime(1, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))),
    ("file_created_at", datetime.max.replace(tzinfo=timezone(timedelta(hours=-1)))),  # after 9999 in UTC
    ("file_created_at", datetime.max.replace(tzinfo=UTC)),
    ("metadata", {}),
    ("metadata", {"scan": {"az": 12.5, "tags": ["a", None]}}),
    ("metadata", []),
    ("metadata", "x"),
    ("metadata", {"when": datetime(2026, 1, 1, tzinfo=UTC)}),
    ("metadata", {"x": float("nan")}),
    ("metadata", {"x": [1.5, float("inf")]}),
    ("metadata", {"x": "a\x00"}),
    ("metadata", {"\udc80": 1}),
    ("metadata", {"big": 10**30, "deep": {"a": [{"b": [None, True]}]}}),
    ("metadata", {"pair": (1, 2)}),
    ("metadata", {"unit": UNIT}),
    ("metadata", {1: "x"}),
    ("metadata", {"escaped": "\\u0000 is text here"}),
    ("metadata", {"zero": -0.0, "e": 1e300, "u": "ü€😀"}),
    ("unknown_field", 1),
]


def _model_accepts(record: dict[str, Any]) -> bool:
    try:
        RawDataFileCreate.model_validate(record)
    except ValidationError:
        return False
    return True


def _registration_accepts(records: list[dict[str, Any]]) -> bool:
    try:
        prepare(records, 0, 0)
    except InputValidationError:
        return False
    return True


@pytest.mark.parametrize(("field", "value"), CASES, ids=[f"{f}={v!r}"[:60] for f, v in CASES])
@pytest.mark.parametrize("with_id", [False, True], ids=["derived-id", "given-id"])
def test_registration_accepts_exactly_what_the_file_model_accepts(field: str, value: Any, with_id: bool) -> None:
    base = {"id": uuid.UUID(int=99)} if with_id else {}
    record = _record(7, **(base | {field: value}))
    expected = _model_accepts(record)
    assert _registration_accepts([record]) == expected  # record by record (a lone record)
    batch = [_record(n, **base) for n in range(5)]  # the bulk path: the record among valid ones
    if with_id:
        for n, other in enumerate(batch):
            other["id"] = uuid.UUID(int=100 + n)
    batch[2] = record
    assert _registration_accepts(batch) == expected


@pytest.mark.parametrize(("field", "value"), CASES, ids=[f"{f}={v!r}"[:60] for f, v in CASES])
@pytest.mark.parametrize("with_id", [False, True], ids=["derived-id", "given-id"])
def test_the_exact_type_pass_changes_nothing_the_bulk_path_decides(
    field: str, value: Any, with_id: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The column-wise pass over values of exactly the model's types (or, when it declines, the
    bulk model) gives the same bulk outcome as the bulk model alone: the same batch, columns,
    value types and COPY payload, or the same refusal (then the record-by-record path decides)."""
    base = {"id": uuid.UUID(int=99)} if with_id else {}
    batch = [_record(n, **base) for n in range(5)]
    batch[2] = _record(7, **(base | {field: value}))
    fast = records._prepare_bulk(batch, 0, 0)
    monkeypatch.setattr(records, "_exact_columns", lambda items: None)
    reference = records._prepare_bulk(batch, 0, 0)
    assert (fast is None) == (reference is None)
    if fast is not None and reference is not None:
        assert fast.positions == reference.positions
        assert fast.columns == reference.columns
        for name, values in fast.columns.items():
            assert [type(v) for v in values] == [type(v) for v in reference.columns[name]], name
        assert fast.payload() == reference.payload()


def test_the_exact_type_pass_takes_the_common_batch() -> None:
    assert _exact_columns([_record(n) for n in range(5)]) is not None
    assert _exact_columns([_record(n, metadata={"n": n}, id=uuid.uuid4()) for n in range(5)]) is not None


def test_a_valid_batch_takes_the_bulk_path_and_keeps_the_models_values() -> None:
    records = [_record(n, metadata={"n": n}) for n in range(50)]
    batch = prepare(records, 0, 100)
    models = [RawDataFileCreate.model_validate(r) for r in records]
    by_position = dict(zip(batch.positions, batch.records_at(batch.positions), strict=True))
    for position, model in enumerate(models, 100):
        stored = by_position[position]
        assert stored["id"] == model.id
        for name in ("instrument_module_id", "executed_obs_unit_id", "name", "relative_path", "size_bytes", "checksum"):
            assert stored[name] == getattr(model, name)
        assert stored["checksum_algorithm"] == model.checksum_algorithm.value
    assert batch.ids == sorted(batch.ids)


@pytest.mark.parametrize("path", ["a/\udc80x", "a/\x00b"])
@pytest.mark.parametrize("with_id", [False, True], ids=["derived-id", "given-id"])
def test_an_unstorable_path_is_refused_naming_the_record_and_field(path: str, with_id: bool) -> None:
    base = {"id": uuid.UUID(int=99)} if with_id else {}
    batch = [_record(n) for n in range(3)]
    batch[1] = _record(1, relative_path=path, **base)
    with pytest.raises(InputValidationError) as raised:
        prepare(batch, 0, 40)
    assert [(p.position, p.field) for p in raised.value.problems] == [(41, "relative_path")]


@pytest.mark.parametrize(
    "metadata",
    [{"when": datetime(2026, 1, 1, tzinfo=UTC)}, {"x": float("nan")}, {"x": "a\x00"}, {"\udc80": 1}],
    ids=["datetime", "nan", "nul", "surrogate-key"],
)
def test_metadata_jsonb_cannot_store_is_refused_naming_the_record_and_field(metadata: dict[str, Any]) -> None:
    batch = [_record(n) for n in range(3)]
    batch[2] = _record(2, metadata=metadata)
    with pytest.raises(InputValidationError) as raised:
        prepare(batch, 0, 10)
    assert [(p.position, p.field.split(".")[0]) for p in raised.value.problems] == [(12, "metadata")]
