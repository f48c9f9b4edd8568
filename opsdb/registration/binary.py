"""Binary COPY payloads of a batch's columns, built column by column in C-level passes.

What is encoded lives here (PostgreSQL's binary COPY format for uuid, bigint, text,
timestamptz and jsonb values); what a batch holds and how it is validated lives in
records.py, and how the bytes reach the server in writer.py.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain, repeat
from typing import Any

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"
_LEN8 = (8).to_bytes(4)
_LEN16 = (16).to_bytes(4)
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INT8_MASK = (1 << 64) - 1  # two's complement of instants before 2000


Pieces = list[bytes | Iterable[bytes]]
"""A column's share of each row: a bytes object is the same for every row, an iterable gives one per row."""


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(4) + data


def _text(values: Sequence[str | None]) -> Pieces:
    if None in values:
        return [[NULL if v is None else _field(v.encode()) for v in values]]
    encoded = list(map(str.encode, values))  # type: ignore[arg-type]
    lengths = set(map(len, encoded))
    if len(lengths) == 1:  # (checksums of one algorithm)
        return [lengths.pop().to_bytes(4), encoded]
    return [map(int.to_bytes, map(len, encoded), repeat(4)), encoded]


_FEW = 64


def _text_few(values: Sequence[str | None]) -> Pieces:
    """Text with few distinct values (file types, algorithms): each encoded once (str hashes are cached)."""
    distinct = set(values)
    if len(distinct) > _FEW:
        return _text(values)
    fields = {v: NULL if v is None else _field(v.encode()) for v in distinct}
    if len(fields) == 1:
        return [fields.popitem()[1]]
    return [map(fields.__getitem__, values)]


def distinct(values: Sequence[Any]) -> list[Any]:
    """The distinct objects among `values` (by identity: no Python `__hash__` per value, which
    UUIDs have; equal objects may repeat)."""
    return list(dict(zip(map(id, values), values, strict=True)).values())


def _few_objects(values: Sequence[Any], encode: Any) -> Pieces:
    """Values with few distinct objects (modules, executions): each encoded once, found by identity."""
    objects = dict(zip(map(id, values), values, strict=True))
    fields = {key: _field(encode(value)) for key, value in objects.items()}
    if len(fields) == 1:
        return [fields.popitem()[1]]
    return [map(fields.__getitem__, map(id, values))]


def _int8(values: Sequence[int]) -> Pieces:
    """Non-negative bigints (sizes: validated to fit)."""
    return [_LEN8, map(int.to_bytes, values, repeat(8))]


def _timestamptz(values: Sequence[datetime | None]) -> Pieces:
    """Microseconds since 2000-01-01 UTC, as PostgreSQL stores them (what asyncpg sends too)."""
    if None in values:
        micro = _MICROSECOND
        return [[NULL if v is None else _LEN8 + (((v - _PG_EPOCH) // micro) & _INT8_MASK).to_bytes(8) for v in values]]
    micros = map(operator.floordiv, map(operator.sub, values, repeat(_PG_EPOCH)), repeat(_MICROSECOND))
    return [_LEN8, map(int.to_bytes, map(operator.and_, micros, repeat(_INT8_MASK)), repeat(8))]


def _jsonb(values: Sequence[bytes]) -> Pieces:
    """jsonb's binary format is already in the values (`records.Jsonb`)."""
    return [map(int.to_bytes, map(len, values), repeat(4)), values]


def _uuid_bytes(value: uuid.UUID) -> bytes:
    return value.bytes


def _module_bytes(value: int) -> bytes:
    return value.to_bytes(8)


_ENCODERS: dict[str, Any] = {
    "instrument_module_id": lambda values: _few_objects(values, _module_bytes),
    "executed_obs_unit_id": lambda values: _few_objects(values, _uuid_bytes),
    "name": _text,
    "relative_path": _text,
    "size_bytes": _int8,
    "checksum_algorithm": _text_few,
    "checksum": _text,
    "file_type": _text_few,
    "file_created_at": _timestamptz,
    "metadata": _jsonb,
}


def id_bytes(ids: Sequence[str]) -> list[bytes]:
    """File ids (32 hex digits) as uuid's 16 bytes."""
    return list(map(bytes.fromhex, ids))


def file_rows(columns: dict[str, list[Any]], ids: Sequence[bytes]) -> bytes:
    """One binary COPY payload of the files, in `columns` order ("id" first, as 16-byte `ids`).

    Each row is joined from its columns' pieces; pieces that are the same for every row are
    merged with their neighbours first, so a typical row is a dozen pieces.
    """
    names = list(columns)
    assert names[0] == "id", "the id column comes first"
    pieces: Pieces = [len(names).to_bytes(2) + _LEN16, ids]
    for name in names[1:]:
        pieces += _ENCODERS[name](columns[name])
    merged: list[Iterable[bytes]] = []
    constant = b""
    for piece in pieces:
        if isinstance(piece, bytes):
            constant += piece
            continue
        if constant:
            merged.append(repeat(constant))
            constant = b""
        merged.append(piece)
    if constant:
        merged.append(repeat(constant))
    rows = map(b"".join, zip(*merged, strict=False))  # (constant pieces are endless repeats)
    return b"".join(chain((HEADER,), rows, (TRAILER,)))


_COPY_TYPE = _field(b"raw_data_file")
_COPY_STATUS = _field(b"present")
COPY_COLUMNS = ("type", "raw_data_file_id", "data_location_id", "status")


def copy_rows(ids: Sequence[bytes], location_id: int) -> bytes:
    """The files' `present` copies at a location (COPY_COLUMNS): one join, the id the only varying field."""
    if not ids:
        return HEADER + TRAILER
    before = (4).to_bytes(2) + _COPY_TYPE + _LEN16
    after = _LEN8 + location_id.to_bytes(8, signed=True) + _COPY_STATUS
    return HEADER + before + (after + before).join(ids) + after + TRAILER
