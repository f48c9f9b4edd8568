"""Replay: the spool's queued writes to the main database, in order, exactly once in effect.

The queue is taken in windows of consecutive entries (arrival order). Within a window the
starts go first (one statement), then the files of each location (`register_files`: large
batches written on several connections at once, so the long link's round trips overlap), then
the finishes (one statement); a start always precedes its files in the spool, so this keeps
every dependency. Only then are the window's entries marked applied, with every conflict or
refusal found, in one SQLite transaction. A replay killed anywhere re-applies at most its
current window, which the main database takes as a repeat: starts and files are keyed by
their client-made ids, and a repeated finish with the same outcome changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import anyio
import anyio.abc

from opsdb.db import Database
from opsdb.errors import (
    ConflictError,
    InputValidationError,
    InvalidReferenceError,
    InvalidTransitionError,
    NotFoundError,
    OpsdbError,
)
from opsdb.registration import register_files
from opsdb.registration.records import Batch
from opsdb.registration.writer import Writer
from opsdb.schemas.execution import ExecutedObsUnitFinish, ExecutedObsUnitStart
from opsdb.site.store import Entry, Spool, SpooledConflict

_REFUSALS = (ConflictError, InvalidReferenceError, InvalidTransitionError, NotFoundError, InputValidationError)


@dataclass
class ReplayProgress:
    """After each window: how far the replay got, and how much is still queued."""

    entries: int
    files: int
    conflicts: int
    queued_entries: int
    seconds: float

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0


@dataclass
class ReplayReport:
    """What one replay did."""

    entries: int = 0
    starts: int = 0
    finishes: int = 0
    files: int = 0
    files_new: int = 0
    files_existing: int = 0
    conflicts: int = 0
    windows: int = 0
    seconds: float = 0.0

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0


async def replay(
    spool: Spool,
    db: Database,
    *,
    window_files: int = 200_000,
    window_entries: int = 2_000,
    batch_size: int = 25_000,
    connections: int = 8,
    on_progress: Callable[[ReplayProgress], object] | None = None,
    until_empty: bool = True,
) -> ReplayReport:
    """Replay queued entries until the queue is empty (or one window, `until_empty=False`).

    Entries spooled while it runs are replayed too. Holds the spool's replay lock (SpoolError
    if another replay runs). A link failure raises (the window stays queued, the error is
    recorded for `opsdb spool status`); conflicts and refusals are kept in the spool.
    """
    report = ReplayReport()
    began = time.perf_counter()
    with spool.replay_lock():
        run = await anyio.to_thread.run_sync(spool.begin_run)
        try:
            while True:
                window = await anyio.to_thread.run_sync(
                    lambda: spool.queued_window(max_entries=window_entries, max_files=window_files)
                )
                if not window:
                    break
                conflicts = await _apply_window(spool, db, window, report, batch_size, connections)
                await anyio.to_thread.run_sync(spool.mark_applied, [e.seq for e in window], conflicts)
                report.entries += len(window)
                report.conflicts += len(conflicts)
                report.windows += 1
                report.seconds = time.perf_counter() - began
                await anyio.to_thread.run_sync(
                    lambda: spool.update_run(
                        run, entries=report.entries, files=report.files, conflicts=report.conflicts
                    )
                )
                if on_progress is not None:
                    queued = await anyio.to_thread.run_sync(lambda: spool.status().queued_entries)
                    on_progress(ReplayProgress(report.entries, report.files, report.conflicts, queued, report.seconds))
                if not until_empty:
                    break
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(
                    lambda: spool.update_run(
                        run,
                        entries=report.entries,
                        files=report.files,
                        conflicts=report.conflicts,
                        error=message,
                        finished=True,
                    )
                )
            raise
        await anyio.to_thread.run_sync(
            lambda: spool.update_run(
                run, entries=report.entries, files=report.files, conflicts=report.conflicts, finished=True
            )
        )
    report.seconds = time.perf_counter() - began
    return report


async def _apply_window(
    spool: Spool, db: Database, window: Sequence[Entry], report: ReplayReport, batch_size: int, connections: int
) -> list[SpooledConflict]:
    conflicts: list[SpooledConflict] = []
    starts = [e for e in window if e.kind == "start"]
    finishes = [e for e in window if e.kind == "finish"]
    files = [e for e in window if e.kind == "files"]
    if starts:
        conflicts += await _apply_starts(db, starts)
        report.starts += len(starts)
    by_location: dict[int, list[int]] = {}
    for e in files:
        assert e.location_id is not None
        by_location.setdefault(e.location_id, []).append(e.seq)
    for location_id, seqs in by_location.items():
        count, new, existing, found = await _write_files(spool, db, location_id, seqs, batch_size, connections)
        report.files += count
        report.files_new += new
        report.files_existing += existing
        conflicts += found
    if finishes:
        conflicts += await _apply_finishes(db, finishes)
        report.finishes += len(finishes)
    return conflicts


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error that stopped the writers (the others are its cancellations)."""
    for exc in group.exceptions:
        return _first_error(exc) if isinstance(exc, BaseExceptionGroup) else exc
    return group


