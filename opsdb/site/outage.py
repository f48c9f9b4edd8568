"""The telescope in site mode for `opsdb simulate --outage`: writes cross a link cut for part of the night.

`SiteTelescope` owns the link (`LinkProxy`), the spool (a temporary file) and the `SiteClient`
the simulated telescope and instruments write through, plus a replayer that drains the spool
whenever the link answers. `check_site_invariants` then compares the spool with the main
database: every spooled write applied or kept as a conflict, nothing lost, nothing doubled.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from uuid import UUID

import anyio

from opsdb.db import Connection
from opsdb.schemas.execution import ExecutedObsUnitFinish, ExecutedObsUnitStart
from opsdb.site.client import LINK_ERRORS, SiteClient, WriteResult
from opsdb.site.link import LinkProxy, upstream_of, via
from opsdb.site.replay import ReplayProgress, replay
from opsdb.site.store import Spool

WINDOW_SECONDS = 30.0
"""A replay window that takes longer than this is taken for a dead link (cancelled, retried later)."""


def parse_outage(text: str) -> tuple[float, float]:
    """ "0.3-0.6" -> (0.3, 0.6): the link is cut from 30 % to 60 % of the night's executions."""
    try:
        first, _, last = text.partition("-")
        start, end = float(first), float(last)
    except ValueError:
        raise ValueError(f"outage must look like 0.3-0.6 (fractions of the night), got {text!r}") from None
    if not 0 <= start < end <= 1:
        raise ValueError(f"outage must satisfy 0 <= start < end <= 1, got {text!r}")
    return start, end


@dataclass
class SiteCounters:
    direct: int = 0
    spooled: int = 0
    files_spooled: int = 0
    replays: int = 0
    replay_errors: int = 0
    files_replayed: int = 0
    cut_at: int | None = None
    restored_at: int | None = None


