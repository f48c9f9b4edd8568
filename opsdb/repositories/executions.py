"""Executed obs units: start, finish, look up, list.

The telescope files these, possibly after an outage, so every call is safe to repeat: a start
is keyed by the client's uuid, and finishing again with the same outcome changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

from opsdb.connection import Record
from opsdb.errors import ConflictError, FieldProblem, InputValidationError, InvalidTransitionError, NotFoundError
from opsdb.queries import query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.enums import ExecutionStatus
from opsdb.schemas.execution import ExecutedObsUnit, ExecutedObsUnitFinish, ExecutedObsUnitStart

_ENTITY = "executed_obs_unit"


def _same_start(row: ExecutedObsUnit, data: ExecutedObsUnitStart) -> bool:
    return row.obs_unit_id == data.obs_unit_id and row.start_time == data.start_time


def _start_conflict(row: ExecutedObsUnit, data: ExecutedObsUnitStart) -> ConflictError:
    return ConflictError(
        f"{_ENTITY} {row.id} already exists with obs_unit_id {row.obs_unit_id} and start_time"
        f" {row.start_time.isoformat()}, not obs_unit_id {data.obs_unit_id} and start_time"
        f" {data.start_time.isoformat()}",
        "executed_obs_unit_pkey",
    )


def _same_finish(row: ExecutedObsUnit, data: ExecutedObsUnitFinish) -> bool:
    """True when the stored outcome already is `data` (a repeated finish)."""
    notes_kept = (
        data.notes is None
        or row.notes == data.notes
        or (row.notes is not None and row.notes.endswith("\n" + data.notes))
    )
    return (
        row.status == data.status
        and row.end_time == data.end_time
        and all(k in row.conditions and row.conditions[k] == v for k, v in data.conditions.items())
        and notes_kept
    )


def _finish_refusal(row: ExecutedObsUnit, data: ExecutedObsUnitFinish, position: int = 0) -> Exception | None:
    """Why `row` was not finished by `data`, or None when it already holds that outcome."""
    if row.status is ExecutionStatus.RUNNING:  # the guard failed on time order
        return InputValidationError(
            [
                FieldProblem(
                    position,
                    "end_time",
                    f"{data.end_time.isoformat()} is before start_time {row.start_time.isoformat()}"
                    f" of {_ENTITY} {row.id}",
                )
            ]
        )
    if _same_finish(row, data):
        return None
    return InvalidTransitionError(f"{_ENTITY} {row.id}", row.status.value, data.status.value)


class ExecutionRepository(Repository):
    """Executed obs units: start, finish, look up, list."""

    async def start(self, data: ExecutedObsUnitStart) -> ExecutedObsUnit:
        """Start an execution ('running'); idempotent on `data.id`.

        Re-sending a start with the same obs unit and start time returns the stored row;
        the same id with another obs unit or start time is a ConflictError.
        """
        row = await self.conn.fetchrow(
            query("insert_executed_obs_unit"),
            data.id,
            data.obs_unit_id,
            data.start_time,
            data.conditions,
            data.notes,
        )
        if row is not None:
            return ExecutedObsUnit.from_row(row)
        existing = await self.get_execution(data.id)
        if not _same_start(existing, data):
            raise _start_conflict(existing, data)
        return existing

    async def start_many(self, items: Sequence[ExecutedObsUnitStart]) -> list[ExecutedObsUnit]:
        """Start many executions in one statement, with `start`'s idempotency rule per item.

        Returns the rows in input order. Any conflict (or repeated id in `items`) writes nothing.
        """
        if not items:
            return []
        _reject_repeated_ids([d.id for d in items])
        ids = [d.id for d in items]
        async with self.conn.transaction():
            rows = await self.conn.fetch(
                query("insert_executed_obs_units"),
                ids,
                [d.obs_unit_id for d in items],
                [d.start_time for d in items],
                [json.dumps(d.conditions) for d in items],
                [d.notes for d in items],
            )
            stored = _by_id(rows)
            if len(stored) < len(items):
                existing = _by_id(
                    await self.conn.fetch(query("get_executed_obs_units"), [i for i in ids if i not in stored])
                )
                for data in items:
                    if data.id in stored:
                        continue
                    row = existing.get(data.id)
                    if row is None:  # deleted between the two statements
                        raise NotFoundError(_ENTITY, data.id)
                    if not _same_start(row, data):
                        raise _start_conflict(row, data)
                    stored[data.id] = row
        return [stored[i] for i in ids]

    async def finish(self, execution_id: UUID, data: ExecutedObsUnitFinish) -> ExecutedObsUnit:
        """Finish a running execution (a guarded UPDATE: only from 'running').

        Finishing again with the same outcome returns the stored row; any other change of a
        finished execution raises InvalidTransitionError (current -> target). An end_time
        before the start_time raises InputValidationError naming end_time.
        """
        row = await self.conn.fetchrow(
            query("finish_executed_obs_unit"),
            execution_id,
            data.status.value,
            data.end_time,
            data.conditions,
            data.notes,
        )
        if row is not None:
            return ExecutedObsUnit.from_row(row)
        current = await self.get_execution(execution_id)
        refusal = _finish_refusal(current, data)
        if refusal is not None:
            raise refusal
        return current

    async def finish_many(self, items: Mapping[UUID, ExecutedObsUnitFinish]) -> list[ExecutedObsUnit]:
        """Finish many executions in one statement, with `finish`'s rules per item.

        Returns the rows in input order; any refusal raises and writes nothing.
        """
        if not items:
            return []
        ids = list(items)
        async with self.conn.transaction():
            rows = await self.conn.fetch(
                query("finish_executed_obs_units"),
                ids,
                [d.status.value for d in items.values()],
                [d.end_time for d in items.values()],
                [json.dumps(d.conditions) for d in items.values()],
                [d.notes for d in items.values()],
            )
            stored = _by_id(rows)
            if len(stored) < len(items):
                missing = [i for i in ids if i not in stored]
                current = _by_id(await self.conn.fetch(query("get_executed_obs_units"), missing))
                for position, execution_id in enumerate(ids):
                    if execution_id in stored:
                        continue
                    row = current.get(execution_id)
                    if row is None:
                        raise NotFoundError(_ENTITY, execution_id)
                    refusal = _finish_refusal(row, items[execution_id], position)
                    if refusal is not None:
                        raise refusal
                    stored[execution_id] = row
        return [stored[i] for i in ids]

    async def get_execution(self, execution_id: UUID) -> ExecutedObsUnit:
        row = await self._fetch_one("get_executed_obs_unit", execution_id, entity=_ENTITY, key=execution_id)
        return ExecutedObsUnit.from_row(row)

    async def list_executions(
        self,
        *,
        obs_unit_id: int | None = None,
        status: ExecutionStatus | None = None,
        started_from: datetime | None = None,
        started_before: datetime | None = None,
        after_id: UUID | None = None,
        limit: int = 100,
    ) -> list[ExecutedObsUnit]:
        """Executions filtered by obs unit, status and start time in [started_from, started_before)."""
        rows = await self._fetch_page(
            "list_executed_obs_units",
            obs_unit_id=obs_unit_id,
            status=status,
            started_from=started_from,
            started_before=started_before,
            after_id=after_id,
            limit=page_limit(limit),
        )
        return [ExecutedObsUnit.from_row(r) for r in rows]


def _by_id(rows: Sequence[Record]) -> dict[UUID, ExecutedObsUnit]:
    records = (ExecutedObsUnit.from_row(r) for r in rows)
    return {r.id: r for r in records}


def _reject_repeated_ids(ids: Sequence[UUID]) -> None:
    seen: set[UUID] = set()
    problems = []
    for position, execution_id in enumerate(ids):
        if execution_id in seen:
            problems.append(FieldProblem(position, "id", f"{execution_id} appears more than once in this batch"))
        seen.add(execution_id)
    if problems:
        raise InputValidationError(problems)
