"""Read-only summaries of the database: counts per state and location, backlog, failures.

Counts per state and copies per location come from counters the writes maintain (state_count,
migration 0023; copy_space, opsdb/reports.py), never a scan of the work or copy tables; backlog
and failed items read partial indexes of the live queues and of the failed items.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from opsdb.db import Connection
from opsdb.queries import query

log = logging.getLogger("opsdb.status")


@dataclass(frozen=True)
class Summary:
    """What `opsdb status` shows."""

    states: list[dict[str, Any]] = field(default_factory=list)
    copies: list[dict[str, Any]] = field(default_factory=list)
    backlog: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


async def fold_states(conn: Connection) -> int:
    """Fold pending state deltas into the state counters (its own transaction); the deltas folded.

    Optional for correctness (the summary adds unfolded deltas itself): it keeps what a
    summary reads as small as the deltas written since the last fold.
    """
    folded = int(await conn.fetchval(query("status_fold_states")))
    if folded:
        log.info("state deltas folded", extra={"count": folded})
    return folded


async def summarize(conn: Connection, *, failed_limit: int = 20) -> Summary:
    """Collect every summary in one repeatable-read snapshot (copy and state counters folded first)."""
    from opsdb.reports import fold

    await fold(conn)
    await fold_states(conn)
    async with conn.transaction():
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        states = await conn.fetch(query("status_counts_by_table_state"))
        copies = await conn.fetch(query("status_copies_by_location"))
        backlog = await conn.fetch(query("status_backlog"))
        failed = await conn.fetch(query("status_failed_items"), failed_limit)
    return Summary(
        states=[dict(r) for r in states],
        copies=[dict(r) for r in copies],
        backlog=[dict(r) for r in backlog],
        failed=[dict(r) for r in failed],
    )
