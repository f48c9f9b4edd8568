"""Site mode: the instrument-facing writes, straight to the main database when the link allows, else spooled.

`SiteClient` offers the three writes an instrument or the telescope control system makes:
start an executed obs unit, finish it, register raw files. Each is validated exactly as a
direct write (the same pydantic models and `registration.records.prepare`); then it goes to
the main database within a bounded time, or into the durable spool (`Spool`) with a clear
`Outcome.SPOOLED`. While anything is queued, new writes queue behind it, so the main
database always receives them in the order they were made (docs/site.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

import anyio
import asyncpg
from pydantic import BaseModel, ValidationError

from opsdb.db import Database
from opsdb.errors import DatabaseUnavailableError, FieldProblem, InputValidationError
from opsdb.registration import Conflict, register_files
from opsdb.registration.records import Batch, prepare
from opsdb.schemas.execution import ExecutedObsUnitFinish, ExecutedObsUnitStart
from opsdb.site.store import Spool

LINK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    DatabaseUnavailableError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, cannot connect now
)
"""What a broken or slow link looks like to a client (the write is then spooled)."""

Model = TypeVar("Model", bound=BaseModel)


class Outcome(StrEnum):
    APPLIED = "applied"
    """Written to the main database."""
    SPOOLED = "spooled"
    """On disk in the site spool; replay will write it to the main database."""


@dataclass(frozen=True)
class WriteResult:
    """What a site-mode write did: its client-made ids, and where it went."""

    outcome: Outcome
    ids: list[UUID]
    entry: int | None = None
    """The spool entry (when spooled)."""
    reason: str | None = None
    """Why it was spooled."""
    new: int = 0
    existing: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    """Registration conflicts known now (applied: with stored files; spooled: within the call)."""

    @property
    def spooled(self) -> bool:
        return self.outcome is Outcome.SPOOLED


def validated(model: type[Model], data: Model | Mapping[str, Any], record: str) -> Model:
    """`data` as `model`, or InputValidationError naming the record and each bad field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            FieldProblem(0, ".".join(str(p) for p in e["loc"]) or record, f"{record}: {e['msg']}")
            for e in exc.errors(include_url=False)
        ]
        raise InputValidationError(problems) from None


