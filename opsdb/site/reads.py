"""Reads at the site: from the local replica, with the site's own spooled writes merged in.

For the two reads instruments make (docs/site.md): an execution by id, and the files of an
execution. A spooled write shows until the replica has it, whether it is still queued or
already replayed to the main database but not yet streamed back to the replica; a write
that replay refused (kept as a conflict) does not show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

import anyio

from opsdb.db import Database
from opsdb.errors import NotFoundError
from opsdb.queries import query
from opsdb.schemas.data import RawDataFile
from opsdb.schemas.enums import ExecutionStatus
from opsdb.schemas.execution import ExecutedObsUnit, ExecutedObsUnitFinish, ExecutedObsUnitStart
from opsdb.site.store import Spool


@dataclass(frozen=True)
class SiteExecution:
    """An execution as the site sees it; `pending` when (part of) it comes from the spool."""

    execution: ExecutedObsUnit
    pending: bool


@dataclass(frozen=True)
class SiteFiles:
    """The files of an execution as the site sees it; `pending` holds the ids only the spool knows."""

    files: list[RawDataFile]
    pending: set[UUID] = field(default_factory=set)


class SiteReader:
    """Reads for instruments at the site: `reader` is a pool on the local replica (or None: spool only)."""

    def __init__(self, spool: Spool, reader: Database | None) -> None:
        self.spool = spool
        self.reader = reader

    async def get_execution(self, execution_id: UUID) -> SiteExecution:
        """The execution by id: the replica's row, or the spooled start, with a spooled finish applied."""
        row = None
        if self.reader is not None:
            async with self.reader.connection() as conn:
                found = await conn.fetchrow(query("get_executed_obs_unit"), execution_id)
            row = ExecutedObsUnit.from_row(found) if found is not None else None
        start, finish = await anyio.to_thread.run_sync(self.spool.spooled_execution, execution_id)
        pending = False
        if row is None:
            if start is None or start.payload is None:
                raise NotFoundError("executed_obs_unit", execution_id)
            data = ExecutedObsUnitStart.model_validate(start.payload)
            at = datetime.fromtimestamp(start.spooled_at, UTC)
            row = ExecutedObsUnit(
                id=data.id,
                obs_unit_id=data.obs_unit_id,
                status=ExecutionStatus.RUNNING,
                start_time=data.start_time,
                end_time=None,
                conditions=data.conditions,
                notes=data.notes,
                created_at=at,
                updated_at=at,
            )
            pending = True
        if finish is not None and finish.payload is not None and row.status is ExecutionStatus.RUNNING:
            done = ExecutedObsUnitFinish.model_validate(finish.payload)
            notes = (
                row.notes if done.notes is None else (done.notes if row.notes is None else f"{row.notes}\n{done.notes}")
            )
            row = row.model_copy(
                update={
                    "status": done.status,
                    "end_time": done.end_time,
                    "conditions": {**row.conditions, **done.conditions},
                    "notes": notes,
                    "updated_at": datetime.fromtimestamp(finish.spooled_at, UTC),
                }
            )
            pending = True
        return SiteExecution(row, pending)

    async def files_of_execution(self, execution_id: UUID, *, limit: int = 100_000) -> SiteFiles:
        """The execution's files: the replica's, plus spooled ones it does not hold yet (by id), in id order."""
        files: list[RawDataFile] = []
        if self.reader is not None:
            async with self.reader.connection() as conn:
                rows = await conn.fetch(query("list_raw_data_files"), execution_id, None, None, None, limit)
            files = [RawDataFile.from_row(r) for r in rows]
        held = {f.id for f in files}
        pending: set[UUID] = set()
        for spooled_at, record in await anyio.to_thread.run_sync(self.spool.spooled_files_of, execution_id):
            if record["id"] in held:
                continue
            at = datetime.fromtimestamp(spooled_at, UTC)
            files.append(
                RawDataFile(
                    raw_data_package_id=None,
                    metadata=record.pop("metadata", {}),
                    created_at=at,
                    updated_at=at,
                    **record,
                )
            )
            pending.add(record["id"])
        files.sort(key=lambda f: f.id)
        return SiteFiles(files[:limit], pending)
