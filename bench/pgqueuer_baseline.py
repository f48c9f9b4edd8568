"""PgQueuer as the claims benchmark's same-run baseline (`bench.claims --pgqueuer`).

Enqueue `items` jobs in one batch, then drain them with `workers` PgQueuer queue managers
(one asyncpg connection each, `batch_size` jobs per dequeue, `QueueExecutionMode.drain`),
on the same server and database as opsdb's run. The job does nothing; PgQueuer acknowledges
completions in background batches and does not fence them with a claim token (a worker whose
lease was taken over can still acknowledge). Counts duplicates (a job run twice) and lost
jobs (enqueued, never run) like opsdb's run.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import anyio
import asyncpg

ENTRYPOINT = "bench"


async def install(dsn: str) -> None:
    """Create PgQueuer's tables in the benchmark database (once)."""
    from pgqueuer.queries import Queries

    conn = await asyncpg.connect(dsn)
    try:
        installed = await conn.fetchval("SELECT to_regclass('pgqueuer') IS NOT NULL")
        if not installed:
            await Queries.from_asyncpg_connection(conn).install()
    finally:
        await conn.close()


async def run(dsn: str, items: int, workers: int, batch: int) -> dict[str, Any]:
    """Enqueue and drain `items` jobs with `workers` queue managers; items/s and exactly-once counts."""
    from pgqueuer.models import Job
    from pgqueuer.qm import QueueManager
    from pgqueuer.queries import Queries
    from pgqueuer.types import QueueExecutionMode

    setup = await asyncpg.connect(dsn)
    try:
        await Queries.from_asyncpg_connection(setup).enqueue([ENTRYPOINT] * items, [None] * items, [0] * items)
        await setup.execute("VACUUM ANALYZE pgqueuer")
    finally:
        await setup.close()
    ran: list[int] = []
    conns = [await asyncpg.connect(dsn) for _ in range(workers)]
    managers = []
    for conn in conns:
        manager = QueueManager(Queries.from_asyncpg_connection(conn))

        @manager.entrypoint(ENTRYPOINT)
        async def job(job: Job) -> None:
            ran.append(int(job.id))

        managers.append(manager)
    start = time.perf_counter()
    try:
        async with anyio.create_task_group() as tg:
            for manager in managers:
                tg.start_soon(
                    lambda m=manager: m.run(
                        batch_size=batch,
                        mode=QueueExecutionMode.drain,
                        dequeue_timeout=timedelta(milliseconds=100),
                        log_aggregation_interval=timedelta(0),
                    )
                )
        elapsed = time.perf_counter() - start
        left = await conns[0].fetchval("SELECT count(*) FROM pgqueuer WHERE entrypoint = $1", ENTRYPOINT)
    finally:
        for conn in conns:
            await conn.close()
    counts = Counter(ran)
    return {
        "items": items,
        "completed": len(counts),
        "duplicates": sum(v - 1 for v in counts.values()),
        "left_in_queue": left,
        "seconds": elapsed,
        "per_second": len(counts) / elapsed,
    }
