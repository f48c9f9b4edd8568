"""The night engine: telescope, instruments, racing managers and faulty daemons on one connection pool.

Holds `SimulationConfig`, the live `Counters` and the engine `Night`; not the database set-up,
the seed, the invariant checks or the run that ties them together (`opsdb.simulate.run`).
"""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio

from opsdb import deletion, pipeline, work
from opsdb.db import Connection, Database
from opsdb.errors import ClaimLostError, InvalidTransitionError, TransientError
from opsdb.queries import query
from opsdb.registration import register_files
from opsdb.schemas.enums import ExecutionStatus
from opsdb.schemas.execution import ExecutedObsUnitFinish, ExecutedObsUnitStart
from opsdb.simulate.invariants import Journal
from opsdb.simulate.seed import Observatory
from opsdb.site.outage import SiteTelescope
from opsdb.work import Claim, WorkKind

MAX_PACKAGE_BYTES = 20 * 10**9
"""Packages are cut at 20 GB (files in path order)."""
PACKAGING_GROUPS = 6
"""A packaging round takes the oldest this many (executed obs unit, module) groups (the night's
executions have 3 modules), then asks again: each call costs what it answers."""
BUNDLE_PACKAGES = 8
"""At most this many packages go into one data transfer package."""
SIMULATED_KINDS = (
    WorkKind.RAW_DATA_PACKAGE_BUILD,
    WorkKind.DATA_TRANSFER_PACKAGE_BUILD,
    WorkKind.DATA_TRANSFER,
    WorkKind.DATA_TRANSFER_UNPACK,
    WorkKind.LONG_TERM_ARCHIVE_TRANSFER,
    WorkKind.PHYSICAL_COPY_DELETION,
)
_BATCH = {WorkKind.PHYSICAL_COPY_DELETION: 500}
"""Claim batch per kind (default `_DEFAULT_BATCH`): deletions are the bulk (one per file copy), claimed,
confirmed and completed a batch per statement (each statement's triggers cost about the same
for 100 copies as for 500)."""
_DEFAULT_BATCH = 16
"""Claim batch of the other kinds, completed in one statement (`work.complete_many`)."""
DELETION_SCHEDULE_BATCH = 1000
"""Copies a manager schedules for deletion per statement."""


@dataclass(frozen=True)
class SimulationConfig:
    """Size, concurrency and fault injection of a simulated night."""

    executions: int = 12
    files_per_execution: int = 3000
    workers: int = 2
    """Daemon workers per kind of work."""
    managers: int = 2
    """Pipeline managers racing each other (creation steps are atomic)."""
    seed: int = 1
    failure_rate: float = 0.05
    """Fraction of attempts that fail (and are retried after a short backoff)."""
    crash_rate: float = 0.01
    """Fraction of attempts whose worker 'crashes': the claim is abandoned until its lease runs out."""
    lease_seconds: float = 2.0
    work_seconds: float = 0.01
    """Upper bound of the simulated duration of one piece of work (nothing is copied)."""
    timeout_seconds: float = 600.0
    outage: tuple[float, float] | None = None
    """Site mode: the telescope writes through a link cut for this part of the night (opsdb.site.outage)."""


@dataclass
class Counters:
    """Live figures of a running simulation (read by the progress display)."""

    executions_started: int = 0
    executions_finished: int = 0
    files_registered: int = 0
    packages_created: int = 0
    bundles_created: int = 0
    transfers_created: int = 0
    archive_transfers_created: int = 0
    deletions_scheduled: int = 0
    deletions_refused: int = 0
    """Claimed deletions the deleter's last go/no-go refused (back in the queue, due in a minute)."""
    completed: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in SIMULATED_KINDS})
    failures_injected: int = 0
    crashes_injected: int = 0
    claims_lost: int = 0
    transient_errors: int = 0
    """Deadlocks or serialization failures a daemon or manager met (it carried on)."""
    claims_abandoned: int = 0
    """Claims left to their lease because of such an error (taken over later)."""
    phase: str = "seeding"


