"""Bulk registration of raw data files: each file gets its row and a present copy at its source.

The headline write path (docs/performance.md). Per batch, in one transaction: validate in
bulk (a worker thread), lock the referenced modules, executed obs units and location against
deletion, then either COPY the batch straight into the file and copy tables (a batch whose
first file is new; in a savepoint, as a stored file makes it fail) or COPY it into a
per-session staging table, insert the new files and their copies in one statement, and
classify the rest as identical (already registered) or conflicting. Nothing stored is ever
overwritten; re-sending any batch registers nothing twice.
Single-file CRUD lives in opsdb/repositories/files.py.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired, get_args

import anyio
import anyio.abc
import asyncpg
from asyncpg.pgproto.pgproto import UUID as FastUUID
from pydantic import AwareDatetime, ConfigDict, StringConstraints, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from opsdb.db import Connection, Database
from opsdb.errors import ConflictError, FieldProblem, InputValidationError, NotFoundError
from opsdb.ids import FILE_NAMESPACE
from opsdb.queries import query
from opsdb.schemas.base import MAX_NAME_BYTES, JsonObject, Name, RelativePath, SizeBytes, Text
from opsdb.schemas.enums import CHECKSUM_HEX_LENGTH

DEFAULT_BATCH_SIZE = 10_000
_RETRIES = 8  # deadlock or serialization failure: the batch is rolled back and re-run

# Fields that identify a file and its content: a stored file equal on all of them is the same
# registration; any difference is a conflict. Descriptive fields (name, file_type,
# file_created_at, metadata) never make a conflict and are never updated.
COMPARED_FIELDS = (
    "id",
    "instrument_module_id",
    "relative_path",
    "executed_obs_unit_id",
    "size_bytes",
    "checksum_algorithm",
    "checksum",
)


ChecksumAlgorithmName = Literal["md5", "sha1", "sha256", "sha512", "xxh64", "crc32c"]
"""`ChecksumAlgorithm` values as plain strings (validated without building enum members)."""
_HEX_LENGTH = {algorithm.value: length for algorithm, length in CHECKSUM_HEX_LENGTH.items()}
assert set(get_args(ChecksumAlgorithmName)) == set(_HEX_LENGTH), "ChecksumAlgorithmName is out of step"


HexDigits = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]+$")]
"""Lower-case hex (its length per algorithm is checked with the other fields)."""


class FileRecord(TypedDict):
    """One raw file to register (a dict, or any object with these attributes).

    `id` may be omitted: it is derived with `opsdb.ids.file_id(instrument_module_id,
    relative_path, file_created_at)`, so `file_created_at` is then required.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    id: NotRequired[uuid.UUID | None]
    instrument_module_id: int
    executed_obs_unit_id: uuid.UUID
    name: Name
    relative_path: RelativePath
    size_bytes: SizeBytes
    checksum_algorithm: ChecksumAlgorithmName
    checksum: HexDigits
    file_type: NotRequired[Text | None]
    file_created_at: NotRequired[AwareDatetime | None]
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
    instrument_module_id: int
    executed_obs_unit_id: uuid.UUID
    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_BYTES)]  # as Name
    relative_path: str
    size_bytes: SizeBytes
    checksum_algorithm: ChecksumAlgorithmName
    checksum: HexDigits
    file_type: NotRequired[str | None]
    file_created_at: NotRequired[AwareDatetime | None]
    metadata: NotRequired[JsonObject]


_BULK_RECORDS = TypeAdapter(list[_BulkFileRecord])
assert tuple(_BulkFileRecord.__annotations__) == _FIELDS, "_BulkFileRecord is out of step with FileRecord"
# RelativePath's rule (opsdb.schemas.base) applied to paths joined by newlines: with MULTILINE,
# ^ and $ match at each path's ends once no path holds a newline (checked by counting them);
# the newline itself is left out of the control characters.
_BAD_JOINED_PATHS = re.compile(r"(^/|//|/$|(^|/)\.\.?(/|$)|[\x00-\x09\x0b-\x1f\x7f])", re.MULTILINE)


