"""A simulated observing night: seed the observatory, run telescope, instruments and daemons, check invariants.

`prepare_database(server_dsn)` (re)creates the dedicated database `opsdb_simulate` and
migrates it; `run_simulation(dsn, config)` seeds it through the repositories, runs the night
with anyio task groups and returns a `SimulationResult`; `check_invariants(conn, ...)`
verifies against the database that no source copy was deleted before a verified archive
copy existed, that no work item was processed twice, and that nothing was lost.
Walkthrough: docs/simulation.md.
"""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import anyio
import psycopg
from psycopg import sql

from opsdb import migrate, pipeline, work
from opsdb.config import with_database
from opsdb.db import Connection, Database
from opsdb.errors import ClaimLostError, InvalidTransitionError, TransientError
from opsdb.history import history_check
from opsdb.queries import query
from opsdb.registration import register_files
from opsdb.schemas.enums import ExecutionStatus
from opsdb.schemas.execution import ExecutedObsUnitFinish, ExecutedObsUnitStart
from opsdb.schemas.infrastructure import InstrumentCreate, InstrumentModuleCreate, ObservatoryCreate, TelescopeCreate
from opsdb.schemas.locations import DataTransferRouteCreate, DiskLocationCreate, SiteCreate, TapeLocationCreate
from opsdb.schemas.planning import (
    ConstantElevationSourceCreate,
    FixedSourceCreate,
    ObservingProgramCreate,
    ObsModeCreate,
    ObsUnitCreate,
    SolarSystemSourceCreate,
)
from opsdb.site.outage import SiteTelescope, check_site_invariants
from opsdb.work import Claim, WorkKind

DATABASE = "opsdb_simulate"
SIMULATION_MARK = "opsdb simulate: recreated by every run"
"""The comment `prepare_database` puts on its database; it drops no database without it."""
"""The dedicated database a simulation (re)creates; no other database is touched."""

MAX_PACKAGE_BYTES = 20 * 10**9
"""Packages are cut at 20 GB (files in path order)."""
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
_BATCH = {WorkKind.PHYSICAL_COPY_DELETION: 100}
"""Claim batch per kind (default 4): deletions are the bulk (one per file copy)."""


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
    completed: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in SIMULATED_KINDS})
    failures_injected: int = 0
    crashes_injected: int = 0
    claims_lost: int = 0
    transient_errors: int = 0
    """Deadlocks or serialization failures a daemon or manager met (it carried on)."""
    claims_abandoned: int = 0
    """Claims left to their lease because of such an error (taken over later)."""
    phase: str = "seeding"


@dataclass(frozen=True)
class InvariantResult:
    name: str
    ok: bool
    detail: str


@dataclass
class SimulationResult:
    """What a simulation did, how fast, and whether every invariant held."""

    config: SimulationConfig
    seconds: float
    drained: bool
    counters: Counters
    totals: dict[str, int]
    registration_seconds: float
    files_per_second: float
    work_items_per_second: float
    invariants: list[InvariantResult]
    pipeline_files_per_second: dict[str, float] = field(default_factory=dict)
    """Files through each stage of the whole pipeline per second of the night (registered,
    packaged, transferred, archived, deleted at the source): "deleted" is the end-to-end rate."""

    @property
    def ok(self) -> bool:
        return self.drained and all(i.ok for i in self.invariants)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


# -- database ------------------------------------------------------------------------------


def prepare_database(server_dsn: str, database: str = DATABASE) -> str:
    """Make `database` on the server of `server_dsn` ready for a night, migrated; its DSN.

    A database an earlier run made (marked with SIMULATION_MARK) is dropped and recreated; a
    missing one is created; an existing one not made by a simulation is used only when it is
    empty (no tables, or opsdb's schema without an observatory, site, user or file), and is
    then marked. Anything else is refused (ValueError): a simulation never touches real data.

    The admin connection uses `server_dsn`'s own database (the maintenance database
    `postgres` when that is `database` itself: a database cannot drop itself).
    """
    admin_dsn = server_dsn
    if urlsplit(server_dsn).path.lstrip("/") == database:
        admin_dsn = with_database(server_dsn, "postgres")
    dsn = with_database(server_dsn, database)
    name = sql.Identifier(database)  # an identifier cannot be a bind parameter: quoted here
    mark = sql.SQL("COMMENT ON DATABASE {} IS {}").format(name, sql.Literal(SIMULATION_MARK))
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        found = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if found is not None and found[0] != SIMULATION_MARK:
            if not _empty(dsn):
                raise ValueError(
                    f"database {database!r} holds data not made by `opsdb simulate`: refusing to touch it "
                    "(choose another with --database NAME)"
                )
            admin.execute(mark)
        else:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
            admin.execute(mark)
    migrate.apply(dsn)
    return dsn