class _Hints:
    """One LISTEN connection fanned out to every worker: an event per kind, replaced when set."""

    def __init__(self) -> None:
        self._events = {k: anyio.Event() for k in WorkKind}

    def notify(self, kinds: set[WorkKind]) -> None:
        for k in kinds:
            self._events[k].set()
            self._events[k] = anyio.Event()

    async def wait(self, kind: WorkKind, at_most: float) -> None:
        with anyio.move_on_after(at_most):
            await self._events[kind].wait()


def _hex(rng: random.Random, bits: int = 256) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


class Night:
    """One simulated night: the tasks `run_simulation` starts, and what they share."""

    def __init__(self, db: Database, config: SimulationConfig, observatory: Observatory, counters: Counters) -> None:
        self.db = db
        self.config = config
        self.obs = observatory
        self.counters = counters
        self.journal = Journal()
        self.hints = _Hints()
        self.night_over = False
        self.registration_seconds = 0.0
        self.files_sent = 0
        self._names = itertools.count(1)
        self._faults = random.Random(config.seed + 1)
        self._results = random.Random(config.seed + 2)
        self._registered = anyio.Lock()
        self._analyzed_at = 0
        """Files sent when the statistics were last refreshed."""
        self.site: SiteTelescope | None = None
        self.stuck: str | None = None
        """Why the night can never drain (a work item failed for good), once `wait_drained` found it."""

    # telescope and instruments ------------------------------------------------------------

    async def telescope(self) -> None:
        """Start executed obs units one after another; the instrument registers their files; finish them."""
        rng = random.Random(self.config.seed)
        night_start = datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
        duration = timedelta(minutes=30)
        for n in range(self.config.executions):
            obs_unit_id, instrument = self.obs.obs_units[rng.randrange(len(self.obs.obs_units))]
            start = night_start + n * duration
            execution_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            started = ExecutedObsUnitStart(id=execution_id, obs_unit_id=obs_unit_id, start_time=start)
            finished = ExecutedObsUnitFinish(status=ExecutionStatus.COMPLETED, end_time=start + duration)
            if self.site is not None:
                self.site.before_execution(n)
                await self.site.start(started)
            else:
                async with self.db.transaction() as uow:
                    await uow.executions.start(started)
            self.counters.executions_started += 1
            await self.instrument(rng, instrument, execution_id, start, duration)
            if self.site is not None:
                await self.site.finish(execution_id, finished)
            else:
                async with self.db.transaction() as uow:
                    await uow.executions.finish(execution_id, finished)
            self.counters.executions_finished += 1
        if self.site is not None:
            await self.site.drain()
        self.night_over = True

    async def instrument(
        self, rng: random.Random, instrument: str, execution_id: uuid.UUID, start: datetime, duration: timedelta
    ) -> None:
        """Write the execution's files (deterministic ids, seeded sizes and checksums) and register them in bulk."""
        modules = self.obs.modules[instrument]
        count = self.config.files_per_execution
        step = duration / max(count, 1)
        records = []
        # formatted once per execution, not per file (the loop blocks the event loop the workers share)
        stamp = f"{start:%Y%m%dT%H%M}"
        folders = {name: f"{instrument}/{name}/{start:%Y%m%d}/{execution_id}/" for _, name in modules}
        for n in range(count):
            module_id, module_name = modules[n % len(modules)]
            name = f"{instrument}_{module_name}_{stamp}_{n:06d}.fits"
            records.append(
                {
                    "instrument_module_id": module_id,
                    "executed_obs_unit_id": execution_id,
                    "name": name,
                    "relative_path": folders[module_name] + name,
                    "size_bytes": rng.randint(5 * 10**6, 200 * 10**6),
                    "checksum_algorithm": "sha256",
                    "checksum": _hex(rng),
                    "file_type": "fits",
                    "file_created_at": start + n * step,
                }
            )
        self.files_sent += count

        def progress(p: Any) -> None:
            self.counters.files_registered += p.new

        began = time.perf_counter()
        if self.site is not None:
            sent = await self.site.register(self.obs.source_locations[instrument], records)
            self.counters.files_registered += sent.new
            self.registration_seconds += time.perf_counter() - began
            return
        report = await register_files(
            self.db,
            self.obs.source_locations[instrument],
            records,
            batch_size=1000,
            on_progress=progress,
            connections=2,
        )
        self.registration_seconds += time.perf_counter() - began
        if self.files_sent >= 2 * self._analyzed_at:
            # fresh statistics once the tables doubled (1, 2, 4, 8 executions...), as autovacuum
            # would a little later; not after every execution (it cost 3 % of a night's server time)
            self._analyzed_at = self.files_sent
            async with self.db.connection() as conn:
                await conn.execute(query("simulate_analyze"))
        if report.conflicts:
            raise RuntimeError(f"simulated registration conflicted: {report.conflicts[0]}")

    # managers -----------------------------------------------------------------------------

    async def manager(self, n: int) -> None:
        """Find what is ready and create the work, round after round (racing managers are safe).

        Two loops on two connections: packaging (the files of finished executions into
        packages) and dispatching (bundles, transfers, archive transfers, deletions). In one
        loop a round's packaging of a whole execution held back the bundles, transfers and
        deletions of the packages built meanwhile."""
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._manager_loop, n, self._package_round)
            tg.start_soon(self._manager_loop, n, self._dispatch_round)

    async def _manager_loop(self, n: int, round_: Callable[[Connection, int], Awaitable[None]]) -> None:
        while True:
            try:
                async with self.db.connection() as conn:
                    await round_(conn, n)
            except TransientError:  # deadlock or serialization failure: next round
                self.counters.transient_errors += 1
            await anyio.sleep(0.1)

    async def _package_round(self, conn: Connection, n: int) -> None:
        loc = self.obs.locations
        groups = await pipeline.unpackaged_file_groups(conn, limit=PACKAGING_GROUPS)
        # racing managers start at different groups, and leave a group the other one is
        # packaging to it (`wait=False`): they queued on its locks, one package at a time
        start = n * len(groups) // max(self.config.managers, 1)
        for group in groups[start:] + groups[:start]:

            def names(execution: uuid.UUID = group.executed_obs_unit_id) -> tuple[str, str]:
                seq = next(self._names)
                return f"pkg-{seq:06d}-m{n}", f"packages/{execution}/pkg-{seq:06d}.tar"

            created = await pipeline.create_raw_data_packages(
                conn,
                executed_obs_unit_id=group.executed_obs_unit_id,
                instrument_module_id=group.instrument_module_id,
                names=names,
                origin_location_id=group.source_location_id or loc["ccat_chai_source"],
                max_bytes=MAX_PACKAGE_BYTES,
                wait=False,
            )
            self.counters.packages_created += len(created)

    async def _dispatch_round(self, conn: Connection, n: int) -> None:
        ready: dict[int, list[int]] = defaultdict(list)
        for candidate in await pipeline.packages_ready_to_bundle(conn):
            ready[candidate.location_id].append(candidate.raw_data_package_id)
        for location_id, package_ids in ready.items():
            for i in range(0, len(package_ids), BUNDLE_PACKAGES):
                seq = next(self._names)
                try:
                    await pipeline.create_data_transfer_package(
                        conn,
                        name=f"dtp-{seq:06d}-m{n}",
                        relative_path=f"bundles/dtp-{seq:06d}.tar",
                        origin_location_id=location_id,
                        package_ids=package_ids[i : i + BUNDLE_PACKAGES],
                    )
                except InvalidTransitionError:
                    continue  # another manager bundled one of them first
                self.counters.bundles_created += 1
        while created_ids := await pipeline.schedule_transfers(conn):
            self.counters.transfers_created += len(created_ids)
        while created_ids := await pipeline.schedule_archive_transfers(conn):
            self.counters.archive_transfers_created += len(created_ids)
        await self._schedule_deletions(conn)

    async def _schedule_deletions(self, conn: Connection) -> None:
        """Schedule the copies the safe-deletion rule (`opsdb_deletable`) allows now, batch after
        batch until fewer than a batch are left (one batch a round kept the deleters waiting)."""
        while True:
            ids = await pipeline.schedule_deletions(conn, limit=DELETION_SCHEDULE_BATCH)
            self.counters.deletions_scheduled += len(ids)
            if len(ids) < DELETION_SCHEDULE_BATCH:
                return

    # daemons ------------------------------------------------------------------------------

    async def listener(self) -> None:
        async with work.listen(self.db.dsn, SIMULATED_KINDS, poll_interval=0.5) as hints:
            while True:
                self.hints.notify(await hints.wait())

    async def worker(self, kind: WorkKind, n: int) -> None:
        """Claim, 'work' (a short sleep), then complete, fail (retried) or crash (lease lapses)."""
        worker_id = f"{kind.value}@sim-{n}"
        limit = _BATCH.get(kind, _DEFAULT_BATCH)
        while True:
            async with self.db.connection() as conn:
                claims = await self._claim(conn, kind, worker_id, limit)
            if not claims:
                await self.hints.wait(kind, 0.25)
                continue
            self.journal.claimed(claims)
            await anyio.sleep(self._faults.uniform(0, self.config.work_seconds))
            done, failed = [], []
            for c in claims:
                last_attempt = c.attempt >= int(c.item.get(_max_attempts_column(kind), 4))
                roll = self._faults.random()
                if not last_attempt and roll < self.config.crash_rate:
                    self.counters.crashes_injected += 1  # abandoned: another worker takes it after the lease
                elif not last_attempt and roll < self.config.crash_rate + self.config.failure_rate:
                    failed.append(c)
                else:
                    done.append(c)
            settled: list[Claim] = []
            try:
                async with self.db.connection() as conn:
                    await self._fail(conn, failed, settled)
                    await self._complete(conn, kind, done, settled)
            except TransientError:  # deadlock or serialization failure: as a real daemon, go on
                self.counters.transient_errors += 1
                self.counters.claims_abandoned += len(failed) + len(done) - len(settled)

    async def _claim(self, conn: Connection, kind: WorkKind, worker_id: str, limit: int) -> list[Claim]:
        """Claim up to `limit` items: deletions as the deletion daemon does, judged set-based in
        one statement (`deletion.claim_deletions`, migration 0021), the other kinds by `work.claim`."""
        if kind is WorkKind.PHYSICAL_COPY_DELETION:
            return await deletion.claim_deletions(conn, worker_id, limit, self.config.lease_seconds)
        return await work.claim(conn, kind, worker_id, limit, self.config.lease_seconds)

    async def _fail(self, conn: Connection, claims: list[Claim], settled: list[Claim]) -> None:
        """Record `claims` failed (retried after a short backoff) in one statement (`work.fail_many`):
        one round trip and one firing of the table's statement triggers, not one per claim (a
        batch of 500 deletions holds about 25 failures)."""
        if not claims:
            return
        lost = 0
        try:
            await work.fail_many(
                conn, claims[0].kind, claims, "simulated failure", backoff_seconds=0.05, max_backoff_seconds=0.5
            )
        except work.ClaimsLostError as exc:  # the others are recorded (the statement did not fail)
            lost = len(exc.lost)
        self.counters.failures_injected += len(claims) - lost
        self.counters.claims_lost += lost
        settled.extend(claims)

    async def _complete(self, conn: Connection, kind: WorkKind, claims: list[Claim], settled: list[Claim]) -> None:
        """Complete `claims` (deletions in one batch), appending each settled claim to `settled`."""
        if not claims:
            return
        if kind is WorkKind.PHYSICAL_COPY_DELETION:
            # the deleter's last go/no-go and the completion in one transaction, one statement
            # each (`deletion.deleting_many`): refused copies went back to the queue, lost
            # claims are another worker's now; only `go` copies are recorded deleted
            try:
                async with deletion.deleting_many(conn, claims) as confirmed:
                    pass  # nothing to remove: the simulated bytes are gone at once
            except ClaimLostError:  # rolled back whole: the claims lapse with their lease
                self.counters.claims_abandoned += len(claims)
                settled.extend(claims)
                return
            self.journal.completed(confirmed.go)
            self.counters.completed[kind.value] += len(confirmed.go)
            self.counters.claims_lost += len(confirmed.lost)
            self.counters.deletions_refused += len(confirmed.refused)
            settled.extend(claims)
            return
        # the batch in one statement (`work.complete_many`): one round trip and one firing of
        # the table's statement triggers, not one per claim
        results = await self._results_of(conn, kind, claims)
        try:
            await work.complete_many(conn, kind, claims, results)
            completed = list(claims)
        except work.ClaimsLostError as exc:  # the others are completed (the statement did not fail)
            completed = exc.renewed
            self.counters.claims_lost += len(exc.lost)
        self.journal.completed(completed)
        self.counters.completed[kind.value] += len(completed)
        settled.extend(claims)

    async def _results_of(self, conn: Connection, kind: WorkKind, claims: list[Claim]) -> list[dict[str, Any]]:
        """Each claim's results, in the claims' order (every mapping with the same keys)."""
        if kind is WorkKind.RAW_DATA_PACKAGE_BUILD:
            ids = [c.item_id for c in claims]
            sizes = {r["id"]: r["size_bytes"] for r in await conn.fetch(query("simulate_package_sizes"), ids)}
            return [
                {
                    "location_id": self.obs.locations["ccat_buffer"],
                    "verified": True,
                    "size_bytes": sizes.get(c.item_id, 0),
                    "checksum": _hex(self._results),
                    "checksum_algorithm": "sha256",
                }
                for c in claims
            ]
        if kind is WorkKind.DATA_TRANSFER_PACKAGE_BUILD:
            return [
                {
                    "verified": True,
                    "size_bytes": self._results.randint(10**9, 10**12),
                    "checksum": _hex(self._results),
                    "checksum_algorithm": "sha256",
                }
                for _ in claims
            ]
        return [{"verified": True} for _ in claims]

    # the end -------------------------------------------------------------------------------

    async def wait_drained(self, poll_seconds: float = 0.5) -> bool:
        """Return True once the pipeline drained, False as soon as it cannot (`stuck`: a work item
        failed for good); the caller's timeout cancels otherwise."""
        while True:
            if await self.drained():
                return True
            if self.night_over and await self._stuck():
                return False
            await anyio.sleep(poll_seconds)

    async def _stuck(self) -> bool:
        """Whether a package build, bundle build, transfer, unpack or archive transfer failed for
        good (`self.stuck` then names it): its files would never be archived, so the night can
        never drain. Only a lapsed last attempt gets there (the last attempt never fails on purpose)."""
        async with self.db.connection() as conn:
            for kind in SIMULATED_KINDS:
                if kind is WorkKind.PHYSICAL_COPY_DELETION:
                    continue  # a failed deletion keeps nothing from draining (invariant (c) reports it)
                for item in await work.list_failed(conn, kind, limit=1):
                    self.stuck = f"{kind.value} {item.item_id} failed for good: {item.last_error}"
                    return True
        return False

    async def drained(self) -> bool:
        """The night is over and nothing is left to do: every stage empty, nothing eligible for deletion."""
        if not self.night_over:
            return False
        async with self.db.connection() as conn:
            if await conn.fetchval(query("simulate_busy")):
                return False
            if await pipeline.bundles_needing_transfer(conn, limit=1):
                return False
            if await pipeline.packages_ready_for_archive(conn, limit=1):
                return False
            return not await pipeline.deletion_candidates(conn, limit=1)


def _max_attempts_column(kind: WorkKind) -> str:
    return work.KINDS[kind].column("max_attempts")
