"""Deleting copies safely: candidates, scheduling, claims, the deleter's last go/no-go (one or a batch).

Not here: the rule and its enforcement, which live in the database (migrations 0016, 0021, 0028;
docs/workflows.md, "What the database guarantees about deletion": every copy that starts or
finishes a deletion is judged under lock, whoever sends the statement), evidence going away
(opsdb/evidence.py), the audit trail (opsdb/history.py), caps and priorities (opsdb/work.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from opsdb.db import Connection, idempotent
from opsdb.errors import ClaimLostError
from opsdb.queries import query
from opsdb.work import Claim, WorkKind, _claim_from_row, complete, complete_many

KIND = WorkKind.PHYSICAL_COPY_DELETION


def _ids(values: Sequence[int] | None) -> list[int] | None:
    return None if values is None else list(values)


async def deletion_candidates(
    conn: Connection, *, locations: Sequence[int] | None = None, limit: int = 1000
) -> list[int]:
    """Ids of copies the safe-deletion rule allows to delete now (package, bundle and staged
    copies first, then file copies of archived packages, from the deletion queue)."""
    rows = await conn.fetch(query("deletion_candidates"), _ids(locations), limit)
    return [r["id"] for r in rows]


async def schedule_deletions(
    conn: Connection, *, locations: Sequence[int] | None = None, limit: int = 1000
) -> list[int]:
    """Move up to `limit` copies the rule allows to deletion_scheduled (one statement); their ids."""

    # a deadlock victim (rare: evidence writers and completions may hold archive copies the
    # statement waits for) is run again outside a transaction (opsdb/retrying.py)
    rows = await conn.fetch(query("deletion_schedule"), _ids(locations), limit, retry=True)
    return [r["id"] for r in rows]


@idempotent  # a claim lost in transit expires with its lease: the statement may run again
async def claim_deletions(
    conn: Connection,
    worker_id: str,
    limit: int = 10,
    lease_seconds: float = 600.0,
    *,
    sites: Sequence[str] | None = None,
    locations: Sequence[int] | None = None,
) -> list[Claim]:
    """Claim scheduled deletions whose copy the safe-deletion rule still allows, in one statement.

    Like `work.claim`: highest priority first (a point is worth five minutes of waiting), and
    never past a cap of table work_cap on the copy's location (`work.set_cap` with kind
    physical_copy_deletion; a claim near a cap returns fewer). The due window is judged
    set-based after locking (FOR SHARE, id order) the archive copies the rule rests on;
    refused copies step aside for a minute, and an expired claim whose copy the rule no
    longer allows becomes deletion_failed (its bytes may be partly gone: an operator checks
    it). Before removing bytes, call `confirm_deletion` (or use `deleting`). A deadlock victim
    or a lost connection is retried (opsdb/retrying.py) outside a transaction.
    """
    if not worker_id:
        raise ValueError("worker_id must not be empty")
    if not limit > 0 or not lease_seconds > 0:
        raise ValueError("limit and lease_seconds must be positive")
    rows = await conn.fetch(
        query("deletion_claim"),
        worker_id,
        limit,
        _ids(locations),
        None if sites is None else list(sites),
        float(lease_seconds),
        retry=True,
    )
    return [_claim_from_row(KIND, r) for r in rows]


def _check_kind(claims: Sequence[Claim]) -> None:
    for claim in claims:
        if claim.kind is not KIND:
            raise ValueError(f"confirm_deletion: a {KIND} claim is needed, got {claim.kind}")


async def confirm_deletion(conn: Connection, claim: Claim) -> bool:
    """The deleter's last go/no-go, right before it removes bytes.

    Locks the claimed copy, then (FOR SHARE, id order) the archive copies the rule rests on,
    the same locks evidence withdrawal takes, and judges the rule on a fresh snapshot. True:
    remove the bytes; inside a transaction the locks hold until it ends, so no withdrawal
    can slip in before the completion (`deleting` does exactly that). False: do not
    remove; the copy went back to the queue (deletion_scheduled, due in a minute).
    ClaimLostError when the claim is no longer the caller's.
    """
    _check_kind([claim])
    verdict: str = await conn.fetchval(query("deletion_confirm"), claim.item_id, claim.token, retry=True)
    if verdict == "lost":
        raise ClaimLostError(
            f"{KIND} {claim.item_id}: claim of {claim.worker_id} ({claim.token}) is no longer held; do not remove"
        )
    return verdict == "go"


@dataclass(frozen=True)
class Confirmed:
    """The verdicts of `confirm_deletions`, each list in the order the claims were given."""

    go: list[Claim] = field(default_factory=list)
    """Remove these bytes (the locks hold until the caller's transaction ends)."""
    refused: list[Claim] = field(default_factory=list)
    """Do not remove: the rule no longer holds; the copy is back in the queue."""
    lost: list[Claim] = field(default_factory=list)
    """Do not remove: the claim is no longer the caller's."""


async def confirm_deletions(conn: Connection, claims: Sequence[Claim]) -> Confirmed:
    """`confirm_deletion` for a batch, in one statement (locks in id order, one judgement)."""
    _check_kind(claims)
    if not claims:
        return Confirmed()
    rows = await conn.fetch(
        query("deletion_confirm_many"), [c.item_id for c in claims], [c.token for c in claims], retry=True
    )
    verdicts = {r["copy_id"]: r["verdict"] for r in rows}
    out = Confirmed()
    for claim in claims:
        getattr(out, verdicts.get(claim.item_id, "lost")).append(claim)
    return out


@asynccontextmanager
async def deleting(conn: Connection, claim: Claim) -> AsyncIterator[bool]:
    """Confirm, remove, complete, in one transaction that holds the rule's locks throughout::

        async with deletion.deleting(conn, claim) as go:
            if go:
                remove_bytes(claim.item)

    `go` False: the rule no longer holds, do not remove (the copy is back in the queue).
    Leaving the block normally after `go` records the copy deleted (the trigger re-checks);
    an exception rolls everything back and the claim stays the caller's (call `work.fail`).
    Evidence withdrawal of the backing waits until this block ends, so a deletion and a
    withdrawal are always ordered one after the other. Keep the removal short.
    """
    async with conn.transaction():
        go = await confirm_deletion(conn, claim)
        yield go
        if go:
            await complete(conn, claim)


@asynccontextmanager
async def deleting_many(conn: Connection, claims: Sequence[Claim]) -> AsyncIterator[Confirmed]:
    """`deleting` for a batch: one confirmation, one completion statement, one transaction::

        async with deletion.deleting_many(conn, claims) as confirmed:
            for claim in confirmed.go:
                remove_bytes(claim.item)

    Leaving the block normally records every `confirmed.go` copy deleted (the trigger
    re-checks them in one set-based judgement); an exception rolls everything back and the
    claims stay the caller's. Withdrawals of the backing wait for the whole block: keep the
    batch's removals short.
    """
    async with conn.transaction():
        confirmed = await confirm_deletions(conn, claims)
        yield confirmed
        if confirmed.go:
            await complete_many(conn, KIND, confirmed.go)