def _empty(dsn: str) -> bool:
    """True when the database has no tables, or opsdb's tables hold no observatory, site, user or file."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_name NOT LIKE %s",
                ("\\_yoyo%",),
            ).fetchall()
        }
        tables -= {"yoyo_lock"}
        if not tables:
            return True
        core = ("observatory", "site", "user_account", "raw_data_file")
        if not set(core) <= tables:
            return False
        for table in core:
            query_text = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
            row = conn.execute(query_text).fetchone()
            if row is None or row[0]:
                return False
        return True


# -- seeding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observatory:
    """Ids of what the night needs."""

    modules: dict[str, list[tuple[int, str]]]
    """instrument name -> [(module id, module name)]"""
    source_locations: dict[str, int]
    """instrument name -> its SOURCE location at the telescope"""
    locations: dict[str, int]
    """"site_location" -> location id"""
    obs_units: list[tuple[int, str]]
    """(obs unit id, instrument name)"""


async def seed_observatory(db: Database) -> Observatory:
    """CCAT / FYST, CHAI and Prime-Cam, three sites with their locations and routes, programs, sources, obs units."""
    async with db.transaction() as uow:
        obs = await uow.observatories.create_observatory(ObservatoryCreate(name="CCAT"))
        fyst = await uow.observatories.create_telescope(
            TelescopeCreate(
                observatory_id=obs.id,
                name="FYST",
                description="Fred Young Submillimeter Telescope, Cerro Chajnantor",
                latitude_deg=-22.9856,
                longitude_deg=-67.7405,
                elevation_m=5600,
            )
        )
        layout = {
            "CHAI": [("LFA", 64, 455.0, 495.0), ("HFA", 64, 800.0, 820.0), ("Mini-CHAI", 8, 455.0, 495.0)],
            "Prime-Cam": [
                ("280GHz", 3456, 255.0, 305.0),
                ("350GHz", 3456, 325.0, 375.0),
                ("850GHz", 3456, 820.0, 880.0),
            ],
        }
        modules: dict[str, list[tuple[int, str]]] = {}
        for instrument_name, specs in layout.items():
            instrument = await uow.observatories.create_instrument(
                InstrumentCreate(telescope_id=fyst.id, name=instrument_name)
            )
            modules[instrument_name] = []
            for name, pixels, low, high in specs:
                module = await uow.observatories.create_module(
                    InstrumentModuleCreate(
                        instrument_id=instrument.id,
                        name=name,
                        pixel_count=pixels,
                        frequency_min_ghz=low,
                        frequency_max_ghz=high,
                    )
                )
                modules[instrument_name].append((module.id, name))

        sites = {}
        for short, name, where in (
            ("ccat", "CCAT telescope site", "Cerro Chajnantor, Chile"),
            ("cologne", "University of Cologne (primary archive)", "Cologne, Germany"),
            ("us", "Cornell University", "Ithaca, NY, USA"),
        ):
            sites[short] = (await uow.sites.create_site(SiteCreate(name=name, short_name=short, location=where))).id
        locations: dict[str, int] = {}
        disks = (
            ("ccat", "chai_source", "source", "chai-daq"),
            ("ccat", "primecam_source", "source", "primecam-daq"),
            ("ccat", "buffer", "buffer", "ccat-buffer"),
            ("cologne", "buffer", "buffer", "cologne-buffer"),
            ("cologne", "processing", "processing", "cologne-hpc"),
            ("us", "buffer", "buffer", "cornell-buffer"),
        )
        for site, name, kind, host in disks:
            loc = await uow.sites.create_location(
                DiskLocationCreate(
                    site_id=sites[site], name=name, location_type=kind, host=host, root_path=f"/data/{name}"
                )
            )
            locations[f"{site}_{name}"] = loc.id
        for site, library in (("cologne", "cologne-tape"), ("us", "cornell-tape")):
            loc = await uow.sites.create_location(
                TapeLocationCreate(
                    site_id=sites[site],
                    name="long_term_archive",
                    location_type="long_term_archive",
                    library_name=library,
                )
            )
            locations[f"{site}_long_term_archive"] = loc.id
        for name, destination in (("ccat_to_cologne", "cologne"), ("ccat_to_us", "us")):
            await uow.sites.create_route(
                DataTransferRouteCreate(
                    name=name, origin_site_id=sites["ccat"], destination_site_id=sites[destination], route_type="direct"
                )
            )

        programs = {}
        for short, name in (("GEco", "Galactic Ecology"), ("Cal", "Calibration"), ("ENG", "Engineering")):
            programs[short] = (
                await uow.programs.create_program(ObservingProgramCreate(name=name, short_name=short))
            ).id
        orion = await uow.sources.create_source(FixedSourceCreate(name="Orion-KL", ra_deg=83.8221, dec_deg=-5.3911))
        irc = await uow.sources.create_source(FixedSourceCreate(name="IRC10216", ra_deg=146.9892, dec_deg=13.2787))
        jupiter = await uow.sources.create_source(SolarSystemSourceCreate(name="Jupiter", ephemeris_body="jupiter"))
        field_ = await uow.sources.create_source(
            ConstantElevationSourceCreate(
                name="Deep56-ce",
                ra_min_deg=0.0,
                ra_max_deg=40.0,
                dec_min_deg=-10.0,
                dec_max_deg=5.0,
                elevation_deg=50.0,
            )
        )
        modes = {}
        for name in ("otf_map", "pointing", "ce_scan"):
            modes[name] = (await uow.obs_units.create_obs_mode(ObsModeCreate(name=name))).id
        plan = (
            ("GEco-Orion-CHAI", "GEco", orion.id, "otf_map", "CHAI"),
            ("GEco-IRC10216-CHAI", "GEco", irc.id, "otf_map", "CHAI"),
            ("Cal-Jupiter-PrimeCam", "Cal", jupiter.id, "pointing", "Prime-Cam"),
            ("ENG-Deep56-PrimeCam", "ENG", field_.id, "ce_scan", "Prime-Cam"),
        )
        obs_units = []
        for name, program, source, mode, instrument_name in plan:
            unit = await uow.obs_units.create_obs_unit(
                ObsUnitCreate(
                    name=name, observing_program_id=programs[program], source_id=source, obs_mode_id=modes[mode]
                )
            )
            obs_units.append((unit.id, instrument_name))
    return Observatory(
        modules=modules,
        source_locations={
            "CHAI": locations["ccat_chai_source"],
            "Prime-Cam": locations["ccat_primecam_source"],
        },
        locations=locations,
        obs_units=obs_units,
    )


# -- the journal ---------------------------------------------------------------------------


@dataclass
class JournalEntry:
    claims: int = 0
    completions: int = 0
    token: uuid.UUID | None = None


class Journal:
    """The simulation's own record of every claim and completion, per (kind, item)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, int], JournalEntry] = defaultdict(JournalEntry)

    def claimed(self, claims: Sequence[Claim]) -> None:
        for c in claims:
            self.entries[(c.kind.value, c.item_id)].claims += 1

    def completed(self, claims: Sequence[Claim]) -> None:
        for c in claims:
            entry = self.entries[(c.kind.value, c.item_id)]
            entry.completions += 1
            entry.token = c.token