class SiteClient:
    """Site-mode writes for one site host: main database within `timeout` seconds, else the spool.

    `main_dsn` is the main database (through the long link); `reader` an optional pool on the
    local replica, used to check references (modules, locations, executions) at spool time as
    the main database would. After a link failure the client does not try the link again for
    `retry_after` seconds; the replayer (`opsdb.site.replay`) drains the spool meanwhile.
    """

    def __init__(
        self,
        spool: Spool,
        main_dsn: str | None,
        *,
        reader: Database | None = None,
        timeout: float = 2.0,
        retry_after: float = 10.0,
        batch_size: int = 10_000,
        connections: int = 4,
    ) -> None:
        self.spool = spool
        self.main_dsn = main_dsn
        self.reader = reader
        self.timeout = timeout
        self.retry_after = retry_after
        self.batch_size = batch_size
        self.connections = connections
        self._db: Database | None = None
        self._down_until = 0.0
        self._started: set[UUID] = set()
        self._connecting = anyio.Lock()
        self.last_link_error = "main database not configured" if main_dsn is None else ""

    async def close(self) -> None:
        if self._db is not None:
            self._db.pool.terminate()
            self._db = None

    async def __aenter__(self) -> SiteClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- the writes --------------------------------------------------------------------------

    async def start_execution(self, data: ExecutedObsUnitStart | Mapping[str, Any]) -> WriteResult:
        """Start an executed obs unit (its id made here); idempotent on the id, as a direct start."""
        start = validated(ExecutedObsUnitStart, data, "executed_obs_unit")

        async def direct(db: Database) -> WriteResult:
            async with db.transaction() as uow:
                await uow.executions.start(start)
            return WriteResult(Outcome.APPLIED, [start.id])

        result = await self._try_direct(direct)
        if result is None or isinstance(result, str):
            reason = result or "spool not empty"
            entry = await anyio.to_thread.run_sync(
                self.spool.append_start, start.id, start.model_dump(mode="json"), reason
            )
            result = WriteResult(Outcome.SPOOLED, [start.id], entry, reason)
        self._started.add(start.id)
        return result

    async def finish_execution(
        self, execution_id: UUID, data: ExecutedObsUnitFinish | Mapping[str, Any]
    ) -> WriteResult:
        """Finish an executed obs unit (same rules as a direct finish, checked at replay when spooled)."""
        finish = validated(ExecutedObsUnitFinish, data, "executed_obs_unit")
        await self._check_executions([execution_id], field_name="id")
        started = await self._start_time(execution_id)
        if started is not None and finish.end_time < started:
            raise InputValidationError(
                [
                    FieldProblem(
                        0,
                        "end_time",
                        f"{finish.end_time.isoformat()} is before start_time {started.isoformat()}"
                        f" of executed_obs_unit {execution_id}",
                    )
                ]
            )

        async def direct(db: Database) -> WriteResult:
            async with db.transaction() as uow:
                await uow.executions.finish(execution_id, finish)
            return WriteResult(Outcome.APPLIED, [execution_id])

        result = await self._try_direct(direct)
        if result is None or isinstance(result, str):
            reason = result or "spool not empty"
            entry = await anyio.to_thread.run_sync(
                self.spool.append_finish, execution_id, finish.model_dump(mode="json"), reason
            )
            result = WriteResult(Outcome.SPOOLED, [execution_id], entry, reason)
        return result

    async def register_files(self, location_id: int, records: Iterable[Any]) -> WriteResult:
        """Register raw files with a present copy at `location_id` (as `registration.register_files`).

        Returns the file ids (given or derived) in input order. Bad records raise
        InputValidationError naming each record and field, whether the call goes direct or to
        the spool; nothing of the call is spooled then.
        """
        items = list(records)
        batch = await anyio.to_thread.run_sync(prepare, items, 0, 0)
        ids = _ids_in_input_order(batch, len(items))
        await self._check_references(batch, location_id)

        async def direct(db: Database) -> WriteResult:
            report = await register_files(
                db, location_id, items, batch_size=self.batch_size, connections=self.connections
            )
            return WriteResult(
                Outcome.APPLIED, ids, new=report.new, existing=report.existing, conflicts=report.conflicts
            )

        result = await self._try_direct(direct)
        if result is None or isinstance(result, str):
            reason = result or "spool not empty"
            entry = await anyio.to_thread.run_sync(
                self.spool.append_files, location_id, batch, reason, list(batch.conflicts)
            )
            result = WriteResult(Outcome.SPOOLED, ids, entry, reason, conflicts=list(batch.conflicts))
        return result

    # -- link handling -----------------------------------------------------------------------

    async def main(self) -> Database | None:
        """The pool on the main database, opened within `timeout`; None while the link is down."""
        if self.main_dsn is None or time.monotonic() < self._down_until:
            return None  # (last_link_error says why)
        async with self._connecting:
            if self._db is None:
                try:
                    with anyio.fail_after(self.timeout):
                        self._db = await Database.connect(self.main_dsn, min_size=1, max_size=max(self.connections, 2))
                except TimeoutError:
                    self.link_failed(f"no connection to the main database within {self.timeout} s")
                    return None
                except LINK_ERRORS as exc:
                    self.link_failed(f"cannot connect to the main database: {type(exc).__name__}: {exc}")
                    return None
            return self._db

    def link_failed(self, why: str) -> None:
        """Drop the pool (its connections may hang on a dead link) and rest the link for a while."""
        self.last_link_error = why
        self._down_until = time.monotonic() + self.retry_after
        if self._db is not None:
            self._db.pool.terminate()
            self._db = None

    def link_ok(self) -> None:
        self._down_until = 0.0

    async def _try_direct(self, write: Any) -> WriteResult | str | None:
        """The direct write's result; or why not (a link error: str; spool not empty: None)."""
        if await anyio.to_thread.run_sync(self.spool.has_queued):
            return None
        db = await self.main()
        if db is None:
            return f"main database unreachable: {self.last_link_error}"
        try:
            with anyio.fail_after(self.timeout):
                result: WriteResult = await write(db)
                return result
        except TimeoutError:
            self.link_failed(f"main database did not answer within {self.timeout} s")
        except LINK_ERRORS as exc:
            self.link_failed(f"link error: {type(exc).__name__}: {exc}")
        return self.last_link_error

    # -- reference checks at spool time ------------------------------------------------------

    async def _check_executions(self, ids: Sequence[UUID], *, field_name: str) -> None:
        """Executions must be started: here, in the spool, or (with a replica) in the database."""
        unknown = [i for i in ids if i not in self._started]
        if not unknown or self.reader is None:
            return
        unknown = [i for i in unknown if i not in await anyio.to_thread.run_sync(self.spool.known_executions, unknown)]
        if not unknown:
            return
        found = await _replica_ids(self.reader, "SELECT id FROM executed_obs_unit WHERE id = ANY($1::uuid[])", unknown)
        missing = [i for i in unknown if i not in found]
        if missing:
            raise InputValidationError([FieldProblem(0, field_name, f"no executed obs unit {m}") for m in missing])
        self._started.update(unknown)

    async def _start_time(self, execution_id: UUID) -> datetime | None:
        """The execution's start time, from the spool or (with one) the replica; None if unknown here."""
        start, _ = await anyio.to_thread.run_sync(self.spool.spooled_execution, execution_id)
        if start is not None and start.payload is not None:
            return ExecutedObsUnitStart.model_validate(start.payload).start_time
        if self.reader is None:
            return None
        try:
            async with self.reader.connection() as conn:
                found: datetime | None = await conn.fetchval(
                    "SELECT start_time FROM executed_obs_unit WHERE id = $1", execution_id
                )
                return found
        except LINK_ERRORS:
            return None

    async def _check_references(self, batch: Batch, location_id: int) -> None:
        """Modules, executions and the location of a registration, as the main database checks them."""
        if self.reader is None or not len(batch):
            return
        modules = sorted(set(batch.columns["instrument_module_id"]))
        units = sorted(set(batch.columns["executed_obs_unit_id"]))
        try:
            known_modules = await _replica_ids(
                self.reader, "SELECT id FROM instrument_module WHERE id = ANY($1::bigint[])", modules
            )
            location = await _replica_ids(self.reader, "SELECT id FROM data_location WHERE id = $1", location_id)
            unknown_units = [u for u in units if u not in self._started]
            spooled = await anyio.to_thread.run_sync(self.spool.known_executions, unknown_units)
            unknown_units = [u for u in unknown_units if u not in spooled]
            known_units = (
                await _replica_ids(
                    self.reader, "SELECT id FROM executed_obs_unit WHERE id = ANY($1::uuid[])", unknown_units
                )
                if unknown_units
                else set()
            )
        except LINK_ERRORS:
            return  # no replica to ask: the main database checks at replay (a refusal is kept)
        if not location:
            raise InputValidationError([FieldProblem(0, "location_id", f"no data location {location_id}")])
        problems = []
        for position, module, unit in zip(
            batch.positions, batch.columns["instrument_module_id"], batch.columns["executed_obs_unit_id"], strict=True
        ):
            if module not in known_modules:
                problems.append(FieldProblem(position, "instrument_module_id", f"no instrument module {module}"))
            if unit not in known_units and unit in unknown_units:
                problems.append(FieldProblem(position, "executed_obs_unit_id", f"no executed obs unit {unit}"))
        if problems:
            raise InputValidationError(sorted(problems, key=lambda p: p.position))


async def _replica_ids(reader: Database, sql: str, arg: Any) -> set[Any]:
    async with reader.connection() as conn:
        return {row["id"] for row in await conn.fetch(sql, arg)}


def _ids_in_input_order(batch: Batch, count: int) -> list[UUID]:
    """Each input record's file id (a repeat gets its earlier record's id)."""
    by_position: dict[int, UUID] = {p: UUID(i) for p, i in zip(batch.positions, batch.ids, strict=True)}
    for position, earlier in batch.repeats:
        by_position[position] = by_position[earlier]
    for conflict in batch.conflicts:
        by_position[conflict.position] = conflict.file_id
    return [by_position[p] for p in range(count) if p in by_position]


__all__ = ["LINK_ERRORS", "Outcome", "SiteClient", "WriteResult", "validated"]
