"""Registration input: the `FileRecord` model, bulk validation, and batches as columns.

What lives here: a batch of input records is validated in bulk and turned into one list per
file column, in file-id order, with its binary COPY payload (`Batch`; the encoding itself is in
binary.py, the writing in writer.py). The common case runs at C speed: values of exactly the
types the model returns are checked column by column (others go through one pydantic call per
chunk, which coerces as the model does), then a few passes over joined strings and set-based
duplicate checks, with no per-record Python objects beyond the column values. A batch that
fails any of those checks takes the record-by-record path, which names every bad record and
every repeat.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
import sys
import threading
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from typing import Annotated, Any, Literal, NotRequired, get_args

import orjson
from pydantic import AwareDatetime, ConfigDict, StringConstraints, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from opsdb.errors import FieldProblem, InputValidationError
from opsdb.ids import FILE_NAMESPACE
from opsdb.registration.binary import copy_rows, file_rows, id_bytes
from opsdb.registration.report import Conflict, differences
from opsdb.schemas.base import (
    MAX_NAME_BYTES,
    MAX_PATH_BYTES,
    JsonObject,
    Name,
    RelativePath,
    RowId,
    SizeBytes,
    Timestamp,
    in_utc_range,
)
from opsdb.schemas.data import FILE_TYPE_MAX_LENGTH, FileType
from opsdb.schemas.enums import CHECKSUM_HEX_LENGTH

ChecksumAlgorithmName = Literal["md5", "sha1", "sha256", "sha512", "xxh64", "crc32c"]
"""`ChecksumAlgorithm` values as plain strings (validated without building enum members)."""
_HEX_LENGTH = {algorithm.value: length for algorithm, length in CHECKSUM_HEX_LENGTH.items()}
assert set(get_args(ChecksumAlgorithmName)) == set(_HEX_LENGTH), "ChecksumAlgorithmName is out of step"


HexDigits = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]+$")]
"""Lower-case hex (its length per algorithm is checked with the other fields)."""


class FileRecord(TypedDict):
    """One raw file to register (a dict, or any object with these attributes).

    The fields and rules of `opsdb.schemas.data.RawDataFileCreate`, as a `TypedDict` so that a
    batch validates in one call without building model objects; the field types are shared
    with the model and tests/test_registration_input.py checks that both accept the same records.
    `id` may be omitted: it is derived with `opsdb.ids.file_id(instrument_module_id,
    relative_path, file_created_at)`, so `file_created_at` is then required.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    id: NotRequired[uuid.UUID | None]
    instrument_module_id: RowId
    executed_obs_unit_id: uuid.UUID
    name: Name
    relative_path: RelativePath
    size_bytes: SizeBytes
    checksum_algorithm: ChecksumAlgorithmName
    checksum: HexDigits
    file_type: NotRequired[FileType | None]
    file_created_at: NotRequired[Timestamp | None]
    metadata: NotRequired[JsonObject]


_FIELDS = tuple(FileRecord.__annotations__)
_RECORDS = TypeAdapter(list[FileRecord])
_RECORD = TypeAdapter(FileRecord)


class _BulkFileRecord(TypedDict):
    """`FileRecord` without the per-value Python checks of name, relative path and file type:
    `_strings_pass` decides them for the whole batch at once (the common case), and a batch it
    cannot clear is validated again as `FileRecord`, which names every bad record."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    id: NotRequired[uuid.UUID | None]
    instrument_module_id: RowId
    executed_obs_unit_id: uuid.UUID
    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_BYTES)]  # as Name
    relative_path: str
    size_bytes: SizeBytes
    checksum_algorithm: ChecksumAlgorithmName
    checksum: HexDigits
    file_type: NotRequired[Annotated[str, StringConstraints(min_length=1, max_length=FILE_TYPE_MAX_LENGTH)] | None]
    file_created_at: NotRequired[AwareDatetime | None]
    metadata: NotRequired[dict[str, Any]]  # its content: `_jsonb_values`


_BULK_RECORDS = TypeAdapter(list[_BulkFileRecord])
assert tuple(_BulkFileRecord.__annotations__) == _FIELDS, "_BulkFileRecord is out of step with FileRecord"
# RelativePath's rule (opsdb.schemas.base) applied to paths joined by newlines (checked first
# that no path holds one): with MULTILINE, ^ and $ match at each path's ends.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_DOT_SEGMENT = re.compile(r"(^|/)\.\.?(/|$)", re.MULTILINE)


def _longest_utf8(values: list[str], joined: str, encoded: bytes) -> int:
    """The longest value's UTF-8 length, given the values joined and that text encoded."""
    if len(encoded) == len(joined):  # all ASCII: bytes = characters
        return max(map(len, values))
    return max(len(v.encode()) for v in values)


