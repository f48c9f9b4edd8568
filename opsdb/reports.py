"""Operator reports whose cost follows the answer, not history: at-risk data, space, queue health.

Holds the report functions and the queue-health statement rendered per kind of work
(`QUEUES_SQL`); not their SQL text (sql/reports.sql) nor the command line (opsdb/cli/report_cmd.py).

`at_risk` and `space` first fold the copy deltas the writes appended (Rucio-style counters:
copy_space, package_copy_count and `opsdb_fold_copy_deltas` in sql/schema.sql), then read the
counters; `queues` reads the partial indexes that hold exactly each work table's live queue and
failed items. Every report runs in one read-only repeatable-read snapshot after the fold.
`vacuum` reads the catalog, the statistics views and the counters (opsdb/vacuum.py): the vacuum
debt of the bulk and queue tables and of their queue-like partial indexes.
`opsdb_rebuild_copy_counters()` recounts from the copies themselves (after a crash lost
unfolded, unlogged deltas).
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from opsdb.db import Connection
from opsdb.operations import states_of
from opsdb.queries import query
from opsdb.vacuum import STATEMENTS, VacuumReport, assemble
from opsdb.work import KINDS, WorkKind

log = logging.getLogger("opsdb.reports")

FREEABLE = ("deletion_scheduled", "deletion_in_progress", "deletion_possible")
"""Copy statuses whose bytes the deletion rule frees (scheduled, or cleared for deletion)."""


_QUEUED_SINCE: dict[WorkKind, str] = {
    WorkKind.DATA_TRANSFER_UNPACK: "completed_at",  # an unpack queues when its transfer completes
    WorkKind.PHYSICAL_COPY_DELETION: "updated_at",  # a deletion queues when it is scheduled
}
"""The column a queued item's age counts from, where it is not `created_at`."""


def _queue_health(kind: WorkKind) -> str:
    """The template report_queue_of_kind filled with `kind`'s static names from KINDS."""
    spec = KINDS[kind]
    names = {
        "kind": kind.value,
        "table": spec.table,
        "location": spec.location,
        "status": spec.column("status"),
        "lease_until": spec.column("lease_until"),
        "queued": ", ".join(f"'{state}'" for state in states_of(kind, "queued")),
        "running": spec.running,
        "failed": spec.failed,
        "since": _QUEUED_SINCE.get(kind, "created_at"),
        # the unpack queue holds completed transfers only (its claim condition); a deletion's
        # claim condition (never at an archive) is left out, so a copy stuck there still shows
        "live": spec.extra if kind is WorkKind.DATA_TRANSFER_UNPACK else "",
    }
    template = "\n".join(line for line in query("report_queue_of_kind").splitlines() if not line.startswith("--"))
    return re.sub(r"\{([a-z_]+)\}", lambda m: names[m.group(1)], template)


QUEUES_SQL = "\nUNION ALL\n".join(_queue_health(kind) for kind in KINDS)
"""Queue health of every kind of work, per location (one row set for the queue, one for failed items)."""


async def fold(conn: Connection) -> int:
    """Fold pending copy deltas into the counters (its own transaction); the deltas folded."""
    folded = int(await conn.fetchval(query("report_fold")))
    if folded:
        log.info("copy deltas folded", extra={"count": folded})
    return folded


async def rebuild(conn: Connection) -> None:
    """Recount every copy counter from the copies and every state counter from the stateful
    tables (full scans: for repairs only)."""
    await conn.execute("SELECT opsdb_rebuild_copy_counters()")
    await conn.execute("SELECT opsdb_rebuild_state_counters()")


async def _snapshot(
    conn: Connection, *names: str, args: dict[str, tuple[Any, ...]] | None = None
) -> list[list[dict[str, Any]]]:
    await fold(conn)
    out: list[list[dict[str, Any]]] = []
    async with conn.transaction():
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for name in names:
            text = QUEUES_SQL if name == "report_queues" else query(name)
            rows = await conn.fetch(text, *((args or {}).get(name, ())))
            out.append([dict(r) for r in rows])
    return out


@dataclass(frozen=True)
class AtRisk:
    """Packages with at most one verified copy per location, and files not yet packaged."""

    packages: list[dict[str, Any]] = field(default_factory=list)
    """site, location, verified (0 or 1), packages, bytes"""
    files: list[dict[str, Any]] = field(default_factory=list)
    """site, location, files, bytes (unpackaged: only the source copy)"""
    items: list[dict[str, Any]] = field(default_factory=list)
    """the at-risk packages themselves, when asked for"""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


async def at_risk(conn: Connection, *, items: int = 0) -> AtRisk:
    """What the data center would lose with one more failure: per site and location, with bytes."""
    names = ["report_at_risk_packages", "report_at_risk_files"]
    if items:
        names.append("report_at_risk_package_list")
    found = await _snapshot(conn, *names, args={"report_at_risk_package_list": (items,)})
    return AtRisk(found[0], found[1], found[2] if items else [])


@dataclass(frozen=True)
class Space:
    """Copies and bytes per location, copy type and status; what deletion would free now."""

    rows: list[dict[str, Any]]
    locations: list[dict[str, Any]]
    """per location: site, location, location_type, copies, bytes held (present or staged), freeable bytes"""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


async def space(conn: Connection) -> Space:
    """Space per location from the counters."""
    (rows,) = await _snapshot(conn, "report_space")
    per: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        entry = per.setdefault(
            (r["site"], r["location"]),
            {"site": r["site"], "location": r["location"], "location_type": r["location_type"],
             "held_copies": 0, "held_bytes": 0, "freeable_copies": 0, "freeable_bytes": 0},
        )  # fmt: skip
        if r["status"] in ("present", "staged", *FREEABLE):
            entry["held_copies"] += r["copies"]
            entry["held_bytes"] += r["bytes"]
        if r["status"] in FREEABLE:
            entry["freeable_copies"] += r["copies"]
            entry["freeable_bytes"] += r["bytes"]
    return Space(rows, list(per.values()))


async def queues(conn: Connection) -> list[dict[str, Any]]:
    """Per kind and location: queued, running, expired leases, oldest queued age (s), failed."""
    (rows,) = await _snapshot(conn, "report_queues")
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["kind"], r["site"], r["location"])
        entry = merged.setdefault(
            key, {"kind": key[0], "site": key[1], "location": key[2], "queued": 0, "running": 0,
                  "expired_leases": 0, "oldest_seconds": None, "failed": 0},
        )  # fmt: skip
        for name in ("queued", "running", "expired_leases", "failed"):
            entry[name] += int(r[name])
        if r["oldest_seconds"] is not None:
            entry["oldest_seconds"] = max(entry["oldest_seconds"] or 0.0, float(r["oldest_seconds"]))
    return sorted(merged.values(), key=lambda e: (e["kind"], e["site"], e["location"]))


async def vacuum(conn: Connection) -> VacuumReport:
    """Vacuum debt per table of `opsdb.vacuum.TABLES` and per partial index on them (catalog,
    statistics views and counters only: no fold, no count over rows)."""
    async with conn.transaction():
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        found = [[dict(r) for r in await conn.fetch(query(name), *args)] for name, args in STATEMENTS]
    return assemble(*found)