def _strings_pass(records: Sequence[Any]) -> bool:
    """Whether every name (Name), relative path (RelativePath) and file type (Text) of the batch
    is valid, decided with a few C-level passes over joined strings; False means "check each"."""
    names = [r["name"] for r in records]
    joined = "\n".join(names)
    try:
        encoded = joined.encode()  # refuses lone surrogates, as `storable` does
    except UnicodeEncodeError:
        return False
    if "\x00" in joined:
        return False
    if len(encoded) != len(joined) and max(len(n.encode()) for n in names) > MAX_NAME_BYTES:
        return False  # (all ASCII: bytes = characters, at most MAX_NAME_BYTES by the constraint)
    paths = [r["relative_path"] for r in records]
    joined = "\n".join(paths)
    if joined.count("\n") != len(paths) - 1 or _BAD_JOINED_PATHS.search(joined):
        return False
    if min(map(len, paths)) < 1 or max(map(len, paths)) > 4096:
        return False
    joined = "\n".join([t for r in records if (t := r.get("file_type")) is not None])
    try:
        joined.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in joined


@dataclass(frozen=True)
class Conflict:
    """An input record that collides with a stored file (or an earlier record of the input).

    `differences` maps each differing field to (stored value, given value).
    """

    position: int
    file_id: uuid.UUID
    instrument_module_id: int
    relative_path: str
    stored_file_id: uuid.UUID
    differences: dict[str, tuple[Any, Any]]
    earlier_position: int | None = None

    def __str__(self) -> str:
        against = f"record {self.earlier_position}" if self.earlier_position is not None else "stored file"
        diffs = ", ".join(f"{name}: {old!r} != {new!r}" for name, (old, new) in self.differences.items())
        return (
            f"record {self.position} (module {self.instrument_module_id}, {self.relative_path}) conflicts with "
            f"{against} {self.stored_file_id}: {diffs}"
        )


@dataclass
class RegistrationReport:
    """Outcome of a registration: counts, and every conflict with its input position."""

    new: int = 0
    existing: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    batches: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.new + self.existing + len(self.conflicts)


@dataclass(frozen=True)
class BatchProgress:
    """Passed to `on_progress` after each committed batch (batches may finish out of order)."""

    batch: int
    first_position: int
    size: int
    new: int
    existing: int
    conflicts: int
    done: int  # records in committed batches so far


@dataclass
class _Batch:
    index: int
    first: int
    rows: list[tuple[Any, ...]]  # staging-table rows, position first
    existing: int  # identical duplicates inside the batch (or of earlier batches' records)
    conflicts: list[Conflict]