def _strings_pass(names: list[str], paths: list[str], file_types: list[str | None]) -> bool:
    """Whether every name (Name), relative path (RelativePath) and file type (Text) of the batch
    is valid, decided with a few C-level passes over joined strings; False means "check each"."""
    joined = "\n".join(names)
    try:
        encoded = joined.encode()  # refuses lone surrogates, as `storable` does
    except UnicodeEncodeError:
        return False
    if "\x00" in joined:
        return False
    if _longest_utf8(names, joined, encoded) > MAX_NAME_BYTES:
        return False
    if min(map(len, paths)) < 1:
        return False
    joined = "\n".join(paths)
    if joined.count("\n") != len(paths) - 1 or _CONTROL.search(joined):
        return False
    try:
        encoded = joined.encode()
    except UnicodeEncodeError:
        return False
    if _longest_utf8(paths, joined, encoded) > MAX_PATH_BYTES:
        return False
    # absolute, empty segment, trailing slash: plain substring searches (a regex alternation
    # over the joined paths cost ~1 us per path)
    if joined[0] == "/" or joined[-1] == "/" or "//" in joined or "\n/" in joined or "/\n" in joined:
        return False
    if (joined[0] == "." or "/." in joined or "\n." in joined) and _DOT_SEGMENT.search(joined):
        return False  # (only paths holding a segment that starts with "." need the pattern)
    joined = "\n".join([t for t in file_types if t is not None] if None in file_types else file_types)  # type: ignore[arg-type]
    try:
        joined.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in joined


