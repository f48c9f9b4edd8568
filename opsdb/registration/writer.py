"""Writes prepared batches on one connection, one transaction per batch (docs/performance.md).

What lives here: the statements of one batch, their retries, and the commit check after a lost
connection; validation and encoding live in records.py and binary.py, streaming in register.py.
A batch whose first file is not stored is COPYed (its prepared binary payload) straight into
`raw_data_file` and `physical_copy` inside a savepoint; if a unique key refuses it, the same
payload goes into the staging table instead (a temporary table: per session on a direct
connection; created in the batch's transaction and dropped at commit behind a transaction
pooler, where no session state may outlive a transaction), the files that are free are
inserted, and the rest are classified as identical (already registered) or conflicting. A batch
whose first file is stored (a re-send) is staged and looked up first, and only its missing
files are inserted. Nothing stored is overwritten.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import anyio

from opsdb.connection import Connection
from opsdb.errors import (
    ConflictError,
    FieldProblem,
    InputValidationError,
    InvalidReferenceError,
    NotFoundError,
    TransientError,
)
from opsdb.queries import query
from opsdb.registration.binary import COPY_COLUMNS, distinct
from opsdb.registration.records import Batch
from opsdb.registration.report import COMPARED_FIELDS, Conflict

_RETRIES = 8  # deadlock or serialization failure: the batch is rolled back and re-run
_STAGE = "opsdb_registration_stage"

Outcome = tuple[int, int, list[Conflict]]  # new, existing, conflicts


class Unresolved(Exception):
    """A staged file was neither inserted nor found: a concurrent delete raced us."""


class Writer:
    """Writes prepared batches on one connection (one transaction per batch)."""

    def __init__(self, conn: Connection, location_id: int) -> None:
        self.conn = conn
        self.location_id = location_id
        self._staging: object = None  # the server session that has the session staging tables
        self.xid: str | None = None
        """Transaction id of the batch being written (set before its commit)."""
        self.pending: Outcome | None = None
        """The batch's outcome, known before its commit is confirmed."""

    async def _ensure_session_staging(self) -> None:
        """Direct connections: session staging tables, created once per server session."""
        if self._staging is not self.conn.session:
            if not await self.conn.fetchval(query("registration_has_staging")):
                await self.conn.execute(query("registration_create_session_staging"))
            self._staging = self.conn.session

    async def _stage(self, nested: bool) -> None:
        """Behind a pooler: create the staging tables in this transaction (dropped at commit).
        Inside a caller's transaction: empty them first."""
        if self.conn.pooled:
            await self.conn.execute(query("registration_create_staging"))
        if nested:
            await self.conn.execute(query("registration_clear_staging"))

    async def committed(self) -> Outcome | None:
        """After a lost connection: the outcome of the batch in flight if its commit went through.

        Asks the server (on the connection's replacement) for the status of the batch's
        transaction id; None when it did not commit (or never got that far).
        """
        xid, outcome = self.xid, self.pending
        if xid is None or outcome is None:
            return None
        status = await self.conn.fetchval("SELECT pg_xact_status($1::text::xid8)", xid, retry=True)
        return outcome if status == "committed" else None

    async def write(self, batch: Batch) -> Outcome:
        """(new, existing, conflicts) of the batch, committed.

        A deadlock, a serialization failure, or a file deleted by someone else between two of
        the batch's statements rolls the batch back and runs it again (up to `_RETRIES` times).
        """
        await self.conn.ensure_alive()
        if not self.conn.pooled:
            await self._ensure_session_staging()
        self.xid = self.pending = None
        failure: Exception | None = None
        for attempt in range(_RETRIES + 1):
            if attempt:
                await anyio.sleep(0.01 * attempt)
            try:
                return await self._write_once(batch)
            except (Unresolved, TransientError) as exc:
                failure = exc
            except InvalidReferenceError as exc:
                if exc.constraint != "physical_copy_raw_data_file_id_fkey":
                    raise
                failure = exc  # a file found a moment ago was deleted before its copy went in
        if isinstance(failure, Unresolved):
            raise ConflictError(
                "stored files kept vanishing while the batch was classified (concurrent deletes); "
                "nothing of the batch was written"
            )
        assert failure is not None
        raise failure

    async def _write_once(self, batch: Batch) -> Outcome:
        conn = self.conn
        if not batch.positions:
            return 0, 0, list(batch.conflicts)
        nested = conn.in_transaction()
        self.xid = self.pending = None
        async with conn.transaction():
            resent = await self._lock_references(batch)
            others: list[Any] = []
            if resent:
                await self._stage(nested)
                new, others = await self._lookup_then_insert(batch)
            elif await self._copy_new(batch):
                new = len(batch)
            else:
                await self._stage(nested)
                await conn.copy_binary(_STAGE, batch.payload(), tuple(batch.columns))
                new = int(await conn.fetchval(query("registration_insert_new"), self.location_id, None))
                others = [] if new == len(batch) else await self._classify()
            with_stored: dict[int, Conflict] = {}
            if others:
                given = batch.records_with_ids([stored["id"].hex for stored in others])
                for record, stored in zip(given, others, strict=True):
                    with_stored[record["position"]] = _conflict_with_stored(record, stored)
            # identical repeats inside the batch share their earlier record's outcome
            repeated = [
                replace(with_stored[earlier], position=p) for p, earlier in batch.repeats if earlier in with_stored
            ]
            conflicts = [*batch.conflicts, *with_stored.values(), *repeated]
            existing = len(batch) - new - len(others) + len(batch.repeats) - len(repeated)
            conflicts.sort(key=lambda c: c.position)
            self.pending = (new, existing, conflicts)
        return new, existing, conflicts

    async def _copy_new(self, batch: Batch) -> bool:
        """All-new fast path: COPY the files and their copies straight into their tables.

        In a savepoint: if any file is already stored (a unique key refuses it), roll back to it
        and return False; the caller then takes the staging path, which sorts everything out.
        Rows go in id order (the batch is sorted), so overlapping registrants lock alike.
        """
        try:
            async with self.conn.transaction():
                await self.conn.copy_binary("raw_data_file", batch.payload(), tuple(batch.columns))
                await self.conn.copy_binary("physical_copy", batch.copies_payload(self.location_id), COPY_COLUMNS)
        except ConflictError:
            return False
        return True

    async def _classify(self) -> list[Any]:
        """Stored rows behind the staged files that were not inserted and are not identical."""
        others = await self.conn.fetch(query("registration_classify_existing"), self.location_id)
        if any(stored["stored_id"] is None for stored in others):
            raise Unresolved
        return others

    async def _lookup_then_insert(self, batch: Batch) -> tuple[int, list[Any]]:
        """Re-send path (the batch's first file is stored): look every file up, insert only the missing.

        The staged rows are the batch's COPY payload as it is (no second encoding); the
        lookup reads their compared columns, and the missing files are inserted from the same
        staging table by id.
        """
        await self.conn.copy_binary(_STAGE, batch.payload(), tuple(batch.columns))
        found = await self.conn.fetch(query("registration_classify_existing"), self.location_id)
        missing = [stored["id"] for stored in found if stored["stored_id"] is None]
        if not missing:
            return 0, found
        others = [stored for stored in found if stored["stored_id"] is not None]
        new = int(await self.conn.fetchval(query("registration_insert_new"), self.location_id, missing))
        if new < len(missing):  # a concurrent registrant stored some of them meanwhile
            await self.conn.execute(query("registration_keep_staged"), missing)
            others += await self._classify()
        return new, others

    async def _lock_references(self, batch: Batch) -> bool:
        """Lock the batch's references (errors name records); True when its first file is stored."""
        module_column = batch.columns["instrument_module_id"]
        unit_column = batch.columns["executed_obs_unit_id"]
        modules, units = set(module_column), set(distinct(unit_column))
        found = await self.conn.fetchrow(
            query("registration_lock_references"), sorted(modules), sorted(units), self.location_id, batch.ids[0]
        )
        assert found is not None
        self.xid = found["xid"]
        if not found["location"]:
            raise NotFoundError("data_location", self.location_id)
        missing_modules = modules - set(found["modules"])
        missing_units = units - set(found["units"])
        if missing_modules or missing_units:
            problems = []
            for position, module, unit in zip(batch.positions, module_column, unit_column, strict=True):
                if module in missing_modules:
                    problems.append(FieldProblem(position, "instrument_module_id", f"no instrument module {module}"))
                if unit in missing_units:
                    problems.append(FieldProblem(position, "executed_obs_unit_id", f"no executed obs unit {unit}"))
            raise InputValidationError(sorted(problems, key=lambda p: p.position))
        return bool(found["resent"])


def _conflict_with_stored(given: dict[str, Any], stored: Any) -> Conflict:
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