_STAGE_COLUMNS = (
    "position",
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

_FILE_COLUMNS = _STAGE_COLUMNS[1:]
_COPY_COLUMNS = ("type", "raw_data_file_id", "data_location_id", "status")
_by_id = operator.itemgetter(1)


class _JsonText(str):
    """A JSON document already serialized (metadata of a staged row), sent to jsonb as is."""


_EMPTY_JSON = _JsonText("{}")


def _jsonb_encode(value: Any) -> bytes:
    """jsonb binary format: version 1, then the JSON text."""
    text = value if isinstance(value, _JsonText) else json.dumps(value)
    return b"\x01" + text.encode()


def _jsonb_decode(data: bytes) -> Any:
    return json.loads(data[1:])


def _problems_from(exc: ValidationError, first: int) -> list[FieldProblem]:
    """One FieldProblem per pydantic error of a list validation (loc = (index, field, ...))."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        index = int(loc.pop(0)) if loc and isinstance(loc[0], int) else 0
        name = ".".join(str(part) for part in loc) or "record"
        problems.append(FieldProblem(first + index, name, error["msg"]))
    return problems


def _validated(raw: Sequence[Any], first: int) -> tuple[list[FileRecord | None], list[FieldProblem]]:
    """Validate a batch in bulk; on failure, record by record to name every bad one."""
    items = [r if isinstance(r, dict) else _as_dict(r) for r in raw]
    try:
        bulk: list[Any] = _BULK_RECORDS.validate_python(items)
        if _strings_pass(bulk):
            return bulk, []
    except ValidationError:
        pass
    try:
        return list(_RECORDS.validate_python(items)), []
    except ValidationError as exc:
        problems = _problems_from(exc, first)
    bad = {p.position for p in problems}
    records: list[FileRecord | None] = []
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


def _derived_id(module: int, path: str, created: datetime) -> uuid.UUID:
    """`opsdb.ids.file_id`, computed on bytes (3x faster; tests check they agree)."""
    millis = int(created.timestamp() * 1000) & 0xFFFF_FFFF_FFFF
    digest = hashlib.sha256(b"%b%d\x00%b" % (_NAMESPACE_PREFIX, module, path.encode())).digest()
    raw = bytearray(millis.to_bytes(6, "big") + digest[:10])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 9562 variant
    fast: uuid.UUID = FastUUID(bytes(raw))
    return fast


def _prepare(raw: Sequence[Any], index: int, first: int, seen: dict[Any, tuple[int, FileRecord]]) -> _Batch:
    """Validate a batch and turn it into staging rows; raises InputValidationError naming records.

    `seen` maps the id and (module, path) of earlier records of this batch to (position,
    record): a repeated file inside the input is counted once, and differing repeats conflict.
    """
    records, problems = _validated(raw, first)
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    existing = 0
    conflicts: list[Conflict] = []
    hex_length = _HEX_LENGTH
    dumps = json.dumps
    position = first - 1
    for rec in records:
        position += 1
        if rec is None:
            continue
        algorithm = rec["checksum_algorithm"]
        checksum = rec["checksum"]
        module = rec["instrument_module_id"]
        path = rec["relative_path"]
        if len(checksum) != hex_length[algorithm]:
            problems.append(
                FieldProblem(
                    position, "checksum", f"must be {hex_length[algorithm]} lower-case hex digits for {algorithm}"
                )
            )
        if module <= 0:
            problems.append(FieldProblem(position, "instrument_module_id", "must be a positive id"))
        fid = rec.get("id")
        created = rec.get("file_created_at")
        if fid is None:
            if created is None:
                problems.append(
                    FieldProblem(position, "file_created_at", "required to derive the id when none is given")
                )
                continue
            if module > 0:
                fid = rec["id"] = _derived_id(module, path, created)
        if problems or fid is None:
            continue
        earlier = seen.get(fid) or seen.get((module, path))
        if earlier is not None:
            earlier_position, earlier_rec = earlier
            earlier_id = earlier_rec.get("id")
            assert earlier_id is not None  # set when it was seen
            differences = _differences(earlier_rec, rec)
            if differences:
                conflicts.append(Conflict(position, fid, module, path, earlier_id, differences, earlier_position))
            else:
                existing += 1
            continue
        seen[fid] = seen[(module, path)] = (position, rec)
        metadata = rec.get("metadata")
        append(
            (
                position,
                fid,
                module,
                rec["executed_obs_unit_id"],
                rec["name"],
                path,
                rec["size_bytes"],
                algorithm,
                checksum,
                rec.get("file_type"),
                created,
                _JsonText(dumps(metadata)) if metadata else _EMPTY_JSON,
            )
        )
    if problems:
        raise InputValidationError(sorted(problems, key=lambda p: p.position))
    return _Batch(index, first, rows, existing, conflicts)


def _differences(stored: Any, given: FileRecord) -> dict[str, tuple[Any, Any]]:
    out: dict[str, tuple[Any, Any]] = {}
    for name in COMPARED_FIELDS:
        old, new = stored[name], given.get(name)
        if old != new:
            out[name] = (old, new)
    return out


async def _batches(
    records: Iterable[Any] | AsyncIterable[Any], batch_size: int
) -> AsyncIterator[tuple[int, int, list[Any]]]:
    """(batch index, first position, records) in input order, holding one batch at a time."""
    chunk: list[Any] = []
    index = first = 0
    if isinstance(records, AsyncIterable):
        async for record in records:
            chunk.append(record)
            if len(chunk) >= batch_size:
                yield index, first, chunk
                index, first, chunk = index + 1, first + len(chunk), []
    else:
        for record in records:
            chunk.append(record)
            if len(chunk) >= batch_size:
                yield index, first, chunk
                index, first, chunk = index + 1, first + len(chunk), []
    if chunk:
        yield index, first, chunk


class _Writer:
    """Writes prepared batches on one connection (one transaction per batch)."""

    def __init__(self, conn: Connection, location_id: int) -> None:
        self.conn = conn
        self.location_id = location_id
        self.ready = False

    async def _ensure_staging(self) -> None:
        if not self.ready:
            if not await self.conn.fetchval(query("registration_has_staging")):
                await self.conn.execute(query("registration_create_staging"))
            # binary COPY into raw_data_file needs a binary jsonb codec: same values in and out
            # (dicts), plus `_JsonText` (already serialized metadata) for the direct path
            await self.conn.raw.set_type_codec(
                "jsonb", schema="pg_catalog", format="binary", encoder=_jsonb_encode, decoder=_jsonb_decode
            )
            self.ready = True

    async def write(self, batch: _Batch) -> tuple[int, int, list[Conflict]]:
        """(new, existing, conflicts) of the batch, committed."""
        await self._ensure_staging()
        for attempt in range(_RETRIES):
            try:
                return await self._write_once(batch)
            except _Unresolved:
                pass  # a matching file vanished between the two statements: run the batch again
            except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
                await anyio.sleep(0.01 * (attempt + 1))
        return await self._write_once(batch)

    async def _write_once(self, batch: _Batch) -> tuple[int, int, list[Conflict]]:
        conn = self.conn
        rows = batch.rows
        if not rows:
            return 0, batch.existing, list(batch.conflicts)
        nested = conn.raw.is_in_transaction()
        async with conn.transaction():
            if nested:
                await conn.execute(query("registration_clear_staging"))
            resent = await self._lock_references(batch)
            others: list[Any] = []
            if not resent and await self._copy_new(rows):
                new = len(rows)
            else:
                await conn.copy_records("opsdb_registration_stage", rows, _STAGE_COLUMNS)
                if resent:
                    new, others = await self._lookup_then_insert()
                else:
                    new = int(await conn.fetchval(query("registration_insert_new"), self.location_id))
                    others = [] if new == len(rows) else await self._classify()
            conflicts = list(batch.conflicts)
            if others:
                by_position = {row[0]: row for row in rows}
                conflicts.extend(_conflict_with_stored(by_position[stored["position"]], stored) for stored in others)
            existing = batch.existing + len(rows) - new - len(others)
            if nested:
                await conn.execute(query("registration_clear_staging"))
        conflicts.sort(key=lambda c: c.position)
        return new, existing, conflicts

    async def _copy_new(self, rows: list[tuple[Any, ...]]) -> bool:
        """All-new fast path: COPY the files and their copies straight into their tables.

        In a savepoint: if any file is already stored (a unique key refuses it), roll back to it
        and return False; the caller then takes the staging path, which sorts everything out.
        Rows go in id order, as in the staging path, so overlapping registrants lock alike.
        """
        ordered = sorted(rows, key=_by_id)
        try:
            async with self.conn.transaction():
                await self.conn.copy_records("raw_data_file", [row[1:] for row in ordered], _FILE_COLUMNS)
                location = self.location_id
                await self.conn.copy_records(
                    "physical_copy",
                    [("raw_data_file", row[1], location, "present") for row in ordered],
                    _COPY_COLUMNS,
                )
        except ConflictError:
            return False
        return True

    async def _classify(self) -> list[Any]:
        """Stored rows behind the staged files that were not inserted and are not identical."""
        others = await self.conn.fetch(query("registration_classify_existing"), self.location_id)
        if any(stored["stored_id"] is None for stored in others):
            raise _Unresolved
        return others

    async def _lookup_then_insert(self) -> tuple[int, list[Any]]:
        """Re-send path (the batch's first file is stored): look every file up, insert only the missing."""
        found = await self.conn.fetch(query("registration_classify_existing"), self.location_id)
        missing = [stored["position"] for stored in found if stored["stored_id"] is None]
        if not missing:
            return 0, found
        new = int(await self.conn.fetchval(query("registration_insert_missing"), self.location_id, missing))
        if new == len(missing):
            return new, [stored for stored in found if stored["stored_id"] is not None]
        return new, await self._classify()  # a concurrent registrant stored some of them meanwhile

    async def _lock_references(self, batch: _Batch) -> bool:
        """Lock the batch's references (errors name records); True when its first file is stored."""
        modules = {row[2] for row in batch.rows}
        units = {row[3] for row in batch.rows}
        found = await self.conn.fetchrow(
            query("registration_lock_references"), sorted(modules), sorted(units), self.location_id, batch.rows[0][1]
        )
        assert found is not None
        if not found["location"]:
            raise NotFoundError("data_location", self.location_id)
        missing_modules = modules - set(found["modules"])
        missing_units = units - set(found["units"])
        if missing_modules or missing_units:
            problems = []
            for row in batch.rows:
                if row[2] in missing_modules:
                    problems.append(FieldProblem(row[0], "instrument_module_id", f"no instrument module {row[2]}"))
                if row[3] in missing_units:
                    problems.append(FieldProblem(row[0], "executed_obs_unit_id", f"no executed obs unit {row[3]}"))
            raise InputValidationError(problems)
        return bool(found["resent"])


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error that stopped a parallel registration (the others are its cancellations)."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first_error(exc)
        return exc
    return group


class _Unresolved(Exception):
    """A staged file was neither inserted nor found: a concurrent delete raced us."""


def _conflict_with_stored(row: tuple[Any, ...], stored: Any) -> Conflict:
    given = dict(zip(_STAGE_COLUMNS, row, strict=True))
    stored_values = {name: stored[f"stored_{name}"] for name in COMPARED_FIELDS}
    differences = {
        name: (stored_values[name], given[name]) for name in COMPARED_FIELDS if stored_values[name] != given[name]
    }
    return Conflict(
        position=given["position"],
        file_id=given["id"],
        instrument_module_id=given["instrument_module_id"],
        relative_path=given["relative_path"],
        stored_file_id=stored_values["id"],
        differences=differences,
    )


async def register_files(
    db_or_conn: Database | Connection,
    location_id: int,
    records: Iterable[Any] | AsyncIterable[Any],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[BatchProgress], object] | None = None,
    connections: int = 2,
) -> RegistrationReport:
    """Register raw files, each with a `present` physical copy at `location_id`.

    `records` (an iterable or async iterable of `FileRecord` dicts or objects with those
    attributes) is streamed in batches of `batch_size`; each batch is validated, then written in
    one transaction. With a `Database`, `connections` batches are written in parallel; with a
    `Connection`, one after the other (inside the caller's transaction, if one is open).

    Idempotent: files already registered identically count as `existing` (and get the copy
    at this location if they lack it); a file whose id or (module, relative path) is stored
    with other identifying values is reported as a conflict and left untouched.

    Raises InputValidationError (naming each bad record's position and field; nothing of that
    batch written) for malformed records and unknown modules or executed obs units, and
    NotFoundError for an unknown location. Batches committed before the error stay committed:
    re-sending the whole input is safe.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if connections < 1:
        raise ValueError("connections must be at least 1")
    started = time.perf_counter()
    report = RegistrationReport()
    seen: dict[Any, tuple[int, FileRecord]] = {}
    done = 0

    def prepare(index: int, first: int, chunk: list[Any]) -> _Batch:
        seen.clear()  # duplicates are caught within a batch here, across batches by the database
        return _prepare(chunk, index, first, seen)

    def finished(batch: _Batch, outcome: tuple[int, int, list[Conflict]]) -> None:
        nonlocal done
        new, existing, conflicts = outcome
        report.new += new
        report.existing += existing
        report.conflicts.extend(conflicts)
        report.batches += 1
        size = len(batch.rows) + batch.existing + len(batch.conflicts)
        done += size
        if on_progress is not None:
            on_progress(BatchProgress(batch.index, batch.first, size, new, existing, len(conflicts), done))

    if isinstance(db_or_conn, Connection):
        writer = _Writer(db_or_conn, location_id)
        async for index, first, chunk in _batches(records, batch_size):
            batch = await anyio.to_thread.run_sync(prepare, index, first, chunk)
            finished(batch, await writer.write(batch))
    else:
        send, receive = anyio.create_memory_object_stream[_Batch](connections)

        invalid: list[InputValidationError] = []

        async def produce() -> None:
            # a bad batch stops the input; the batches before it still commit
            async with send:
                async for index, first, chunk in _batches(records, batch_size):
                    try:
                        batch = await anyio.to_thread.run_sync(prepare, index, first, chunk)
                    except InputValidationError as exc:
                        invalid.append(exc)
                        return
                    await send.send(batch)

        async def consume(batches: anyio.abc.ObjectReceiveStream[_Batch]) -> None:
            async with batches, db_or_conn.connection() as conn:
                writer = _Writer(conn, location_id)
                async for batch in batches:
                    finished(batch, await writer.write(batch))

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(produce)
                for _ in range(connections):
                    tg.start_soon(consume, receive.clone())
                receive.close()
        except BaseExceptionGroup as group:
            raise _first_error(group) from None
        if invalid:
            raise invalid[0]

    report.conflicts.sort(key=lambda c: c.position)
    report.seconds = time.perf_counter() - started
    return report


__all__ = [
    "COMPARED_FIELDS",
    "DEFAULT_BATCH_SIZE",
    "BatchProgress",
    "Conflict",
    "FileRecord",
    "RegistrationReport",
    "register_files",
]