class SiteTelescope:
    """Site-mode writes for the simulated night, through a link cut between two executions."""

    def __init__(self, main_dsn: str, outage: tuple[float, float], executions: int, *, timeout: float = 0.5) -> None:
        self.main_dsn = main_dsn
        self.cut_at = int(outage[0] * executions)
        self.restore_at = max(int(outage[1] * executions), self.cut_at + 1)
        self.timeout = timeout
        self.counters = SiteCounters()
        self.link = LinkProxy(upstream_of(main_dsn))
        self._dir = Path(tempfile.mkdtemp(prefix="opsdb-site-spool-"))
        self.spool = Spool(self._dir / "spool.sqlite")
        self.client: SiteClient | None = None
        self.night_over = False

    async def __aenter__(self) -> SiteTelescope:
        port = await self.link.start()
        self.client = SiteClient(
            self.spool, via(self.main_dsn, port), timeout=self.timeout, retry_after=self.timeout, batch_size=1000
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.client is not None:
            await self.client.close()
        await self.link.close()
        self.spool.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def before_execution(self, n: int) -> None:
        """Cut or restore the link as the night reaches execution `n`."""
        if n == self.cut_at:
            self.link.cut()
            self.counters.cut_at = n
        elif n == self.restore_at:
            self.link.restore()
            self.counters.restored_at = n

    def _count(self, result: WriteResult, files: int = 0) -> WriteResult:
        if result.spooled:
            self.counters.spooled += 1
            self.counters.files_spooled += files
        else:
            self.counters.direct += 1
        return result

    async def start(self, data: ExecutedObsUnitStart) -> WriteResult:
        assert self.client is not None
        return self._count(await self.client.start_execution(data))

    async def finish(self, execution_id: UUID, data: ExecutedObsUnitFinish) -> WriteResult:
        assert self.client is not None
        return self._count(await self.client.finish_execution(execution_id, data))

    async def register(self, location_id: int, records: Iterable[Any]) -> WriteResult:
        assert self.client is not None
        items = list(records)
        return self._count(await self.client.register_files(location_id, items), len(items))

    async def replayer(self, counters: Any = None) -> None:
        """Replay whenever something is queued and the link answers; runs until cancelled.

        `counters.files_registered` (the simulation's live figures), if given, grows as files replay.
        """
        assert self.client is not None
        while True:
            if await anyio.to_thread.run_sync(self.spool.has_queued):
                await self._replay_once(counters)
            await anyio.sleep(0.1)

    async def _replay_once(self, counters: Any) -> None:
        assert self.client is not None
        db = await self.client.main()
        if db is None:
            return
        done = 0

        def progress(p: ReplayProgress) -> None:
            nonlocal done
            if counters is not None:
                counters.files_registered += p.files - done
            done = p.files

        try:
            with anyio.fail_after(WINDOW_SECONDS):
                report = await replay(self.spool, db, batch_size=1000, connections=2, on_progress=progress)
            self.counters.replays += 1
            self.counters.files_replayed += report.files
        except LINK_ERRORS as exc:
            self.counters.replay_errors += 1
            self.client.link_failed(f"replay: {type(exc).__name__}")

    def summary(self) -> str:
        c = self.counters
        return (
            f"link cut before execution {c.cut_at}, restored before {c.restored_at}; {c.direct} writes direct, "
            f"{c.spooled} spooled ({c.files_spooled:,} files); {c.replays} replays ({c.files_replayed:,} files), "
            f"{c.replay_errors} interrupted by the link"
        )

    async def drain(self) -> None:
        """At the end of the night: reopen the link if still cut, and wait for the spool to empty."""
        if self.link.is_cut:
            self.link.restore()
            self.counters.restored_at = self.counters.restored_at or -1
        while True:
            if not await anyio.to_thread.run_sync(self.spool.has_queued):
                return
            await anyio.sleep(0.1)


async def check_site_invariants(conn: Connection, spool: Spool) -> list[tuple[str, bool, str]]:
    """(name, holds, detail) of the site invariants, against the main database."""
    status = await anyio.to_thread.run_sync(spool.status)
    kept = await anyio.to_thread.run_sync(spool.conflicts)
    results = [
        (
            "every spooled write applied or kept as a conflict",
            status.queued_entries == 0,
            f"{status.applied_entries} spool entries applied, {len(kept)} conflicts kept, "
            f"{status.queued_entries} still queued",
        )
    ]

    files, entries = await anyio.to_thread.run_sync(spool.spooled_for_check)
    ids = [UUID(row[0]) for row in files]
    stored = {
        row["id"]: row
        for row in await conn.fetch(
            "SELECT f.id, f.instrument_module_id, f.executed_obs_unit_id, f.relative_path, f.size_bytes, f.checksum, "
            "(SELECT count(*) FROM physical_copy c WHERE c.raw_data_file_id = f.id AND c.type = 'raw_data_file') "
            "AS copies FROM raw_data_file f WHERE f.id = ANY($1::uuid[])",
            ids,
        )
    }
    missing = differing = doubled = 0
    for fid, module, unit, path, size, checksum, _location in files:
        row = stored.get(UUID(fid))
        if row is None:
            missing += 1
        elif (
            row["instrument_module_id"],
            row["executed_obs_unit_id"].hex,
            row["relative_path"],
            row["size_bytes"],
            row["checksum"],
        ) != (module, unit, path, size, checksum):
            differing += 1
        elif row["copies"] != 1:
            doubled += 1
    execution_ids = [UUID(e[1]) for e in entries]
    executions = {
        r["id"]: r
        for r in await conn.fetch(
            "SELECT id, status, notes FROM executed_obs_unit WHERE id = ANY($1::uuid[])", execution_ids
        )
    }
    missing_executions = sum(1 for e in execution_ids if e not in executions)
    unfinished = sum(
        1
        for kind, eid, _ in entries
        if kind == "finish" and executions.get(UUID(eid), {"status": "running"})["status"] == "running"
    )
    results.append(
        (
            "spooled writes in the main database, once",
            not (missing or differing or doubled or missing_executions or unfinished),
            f"{len(files)} spooled files: {missing} missing, {differing} differing, {doubled} without exactly one "
            f"copy; {len(entries)} spooled starts/finishes: {missing_executions} executions missing, "
            f"{unfinished} finishes not applied",
        )
    )
    return results