# -- the engine ----------------------------------------------------------------------------


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


class _Night:
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
        self.site: SiteTelescope | None = None

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
        for n in range(count):
            module_id, module_name = modules[n % len(modules)]
            created = start + n * step
            name = f"{instrument}_{module_name}_{start:%Y%m%dT%H%M}_{n:06d}.fits"
            records.append(
                {
                    "instrument_module_id": module_id,
                    "executed_obs_unit_id": execution_id,
                    "name": name,
                    "relative_path": f"{instrument}/{module_name}/{start:%Y%m%d}/{execution_id}/{name}",
                    "size_bytes": rng.randint(5 * 10**6, 200 * 10**6),
                    "checksum_algorithm": "sha256",
                    "checksum": _hex(rng),
                    "file_type": "fits",
                    "file_created_at": created,
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
        async with self.db.connection() as conn:
            await conn.execute(query("simulate_analyze"))
        if report.conflicts:
            raise RuntimeError(f"simulated registration conflicted: {report.conflicts[0]}")

    # managers -----------------------------------------------------------------------------

    async def manager(self, n: int) -> None:
        """Find what is ready and create the work, round after round (racing managers are safe)."""
        while True:
            try:
                async with self.db.connection() as conn:
                    await self._manager_round(conn, n)
            except TransientError:  # deadlock or serialization failure: next round
                self.counters.transient_errors += 1
            await anyio.sleep(0.1)

    async def _manager_round(self, conn: Connection, n: int) -> None:
        loc = self.obs.locations
        for group in await pipeline.unpackaged_file_groups(conn):
            origin = group.source_location_id or loc["ccat_chai_source"]
            while True:
                seq = next(self._names)
                created = await pipeline.create_raw_data_package(
                    conn,
                    executed_obs_unit_id=group.executed_obs_unit_id,
                    instrument_module_id=group.instrument_module_id,
                    name=f"pkg-{seq:06d}-m{n}",
                    relative_path=f"packages/{group.executed_obs_unit_id}/pkg-{seq:06d}.tar",
                    origin_location_id=origin,
                    max_bytes=MAX_PACKAGE_BYTES,
                )
                if created is None:
                    break
                self.counters.packages_created += 1
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
        """Schedule the copies the safe-deletion rule allows now (migrations/0009)."""
        ids = await pipeline.schedule_deletions(conn, limit=1000)
        self.counters.deletions_scheduled += len(ids)

    # daemons ------------------------------------------------------------------------------

    async def listener(self) -> None:
        async with work.listen(self.db.dsn, SIMULATED_KINDS, poll_interval=0.5) as hints:
            while True:
                self.hints.notify(await hints.wait())

    async def worker(self, kind: WorkKind, n: int) -> None:
        """Claim, 'work' (a short sleep), then complete, fail (retried) or crash (lease lapses)."""
        worker_id = f"{kind.value}@sim-{n}"
        limit = _BATCH.get(kind, 4)
        while True:
            async with self.db.connection() as conn:
                claims = await work.claim(conn, kind, worker_id, limit, self.config.lease_seconds)
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
                    for c in failed:
                        try:
                            await work.fail(conn, c, "simulated failure", backoff_seconds=0.05, max_backoff_seconds=0.5)
                            self.counters.failures_injected += 1
                        except ClaimLostError:
                            self.counters.claims_lost += 1
                        settled.append(c)
                    await self._complete(conn, kind, done, settled)
            except TransientError:  # deadlock or serialization failure: as a real daemon, go on
                self.counters.transient_errors += 1
                self.counters.claims_abandoned += len(failed) + len(done) - len(settled)

    async def _complete(self, conn: Connection, kind: WorkKind, claims: list[Claim], settled: list[Claim]) -> None:
        """Complete `claims` (deletions in one batch), appending each settled claim to `settled`."""
        if not claims:
            return
        if kind is WorkKind.PHYSICAL_COPY_DELETION:
            try:
                await work.complete_many(conn, kind, claims)
                held = claims
            except work.ClaimsLostError as exc:
                held = exc.renewed
                self.counters.claims_lost += len(exc.lost)
            self.journal.completed(held)
            self.counters.completed[kind.value] += len(held)
            settled.extend(claims)
            return
        for c in claims:
            try:
                await work.complete(conn, c, **await self._results_of(conn, kind, c))
            except ClaimLostError:
                self.counters.claims_lost += 1
                settled.append(c)
                continue
            self.journal.completed([c])
            self.counters.completed[kind.value] += 1
            settled.append(c)

    async def _results_of(self, conn: Connection, kind: WorkKind, c: Claim) -> dict[str, Any]:
        if kind is WorkKind.RAW_DATA_PACKAGE_BUILD:
            size = await conn.fetchval(query("simulate_package_size"), c.item_id)
            return {
                "location_id": self.obs.locations["ccat_buffer"],
                "verified": True,
                "size_bytes": size,
                "checksum": _hex(self._results),
                "checksum_algorithm": "sha256",
            }
        if kind is WorkKind.DATA_TRANSFER_PACKAGE_BUILD:
            return {
                "verified": True,
                "size_bytes": self._results.randint(10**9, 10**12),
                "checksum": _hex(self._results),
                "checksum_algorithm": "sha256",
            }
        return {"verified": True}

    # the end -------------------------------------------------------------------------------

    async def wait_drained(self, poll_seconds: float = 0.5) -> bool:
        """Return once the pipeline drained (the caller's timeout cancels otherwise)."""
        while True:
            if await self.drained():
                return True
            await anyio.sleep(poll_seconds)

    async def drained(self) -> bool:
        """The night is over and nothing is left to do: every stage empty, nothing eligible for deletion."""
        if not self.night_over:
            return False
        async with self.db.connection() as conn:
            row = await conn.fetchrow(query("simulate_unfinished"))
            assert row is not None
            if row["unpackaged_files"] or row["unarchived_packages"] or row["open_work"]:
                return False
            if await pipeline.bundles_needing_transfer(conn, limit=1):
                return False
            if await pipeline.packages_ready_for_archive(conn, limit=1):
                return False
            return not await pipeline.deletion_candidates(conn, limit=1)


def _max_attempts_column(kind: WorkKind) -> str:
    return work.KINDS[kind].column("max_attempts")


async def run_simulation(dsn: str, config: SimulationConfig, counters: Counters | None = None) -> SimulationResult:
    """Seed the (empty, migrated) database at `dsn`, run the night, check the invariants.

    `counters` is updated live (for a progress display). The run ends when the night is over
    and the pipeline drained, or after `config.timeout_seconds`.
    """
    counters = counters or Counters()
    pool_size = config.workers * len(SIMULATED_KINDS) + config.managers + 6
    async with AsyncExitStack() as stack:
        db = await stack.enter_async_context(await Database.connect(dsn, min_size=2, max_size=pool_size))
        observatory = await seed_observatory(db)
        night = _Night(db, config, observatory, counters)
        if config.outage is not None:
            night.site = await stack.enter_async_context(SiteTelescope(dsn, config.outage, config.executions))
        counters.phase = "observing"
        began = time.perf_counter()
        drained = False
        with anyio.move_on_after(config.timeout_seconds):
            async with anyio.create_task_group() as tg:
                if night.site is not None:
                    tg.start_soon(night.site.replayer, counters)
                tg.start_soon(night.listener)
                for n in range(config.managers):
                    tg.start_soon(night.manager, n)
                for kind in SIMULATED_KINDS:
                    for n in range(config.workers):
                        tg.start_soon(night.worker, kind, n)
                await night.telescope()
                counters.phase = "draining"
                drained = await night.wait_drained()
                tg.cancel_scope.cancel()
        seconds = time.perf_counter() - began
        counters.phase = "checking"
        async with db.connection() as conn:
            invariants = await check_invariants(conn, journal=night.journal, files_sent=night.files_sent)
            if night.site is not None:
                invariants += [InvariantResult(*r) for r in await check_site_invariants(conn, night.site.spool)]
                invariants.append(InvariantResult("site mode", True, night.site.summary()))
            totals = dict(await conn.fetchrow(query("simulate_counts")) or {})
            stages = dict(await conn.fetchrow(query("simulate_pipeline_files")) or {})
    completed = sum(counters.completed.values())
    counters.phase = "done"
    return SimulationResult(
        config=config,
        seconds=round(seconds, 3),
        drained=drained,
        counters=counters,
        totals={k: int(v) for k, v in totals.items()},
        registration_seconds=round(night.registration_seconds, 3),
        files_per_second=round(counters.files_registered / night.registration_seconds, 1)
        if night.registration_seconds
        else 0.0,
        work_items_per_second=round(completed / seconds, 1) if seconds else 0.0,
        invariants=invariants,
        pipeline_files_per_second={k: round(int(v) / seconds, 1) if seconds else 0.0 for k, v in stages.items()},
    )


# -- invariants ----------------------------------------------------------------------------


async def check_invariants(
    conn: Connection, *, journal: Journal | None = None, files_sent: int | None = None
) -> list[InvariantResult]:
    """Check the invariants against the database (plus the journal and counts, when given).

    (a) every deleted source/buffer copy had a present, checksum-verified archive copy of
    each of its packages, created and verified before the deletion; (b) no work item was
    processed twice: no duplicated effects, and (with a journal) each finished item was
    completed exactly once, by the claim whose token the database holds, after as many
    claims as the database counted attempts; (c) nothing lost: every file in an archived
    package, every package with a present verified archive copy, no failed item, and (with
    `files_sent`) as many files as the instruments sent; (d) every package reached the
    archive of every site its bundle was transferred to.
    """
    results = []
    row = await conn.fetchrow(query("simulate_deleted_without_archive"))
    assert row is not None
    results.append(
        InvariantResult(
            "deleted only after a verified archive copy",
            row["violations"] == 0,
            f"{row['deleted']} copies deleted, {row['violations']} without a prior verified archive copy",
        )
    )

    problems = []
    duplicates = await conn.fetchval(query("simulate_duplicate_effects"))
    if duplicates:
        problems.append(f"{duplicates} duplicated transfers or copies")
    done = await conn.fetch(query("simulate_done_items"))
    if journal is not None:
        finished = {(r["kind"], r["id"]): r for r in done}
        twice = [key for key, e in journal.entries.items() if e.completions > 1]
        unrecorded = [key for key in finished if journal.entries.get(key, JournalEntry()).completions != 1]
        unfinished = [key for key, e in journal.entries.items() if e.completions and key not in finished]
        mismatched = [
            key
            for key, r in finished.items()
            if key in journal.entries
            and (journal.entries[key].token != r["claim_token"] or journal.entries[key].claims != r["attempts"])
        ]
        for label, keys in (
            ("completed twice", twice),
            ("finished in the database without exactly one journal completion", unrecorded),
            ("completed in the journal but not finished in the database", unfinished),
            ("token or attempts differ between journal and database", mismatched),
        ):
            if keys:
                problems.append(f"{len(keys)} {label} (e.g. {keys[0][0]} {keys[0][1]})")
    results.append(
        InvariantResult(
            "no item processed twice",
            not problems,
            "; ".join(problems)
            or f"{len(done)} finished items, each completed once"
            + (" (journal and database agree on token and attempts)" if journal is not None else ""),
        )
    )

    lost = await conn.fetchrow(query("simulate_lost"))
    unfinished_row = await conn.fetchrow(query("simulate_unfinished"))
    assert lost is not None and unfinished_row is not None
    problems = [
        f"{lost[key]} {label}"
        for key, label in (
            ("unpackaged_files", "files in no package"),
            ("files_in_unarchived_packages", "files in unarchived packages"),
            ("unarchived_packages", "packages not archived"),
            ("packages_without_archive_copy", "packages without a present verified archive copy"),
        )
        if lost[key]
    ]
    if unfinished_row["failed_items"]:
        problems.append(f"{unfinished_row['failed_items']} failed work items")
    if files_sent is not None and lost["files"] != files_sent:
        problems.append(f"{lost['files']} files registered but {files_sent} sent")
    results.append(
        InvariantResult(
            "nothing lost",
            not problems,
            "; ".join(problems)
            or f"{lost['files']} files in {lost['packages']} archived packages, each with a verified archive copy",
        )
    )
    missing = await conn.fetchval(query("simulate_missing_replicas"))
    results.append(
        InvariantResult(
            "every archive site holds what it received",
            missing == 0,
            f"{missing} (package, site) pairs received but not archived there",
        )
    )
    results.append(await history_invariant(conn))
    return results


async def history_invariant(conn: Connection) -> InvariantResult:
    """(e) every state change left a history row: each item's trail has no gap, and its last
    recorded state is its current state."""
    check = await history_check(conn)
    return InvariantResult(
        "history records every state change",
        check.ok,
        f"{check.items} item states, {check.missing} without history, {check.disagreeing} disagreeing, "
        f"{check.gaps} gaps" + (f" (e.g. {check.example})" if check.example else ""),
    )
