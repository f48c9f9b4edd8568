"""A whole simulated night: seed, run the engine until the pipeline drained, check the invariants.

Holds `run_simulation` and its `SimulationResult`; not the engine (`night`), the seed, the
database set-up or the checks themselves.
"""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from typing import Any

import anyio

from opsdb.db import Database
from opsdb.queries import query
from opsdb.simulate.invariants import InvariantResult, check_invariants
from opsdb.simulate.night import SIMULATED_KINDS, Counters, Night, SimulationConfig
from opsdb.simulate.seed import seed_observatory
from opsdb.site.outage import SiteTelescope, check_site_invariants


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


async def run_simulation(dsn: str, config: SimulationConfig, counters: Counters | None = None) -> SimulationResult:
    """Seed the (empty, migrated) database at `dsn`, run the night, check the invariants.

    `counters` is updated live (for a progress display). The run ends when the night is over
    and the pipeline drained, or after `config.timeout_seconds`.
    """
    counters = counters or Counters()
    pool_size = config.workers * len(SIMULATED_KINDS) + 2 * config.managers + 6
    async with AsyncExitStack() as stack:
        db = await stack.enter_async_context(await Database.connect(dsn, min_size=2, max_size=pool_size))
        observatory = await seed_observatory(db)
        night = Night(db, config, observatory, counters)
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
            if night.stuck is not None:
                invariants.append(InvariantResult("drains", False, f"stopped waiting: {night.stuck}"))
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