def _problems_from(exc: ValidationError, first: int) -> list[FieldProblem]:
    """One FieldProblem per pydantic error of a list validation (loc = (index, field, ...))."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        index = int(loc.pop(0)) if loc and isinstance(loc[0], int) else 0
        name = ".".join(str(part) for part in loc) or "record"
        problems.append(FieldProblem(first + index, name, error["msg"]))
    return problems


def _validated(items: list[Any], first: int) -> tuple[list[Any], list[FieldProblem]]:
    """Validate with the strict model; on failure, record by record to name every bad one."""
    try:
        return list(_RECORDS.validate_python(items)), []
    except ValidationError as exc:
        problems = _problems_from(exc, first)
    bad = {p.position for p in problems}
    records: list[Any] = []
    for i, item in enumerate(items):
        records.append(None if first + i in bad else _RECORD.validate_python(item))
    return records, problems


def _as_dict(record: Any) -> Any:
    """A pydantic model's set fields, or another object's `FileRecord` attributes."""
    if hasattr(record, "model_dump"):
        return record.model_dump(exclude_unset=True)
    if isinstance(record, Mapping):
        return dict(record)
    return {name: getattr(record, name) for name in _FIELDS if hasattr(record, name)}


_NAMESPACE_PREFIX = f"{FILE_NAMESPACE}\x00".encode()


_SHA256 = type(hashlib.sha256())
_VERSION_BYTE = bytes(0x80 | (b & 0x0F) for b in range(256))  # version 8 in the top nibble
_VARIANT_BYTE = bytes(0x80 | (b & 0x3F) for b in range(256))  # RFC 9562 variant: top bits 10
_MILLIS_MASK = 0xFFFF_FFFF_FFFF
_UUID_INT = operator.attrgetter("int")


def _derived_id_bytes(modules: Sequence[int], paths: Sequence[str], created: Sequence[datetime]) -> list[bytes]:
    """`opsdb.ids.file_id` of each file, as its 16 bytes (tests check they agree).

    Bytes, not UUID objects: asyncpg and the COPY payload take them as they are, and the cycle
    collector does not track them (10k UUID objects per batch made it walk the heap). Built
    column-wise in C-level passes: 6 bytes of the creation time in milliseconds, then 10 bytes
    of the hash with the version and variant bits set by translating every 16th byte at once.
    """
    count = len(paths)
    prefix = {module: b"%b%d\x00" % (_NAMESPACE_PREFIX, module) for module in set(modules)}
    keys = map(bytes.__add__, map(prefix.__getitem__, modules), map(str.encode, paths))
    digests = b"".join(map(_SHA256.digest, map(hashlib.sha256, keys)))  # 32 bytes each
    millis = map(int, map(operator.mul, map(datetime.timestamp, created), repeat(1000)))
    stamps = b"".join(map(int.to_bytes, map(operator.and_, millis, repeat(_MILLIS_MASK)), repeat(6)))
    out = bytearray(16 * count)
    for k in range(6):
        out[k::16] = stamps[k::6]
    for k in range(10):
        out[6 + k :: 16] = digests[k::32]
    out[6::16] = out[6::16].translate(_VERSION_BYTE)
    out[8::16] = out[8::16].translate(_VARIANT_BYTE)
    blob = bytes(out)
    return list(map(blob.__getitem__, map(slice, range(0, 16 * count, 16), range(16, 16 * count + 16, 16))))


def _derived_ids(modules: Sequence[int], paths: Sequence[str], created: Sequence[datetime]) -> list[str]:
    """`opsdb.ids.file_id` of each file, as 32 hex digits."""
    return list(map(bytes.hex, _derived_id_bytes(modules, paths, created)))


# Columns of raw_data_file that a registration writes, in COPY order.
FILE_COLUMNS = (
    "id",
    "instrument_module_id",
    "executed_obs_unit_id",
    "name",
    "relative_path",
    "size_bytes",
    "checksum_algorithm",
    "checksum",
    "file_type",
    "file_created_at",
    "metadata",
)
assert FILE_COLUMNS == _FIELDS, "FILE_COLUMNS is out of step with FileRecord"


class Jsonb(bytes):
    """A record's metadata already in jsonb's binary format (version 1, then the JSON text)."""


EMPTY_JSONB = Jsonb(b"\x01{}")


def to_jsonb(value: Any) -> Jsonb:
    """`value` in jsonb's binary format, serialized by the standard library (takes big integers)."""
    return Jsonb(b"\x01" + json.dumps(value).encode())


def _jsonb_values(metadata: list[Any]) -> list[Jsonb] | None:
    """Each record's metadata as `Jsonb`, or None when one is not JSON that jsonb stores exactly
    as given (the record-by-record path then names it).

    orjson serializes, and reading its output back must give the same value: NaN (written as
    null), tuples, datetimes or UUIDs (written as arrays and strings) fail that; lone
    surrogates, integers beyond 64 bits and unknown types fail to serialize; NUL shows as an
    escape jsonb refuses (a literal backslash-u0000 in a string also matches: it only costs
    the slower path).
    """
    dumps, loads = orjson.dumps, orjson.loads
    out: list[Jsonb] = []
    for value in metadata:
        if not value:
            out.append(EMPTY_JSONB)
            continue
        try:
            text = dumps(value)
        except orjson.JSONEncodeError:
            return None
        if b"\\u0000" in text or loads(text) != value:
            return None
        out.append(Jsonb(b"\x01" + text))
    return out


