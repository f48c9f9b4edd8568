"""Operator operations on work items: list, show, retry, reset, cancel; each change recorded.

Every change is one guarded UPDATE (its WHERE names the states it may leave, following
opsdb.states) in a transaction together with an `operator_action` row naming the actor,
the transition and the reason. An item in another state is refused with
InvalidTransitionError naming it and its current state; nothing is written then.

- retry: a failed item back to pending with fresh attempts; a pending one waiting for its
  backoff, due now.
- reset: an item whose worker's lease ran out back to pending, due now (the worker's late
  completion is refused: its claim token is gone).
- cancel: a job that is not running (or whose lease ran out) fails for good with the reason
  as its last error; a copy's scheduled or failed deletion is withdrawn (the copy is present).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from opsdb.db import Connection
from opsdb.errors import InvalidTransitionError
from opsdb.queries import args, query
from opsdb.work import KINDS, WorkKind, get, kind_sql

log = logging.getLogger("opsdb.operations")

Action = Literal["retry", "reset", "cancel"]
State = Literal["queued", "running", "failed", "done", "expired"]


def states_of(kind: WorkKind, state: State) -> list[str]:
    """The column values of a kind that a generic state means."""
    spec = KINDS[kind]
    if state == "queued":
        return [spec.pending] + (["scheduled"] if kind != WorkKind.PHYSICAL_COPY_DELETION else [])
    return {"running": [spec.running], "expired": [spec.running], "failed": [spec.failed], "done": [spec.done]}[state]


async def list_work(
    conn: Connection,
    kind: WorkKind,
    *,
    states: list[State],
    site: str | None = None,
    location_id: int | None = None,
    older_than_seconds: float | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Work items of `kind` in `states` (generic names), filtered; id order, keyset-paged."""
    values = sorted({v for s in states for v in states_of(kind, s)})
    rows = await conn.fetch(
        kind_sql("ops_list_work", kind),
        *args(
            "ops_list_work",
            states=values,
            expired_only=states == ["expired"],
            site=site,
            location_id=location_id,
            older_than_seconds=older_than_seconds,
            after_id=after_id,
            limit=limit,
        ),
    )
    return [{"kind": kind.value, **dict(r)} for r in rows]


@dataclass(frozen=True)
class ActionResult:
    """One operator action as recorded."""

    action_id: int
    at: datetime
    kind: WorkKind
    item_id: int
    from_status: str
    to_status: str


async def act(
    conn: Connection, action: Action, kind: WorkKind, item_id: int, *, actor: str, reason: str
) -> ActionResult:
    """Apply one guarded operator action and record it, in one transaction."""
    if not actor.strip() or not reason.strip():
        raise ValueError("an operator action needs an actor and a reason")
    spec = KINDS[kind]
    if action == "cancel":
        name = "ops_cancel_deletion" if kind == WorkKind.PHYSICAL_COPY_DELETION else "ops_cancel_job"
    else:
        name = f"ops_{action}"
    text = query(name) if name == "ops_cancel_deletion" else kind_sql(name, kind)
    item_args: tuple[Any, ...] = (
        (item_id, f"cancelled by {actor}: {reason}"[:4000]) if name == "ops_cancel_job" else (item_id,)
    )
    async with conn.transaction():
        row = await conn.fetchrow(text, *item_args)
        if row is None:
            current = await get(conn, kind, item_id)  # NotFoundError when absent
            raise InvalidTransitionError(
                f"{spec.table} {item_id} ({kind}): cannot {action}", current.status, _target(kind, action)
            )
        recorded = await conn.fetchrow(
            query("ops_record_action"),
            *args(
                "ops_record_action",
                actor=actor,
                action=action,
                kind=kind,
                item_id=item_id,
                from_status=row["old_status"],
                to_status=row["status"],
                reason=reason,
            ),
        )
    assert recorded is not None
    log.info(
        "operator %s", action,
        extra={"kind": kind.value, "item": item_id, "actor": actor, "reason": reason},
    )  # fmt: skip
    return ActionResult(recorded["id"], recorded["at"], kind, item_id, row["old_status"], row["status"])


def _target(kind: WorkKind, action: Action) -> str:
    spec = KINDS[kind]
    if action == "cancel":
        return "present" if kind == WorkKind.PHYSICAL_COPY_DELETION else spec.failed
    return spec.pending


async def actions_of(conn: Connection, kind: WorkKind, item_id: int) -> list[dict[str, Any]]:
    """Operator actions recorded on one item, oldest first."""
    return [dict(r) for r in await conn.fetch(query("ops_actions_of_item"), kind.value, item_id)]