def _kept(entry: int, position: int, kind: str, exc: Exception | str, record_id: UUID | str) -> SpooledConflict:
    reason = "conflict" if isinstance(exc, ConflictError | InvalidTransitionError | str) else "refused"
    detail = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    key = record_id.hex if isinstance(record_id, UUID) else UUID(record_id).hex
    return SpooledConflict(entry, position, kind, reason, key, detail, time.time())


async def _apply_starts(db: Database, entries: Sequence[Entry]) -> list[SpooledConflict]:
    """All starts in one statement; on any refusal, one by one to keep each refusal apart."""
    items = [ExecutedObsUnitStart.model_validate(e.payload) for e in entries]
    unique = {item.id: item for item in items}
    if len(unique) == len(items):
        try:
            async with db.transaction() as uow:
                await uow.executions.start_many(items)
            return []
        except _REFUSALS:
            pass
    kept = []
    for entry, item in zip(entries, items, strict=True):
        try:
            async with db.transaction() as uow:
                await uow.executions.start(item)
        except _REFUSALS as exc:
            kept.append(_kept(entry.seq, 0, "start", exc, item.id))
    return kept


async def _apply_finishes(db: Database, entries: Sequence[Entry]) -> list[SpooledConflict]:
    items = [(e, e.execution_id, ExecutedObsUnitFinish.model_validate(e.payload)) for e in entries]
    ids = [i for _, i, _ in items]
    if len(set(ids)) == len(ids):
        try:
            async with db.transaction() as uow:
                await uow.executions.finish_many({i: f for _, i, f in items if i is not None})
            return []
        except _REFUSALS:
            pass
    kept = []
    for entry, execution_id, finish in items:
        assert execution_id is not None
        try:
            async with db.transaction() as uow:
                await uow.executions.finish(execution_id, finish)
        except _REFUSALS as exc:
            kept.append(_kept(entry.seq, 0, "finish", exc, execution_id))
    return kept


