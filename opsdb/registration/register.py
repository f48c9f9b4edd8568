"""`register_files`: stream records in batches, prepare them off the event loop, write them in parallel."""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Collection, Iterable
from itertools import islice
from typing import Any

import anyio
import anyio.abc

from opsdb.db import Connection, Database
from opsdb.errors import (
    ConnectionLostError,
    DatabaseUnavailableError,
    QueryTimeoutError,
    RegistrationIncompleteError,
    TransientError,
)
from opsdb.registration.records import Batch, prepare
from opsdb.registration.report import BatchProgress, Conflict, RegistrationReport
from opsdb.registration.writer import Outcome, Writer
from opsdb.retrying import retrying
from opsdb.settings import Settings

_INTERRUPTED = (ConnectionLostError, DatabaseUnavailableError, TransientError, QueryTimeoutError)
"""Failures that stop a registration without saying anything about its input."""

DEFAULT_BATCH_SIZE = 10_000
DEFAULT_CONNECTIONS = 3  # on 2 cores, a third backend works while another waits on its commit or the client


async def _batches(
    records: Iterable[Any] | AsyncIterable[Any], batch_size: int, skip: Collection[range] = ()
) -> AsyncIterator[tuple[int, int, list[Any]]]:
    """(batch index, first position, records) in input order, holding one batch at a time;
    batches whose position range is in `skip` (committed by an earlier, interrupted run) are left out."""
    index = first = 0
    if isinstance(records, AsyncIterable):
        chunk: list[Any] = []
        async for record in records:
            chunk.append(record)
            if len(chunk) >= batch_size:
                if range(first, first + len(chunk)) not in skip:
                    yield index, first, chunk
                index, first, chunk = index + 1, first + len(chunk), []
        if chunk and range(first, first + len(chunk)) not in skip:
            yield index, first, chunk
        return
    iterator = iter(records)
    while chunk := list(islice(iterator, batch_size)):
        if range(first, first + len(chunk)) not in skip:
            yield index, first, chunk
        index, first = index + 1, first + len(chunk)


async def _write_resilient(writer: Writer, batch: Batch, settings: Settings) -> Outcome:
    """Write one batch on a pooled connection, retrying (bounded, with jitter) until it commits.

    After a lost connection the batch's transaction id tells whether its commit went through
    (then its outcome counts, and it is not sent again); otherwise it is written again on a
    fresh connection.
    """
    in_doubt = False
    async for attempt in retrying(settings, idempotent=True):
        with attempt:
            if in_doubt:
                await writer.conn.replace()
                outcome = await writer.committed()
                in_doubt = False
                if outcome is not None:
                    return outcome
            try:
                return await writer.write(batch)
            except ConnectionLostError:
                in_doubt = True
                raise
    raise AssertionError("unreachable")  # pragma: no cover (tenacity re-raises)


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error that stopped a parallel registration (the others are its cancellations)."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first_error(exc)
        return exc
    return group


async def register_files(
    db_or_conn: Database | Connection,
    location_id: int,
    records: Iterable[Any] | AsyncIterable[Any],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[BatchProgress], object] | None = None,
    connections: int = DEFAULT_CONNECTIONS,
    report: RegistrationReport | None = None,
    skip: Collection[range] = (),
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
    re-sending the whole input is safe. Pass `report` to see what those batches found (their
    conflicts too) when such an error stops the input.

    With a `Database`, a batch interrupted by a lost connection, a restarting server or a
    deadlock is retried on a fresh connection (`OPSDB_RETRY_*` bounds it); a batch whose
    commit went through before the connection broke is not sent again. When the retries run
    out, RegistrationIncompleteError carries the committed position ranges and their report:
    pass `skip=exc.committed` with the same input and `batch_size` to send only the rest. Its
    `in_doubt` ranges sent their commit and never heard back (the server may have committed
    them): they are sent again, and count as `existing` if they had committed.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if connections < 1:
        raise ValueError("connections must be at least 1")
    started = time.perf_counter()
    report = report if report is not None else RegistrationReport()
    done = 0
    committed: list[range] = []
    in_doubt: list[range] = []

    def finished(batch: Batch, outcome: tuple[int, int, list[Conflict]]) -> None:
        nonlocal done
        new, existing, conflicts = outcome
        report.new += new
        report.existing += existing
        report.conflicts.extend(conflicts)
        report.batches += 1
        done += batch.size
        committed.append(range(batch.first, batch.first + batch.size))
        if on_progress is not None:
            on_progress(BatchProgress(batch.index, batch.first, batch.size, new, existing, len(conflicts), done))

    if isinstance(db_or_conn, Connection):
        writer = Writer(db_or_conn, location_id)
        async for index, first, chunk in _batches(records, batch_size, skip):
            batch = await anyio.to_thread.run_sync(prepare, chunk, index, first)
            finished(batch, await writer.write(batch))
    else:
        send, receive = anyio.create_memory_object_stream[Batch](connections)
        invalid: list[Exception] = []

        async def produce() -> None:
            # a bad batch, or an error reading the input, stops the input; the batches before it
            # still commit (the writers finish what they hold)
            async with send:
                try:
                    async for index, first, chunk in _batches(records, batch_size, skip):
                        batch = await anyio.to_thread.run_sync(prepare, chunk, index, first)
                        await send.send(batch)
                except Exception as exc:  # re-raised once the writers are done
                    invalid.append(exc)

        async def consume(batches: anyio.abc.ObjectReceiveStream[Batch]) -> None:
            async with batches, db_or_conn.connection() as conn:
                writer = Writer(conn, location_id)
                async for batch in batches:
                    try:
                        outcome = await _write_resilient(writer, batch, db_or_conn.settings)
                    except BaseException:
                        if writer.pending is not None:  # its commit was sent, and never answered
                            in_doubt.append(range(batch.first, batch.first + batch.size))
                        raise
                    finished(batch, outcome)

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(produce)
                for _ in range(connections):
                    tg.start_soon(consume, receive.clone())
                receive.close()
        except BaseExceptionGroup as group:
            error = _first_error(group)
            if isinstance(error, _INTERRUPTED):
                report.conflicts.sort(key=lambda c: c.position)
                report.seconds = time.perf_counter() - started
                raise RegistrationIncompleteError(error, committed, report, in_doubt) from error
            raise error from None
        if invalid:
            raise invalid[0]

    report.conflicts.sort(key=lambda c: c.position)
    report.seconds = time.perf_counter() - started
    return report
