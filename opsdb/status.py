"""Read-only summaries of the database: counts per state and location, backlog, failures.

Copies per location come from the counters the writes maintain (opsdb/reports.py), never a
scan of the copy table; backlog and failed items read partial indexes of the live queues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opsdb.db import Connection
from opsdb.queries import query


@dataclass(frozen=True)
class Summary:
    """What `opsdb status` shows."""

    states: list[dict[str, Any]] = field(default_factory=list)
    copies: list[dict[str, Any]] = field(default_factory=list)
    backlog: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


async def summarize(conn: Connection, *, failed_limit: int = 20) -> Summary:
    """Collect every summary in one repeatable-read snapshot (copy counters folded first)."""
    from opsdb.reports import fold

    await fold(conn)
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