async def _write_files(
    spool: Spool, db: Database, location_id: int, seqs: Sequence[int], batch_size: int, connections: int
) -> tuple[int, int, int, list[SpooledConflict]]:
    """(files, new, existing, kept) of the entries' files, written as registration batches on several connections.

    The files were validated when spooled: they are read from the spool straight into the bulk
    writer's columns (in id order: concurrent writers lock alike), a batch per `batch_size`
    files, while earlier batches are written. A batch refused outright (an unknown module or
    execution) sends the whole group through `_apply_files`, which keeps the refused records
    apart (batches already committed are taken again as repeats).
    """
    keys: list[tuple[int, int, str]] = []
    totals = [0, 0]
    found: list[tuple[int, int, str, str]] = []
    per_read = max(1, batch_size // 1_000)  # entries read at once (a call holds ~1,000 files or fewer)
    send, receive = anyio.create_memory_object_stream[Batch](connections)

    async def produce() -> None:
        index = 0
        async with send:
            for first in range(0, len(seqs), per_read):
                where, columns = await anyio.to_thread.run_sync(spool.file_columns, seqs[first : first + per_read])
                base = len(keys)
                keys.extend((seq, pos, fid) for (seq, pos), fid in zip(where, columns.get("id", []), strict=True))
                for start in range(0, len(where), batch_size):
                    part = {name: values[start : start + batch_size] for name, values in columns.items()}
                    size = len(part["id"])
                    positions = list(range(base + start, base + start + size))
                    await send.send(Batch(index, base + start, size, positions, part))
                    index += 1

    async def consume(batches: anyio.abc.ObjectReceiveStream[Batch]) -> None:
        async with batches, db.connection() as conn:
            writer = Writer(conn, location_id)
            async for batch in batches:
                new, existing, conflicts = await writer.write(batch)
                totals[0] += new
                totals[1] += existing
                for c in conflicts:
                    seq, pos, fid = keys[c.position]
                    found.append((seq, pos, fid, str(c)))

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(produce)
            for _ in range(connections):
                tg.start_soon(consume, receive.clone())
            receive.close()
    except BaseExceptionGroup as group:
        first = _first_error(group)
        if isinstance(first, InputValidationError | NotFoundError):
            return await _stream_files(spool, db, location_id, seqs, batch_size, connections)
        raise first from None
    kept = [_kept(seq, pos, "file", detail, fid) for seq, pos, fid, detail in found]
    return len(keys), totals[0], totals[1], kept


async def _stream_files(
    spool: Spool, db: Database, location_id: int, seqs: Sequence[int], batch_size: int, connections: int
) -> tuple[int, int, int, list[SpooledConflict]]:
    """(files, new, existing, kept) of the entries' files, read from the spool while earlier batches are written.

    A registration refused outright (an unknown module or execution, named by position) is
    done again from a full read, by `_apply_files`, which keeps the refused records apart.
    """
    keys: list[tuple[int, int, str]] = []
    per_read = max(1, batch_size // 1_000)  # entries read at once (a call holds ~1,000 files or fewer)

    async def records() -> AsyncIterator[dict[str, Any]]:
        for first in range(0, len(seqs), per_read):
            rows = await anyio.to_thread.run_sync(spool.files_of, seqs[first : first + per_read])
            for seq, position, record in rows:
                keys.append((seq, position, record["id"]))
                yield record

    try:
        report = await register_files(db, location_id, records(), batch_size=batch_size, connections=connections)
    except InputValidationError:
        rows = await anyio.to_thread.run_sync(spool.files_of, seqs)
        return len(rows), *await _apply_files(db, location_id, rows, batch_size, connections)
    except NotFoundError as exc:  # the location itself is gone: every file of the group is refused
        rows = await anyio.to_thread.run_sync(spool.files_of, seqs)
        return len(rows), 0, 0, [_kept(seq, pos, "file", exc, record["id"]) for seq, pos, record in rows]
    kept = []
    for conflict in report.conflicts:
        seq, pos, record_id = keys[conflict.position]
        kept.append(_kept(seq, pos, "file", str(conflict), record_id))
    return len(keys), report.new, report.existing, kept


async def _apply_files(
    db: Database,
    location_id: int,
    rows: Sequence[tuple[int, int, dict[str, Any]]],
    batch_size: int,
    connections: int,
) -> tuple[int, int, list[SpooledConflict]]:
    """Register the spooled files (idempotent); refused records are kept and the rest retried."""
    kept: list[SpooledConflict] = []
    remaining = list(rows)
    for _ in range(len(rows) + 1):
        records = [r for _, _, r in remaining]
        try:
            report = await register_files(db, location_id, records, batch_size=batch_size, connections=connections)
        except InputValidationError as exc:  # unknown module or execution (its start was refused)
            bad = {p.position: p for p in exc.problems}
            for position, problem in bad.items():
                seq, pos, record = remaining[position]
                kept.append(_kept(seq, pos, "file", InputValidationError([problem]), record["id"]))
            remaining = [r for i, r in enumerate(remaining) if i not in bad]
            continue
        except NotFoundError as exc:  # the location itself is gone: every file of the group is refused
            for seq, pos, record in remaining:
                kept.append(_kept(seq, pos, "file", exc, record["id"]))
            return 0, 0, kept
        for conflict in report.conflicts:
            seq, pos, record = remaining[conflict.position]
            kept.append(_kept(seq, pos, "file", str(conflict), record["id"]))
        return report.new, report.existing, kept
    raise OpsdbError("replay could not settle the refused files of a window")  # pragma: no cover