@dataclass
class Batch:
    """A validated batch: the files to write as columns, in id order, with their input positions.

    `columns` maps each of FILE_COLUMNS to its values; "metadata" is left out when no record of
    the batch has any (the column's default, `{}`, applies). A repeat inside the batch that
    differs from its earlier record is a conflict already; an identical one is listed in
    `repeats` as (its position, the earlier record's position) and shares that record's outcome
    (existing, or the same conflict with the stored file).
    """

    index: int
    first: int  # input position of the batch's first record
    size: int  # input records in the batch
    positions: list[int]
    columns: dict[str, list[Any]]
    repeats: tuple[tuple[int, int], ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    _payload: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _id_bytes: list[bytes] | None = field(default=None, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def ids(self) -> list[str]:
        """File ids as 32 lower-case hex digits."""
        return self.columns["id"]

    def payload(self) -> bytes:
        """The files as one binary COPY payload in `columns` order (built once: `prepare` builds
        it in its worker thread, so the event loop only sends bytes)."""
        if self._payload is None:
            if self._id_bytes is None:
                self._id_bytes = id_bytes(self.ids)
            self._payload = file_rows(self.columns, self._id_bytes)
        return self._payload

    def copies_payload(self, location_id: int) -> bytes:
        """The files' `present` copies at `location_id` as a binary COPY payload (binary.COPY_COLUMNS)."""
        if self._id_bytes is None:
            self.payload()
        assert self._id_bytes is not None
        return copy_rows(self._id_bytes, location_id)

    def subset(self, ids: Collection[str]) -> dict[str, list[Any]]:
        """The columns of the files with these ids only."""
        wanted = set(ids)
        keep = [i for i, fid in enumerate(self.ids) if fid in wanted]
        return {name: [values[i] for i in keep] for name, values in self.columns.items()}

    def records_with_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The records of these file ids (hex), as `records_at` gives them."""
        position = dict(zip(self.ids, self.positions, strict=True))
        return self.records_at([position[i] for i in ids])

    def records_at(self, positions: Sequence[int]) -> list[dict[str, Any]]:
        """The given input positions' values, as dicts keyed by column (position included, id a UUID)."""
        index = {position: i for i, position in enumerate(self.positions)}
        out = []
        for position in positions:
            i = index[position]
            record = {name: values[i] for name, values in self.columns.items()}
            record["id"] = uuid.UUID(record["id"])
            record["position"] = position
            out.append(record)
        return out


SWITCH_INTERVAL: float | None = 0.0005
"""The interpreter's switch interval (s) while a batch is prepared, None = leave it. `prepare` runs
in a worker thread while the event loop feeds COPY to the other connections: with the default
5 ms, the loop waits up to 5 ms for the interpreter lock each time the preparing thread holds it
(docs/performance.md, "The client's hand-off")."""

_handoff_lock = threading.Lock()
_handoff_users = 0
_handoff_saved = 0.0


@contextmanager
def _quick_handoff() -> Iterator[None]:
    """Shorten the switch interval (process-wide) while any batch is being prepared; the last
    preparer out restores the value it found."""
    global _handoff_users, _handoff_saved
    wanted = SWITCH_INTERVAL
    if wanted is None:
        yield
        return
    with _handoff_lock:
        if _handoff_users == 0:
            _handoff_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(wanted, _handoff_saved))
        _handoff_users += 1
    try:
        yield
    finally:
        with _handoff_lock:
            _handoff_users -= 1
            if _handoff_users == 0:
                sys.setswitchinterval(_handoff_saved)


def prepare(raw: Sequence[Any], index: int, first: int) -> Batch:
    """Validate a batch and turn it into columns; raises InputValidationError naming records."""
    with _quick_handoff():
        items = list(raw) if set(map(type, raw)) == {dict} else [r if isinstance(r, dict) else _as_dict(r) for r in raw]
        batch = _prepare_bulk(items, index, first)
        if batch is None:
            batch = _prepare_each(items, index, first)
        batch.payload()
        return batch


_CHUNK = 1_000
"""Records validated per pydantic call: the validated dicts die young, so few of them survive
into the cycle collector's oldest generation (whose full passes also walk the caller's data)."""


def _prepare_bulk(items: list[Any], index: int, first: int) -> Batch | None:
    """The common case, decided for the whole batch at once; None means "check record by record"."""
    count = len(items)
    if not count:
        return None
    fields = _exact_columns(items)
    if fields is None:
        fields = _validated_columns(items)
        if fields is None:
            return None
    if not _strings_pass(fields["name"], fields["relative_path"], fields["file_type"]):
        return None
    modules, paths, created = fields["instrument_module_id"], fields["relative_path"], fields["file_created_at"]
    lengths = set(zip(fields["checksum_algorithm"], map(len, fields["checksum"]), strict=True))
    if any(_HEX_LENGTH[algorithm] != length for algorithm, length in lengths):
        return None
    stamped = [c for c in created if c is not None] if None in created else created
    if stamped and not (in_utc_range(min(stamped)) and in_utc_range(max(stamped))):
        return None  # (the earliest and the latest instant bound every other one)
    given = fields.pop("id")
    id_bytes: list[bytes] | None = None
    if given.count(None) == count:
        if stamped is not created:
            return None
        id_bytes = _derived_id_bytes(modules, paths, created)
        ids = list(map(bytes.hex, id_bytes))
    elif None in given:
        if any(c is None for i, c in zip(given, created, strict=True) if i is None):
            return None
        derive = zip(given, modules, paths, created, strict=True)
        ids = [i.hex if i is not None else _derived_ids([m], [p], [c])[0] for i, m, p, c in derive]
    else:
        id_bytes = list(map(int.to_bytes, map(_UUID_INT, given), repeat(16)))
        ids = list(map(bytes.hex, id_bytes))
    # repeats inside the batch (same id, or same module and path) go record by record; the
    # (module, path) pairs are compared by hash, so a collision only costs the slow path
    if len(set(ids)) != count or len(set(map(hash, zip(modules, paths, strict=True)))) != count:
        return None
    metadata = fields.pop("metadata")
    columns = {"id": ids} | fields
    if any(metadata):
        encoded = _jsonb_values(metadata)
        if encoded is None:
            return None
        columns["metadata"] = encoded
    batch = Batch(index, first, count, list(range(first, first + count)), columns)
    batch._id_bytes = id_bytes
    return _in_id_order(batch)


_NO_METADATA: dict[str, Any] = {}
"""Stands for a record without metadata in the exact-type pass (None there is an error)."""
_KEY_SETS: dict[tuple[Any, ...], bool] = {}
"""Key tuples seen in records, and whether they name every required field and no other."""
_OPTIONAL = frozenset(("id", "file_type", "file_created_at", "metadata"))  # NotRequired in FileRecord
_REQUIRED = frozenset(_FIELDS) - _OPTIONAL
_INT8_MAX = 2**63 - 1
_HEX_DIGITS = re.compile(r"[0-9a-f]*")


def _keys_valid(keys: tuple[Any, ...]) -> bool:
    known = _KEY_SETS.get(keys)
    if known is None:
        names = set(keys)
        known = names >= _REQUIRED and names <= set(_FIELDS)
        if len(_KEY_SETS) < 64:
            _KEY_SETS[keys] = known
    return known


def _exact_columns(items: list[Any]) -> dict[str, list[Any]] | None:
    """The batch as columns when every value has exactly the type the model returns (int, str,
    UUID, aware datetime, dict, None) and meets the model's rules that are cheap to decide per
    column; None otherwise (the model then validates, coercing what it accepts).

    What the model checks per value with Python code (names, paths, file types, checksums per
    algorithm, instants, metadata content) is decided afterwards for both passes alike.
    """
    if set(map(type, items)) != {dict} or not all(map(_keys_valid, set(map(tuple, items)))):
        return None
    get, at = dict.get, dict.__getitem__
    columns: dict[str, list[Any]] = {
        name: list(map(get, items, repeat(name))) for name in ("id", "file_type", "file_created_at")
    }
    for name in _REQUIRED:
        columns[name] = list(map(at, items, repeat(name)))
    columns["metadata"] = metadata = list(map(get, items, repeat("metadata"), repeat(_NO_METADATA)))
    modules, sizes = columns["instrument_module_id"], columns["size_bytes"]
    checksums, algorithms = columns["checksum"], columns["checksum_algorithm"]
    file_types = columns["file_type"]
    if (
        set(map(type, modules)) != {int}
        or min(modules) < 1
        or max(modules) > _INT8_MAX
        or set(map(type, sizes)) != {int}
        or min(sizes) < 0
        or max(sizes) > _INT8_MAX
        or set(map(type, columns["executed_obs_unit_id"])) != {uuid.UUID}
        or not set(map(type, columns["id"])) <= {uuid.UUID, type(None)}
        or set(map(type, columns["name"])) != {str}
        or min(map(len, columns["name"])) < 1
        or set(map(type, columns["relative_path"])) != {str}
        or set(map(type, algorithms)) != {str}
        or not set(algorithms) <= _HEX_LENGTH.keys()
        or set(map(type, checksums)) != {str}
        or not _HEX_DIGITS.fullmatch("".join(checksums))
        or set(map(type, metadata)) != {dict}
    ):
        return None
    types = set(map(type, file_types))
    if types != {type(None)}:
        if not types <= {str, type(None)}:
            return None
        texts = [t for t in file_types if t is not None] if None in file_types else file_types
        if min(map(len, texts)) < 1 or max(map(len, texts)) > FILE_TYPE_MAX_LENGTH:
            return None
    created = columns["file_created_at"]
    types = set(map(type, created))
    if types != {type(None)}:
        if not types <= {datetime, type(None)}:
            return None
        stamped = [c for c in created if c is not None] if None in created else created
        if None in map(datetime.utcoffset, stamped):
            return None
    return {name: columns[name] for name in _FIELDS}


def _validated_columns(items: list[Any]) -> dict[str, list[Any]] | None:
    """The batch as columns after the bulk model validated it (it coerces what it accepts, as the
    record model does); None when it refuses any record."""
    fields: dict[str, list[Any]] = {name: [] for name in _FIELDS}
    for start in range(0, len(items), _CHUNK):
        try:
            valid: list[Any] = _BULK_RECORDS.validate_python(items[start : start + _CHUNK])
        except ValidationError:
            return None
        for name, values in fields.items():
            values.extend(map(dict.get, valid, repeat(name), repeat(_NO_METADATA if name == "metadata" else None)))
    return fields


def _in_id_order(batch: Batch) -> Batch:
    """Sort the batch by file id: every writer takes its index locks in the same order."""
    ids = batch.ids
    if sorted(ids) != ids:  # (already sorted: time-ordered ids in creation order)
        order = sorted(range(len(ids)), key=ids.__getitem__)
        batch.positions = [batch.positions[i] for i in order]
        batch.columns = {name: [values[i] for i in order] for name, values in batch.columns.items()}
        if batch._id_bytes is not None:
            batch._id_bytes = [batch._id_bytes[i] for i in order]
    return batch


def _prepare_each(items: list[Any], index: int, first: int) -> Batch:
    """Record by record: names every bad record and field, settles repeats inside the batch."""
    records, problems = _validated(items, first)
    seen: dict[Any, tuple[int, dict[str, Any]]] = {}
    kept: list[dict[str, Any]] = []
    positions: list[int] = []
    repeats: list[tuple[int, int]] = []
    conflicts: list[Conflict] = []
    for position, rec in enumerate(records, first):
        if rec is None:
            continue
        algorithm, checksum = rec["checksum_algorithm"], rec["checksum"]
        module, path = rec["instrument_module_id"], rec["relative_path"]
        if len(checksum) != _HEX_LENGTH[algorithm]:
            problems.append(
                FieldProblem(
                    position, "checksum", f"must be {_HEX_LENGTH[algorithm]} lower-case hex digits for {algorithm}"
                )
            )
        fid = rec.get("id")
        created = rec.get("file_created_at")
        if fid is None:
            if created is None:
                problems.append(
                    FieldProblem(position, "file_created_at", "required to derive the id when none is given")
                )
                continue
            fid = uuid.UUID(_derived_ids([module], [path], [created])[0])
        if problems or fid is None:
            continue
        rec = {name: rec.get(name) for name in FILE_COLUMNS} | {"id": fid}
        earlier = seen.get(fid) or seen.get((module, path))
        if earlier is not None:
            earlier_position, earlier_rec = earlier
            diffs = differences(earlier_rec, rec)
            if diffs:
                conflicts.append(Conflict(position, fid, module, path, earlier_rec["id"], diffs, earlier_position))
            else:
                repeats.append((position, earlier_position))
            continue
        seen[fid] = seen[(module, path)] = (position, rec)
        kept.append(rec)
        positions.append(position)
    if problems:
        raise InputValidationError(sorted(problems, key=lambda p: p.position))
    columns: dict[str, list[Any]] = {name: [rec[name] for rec in kept] for name in FILE_COLUMNS}
    columns["id"] = [fid.hex for fid in columns["id"]]
    if any(columns["metadata"]):
        # (validated as storable JSON by the strict model)
        columns["metadata"] = [to_jsonb(m) if m else EMPTY_JSONB for m in columns["metadata"]]
    else:
        del columns["metadata"]
    return _in_id_order(Batch(index, first, len(items), positions, columns, tuple(repeats), tuple(conflicts)))
