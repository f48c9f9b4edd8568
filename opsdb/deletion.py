"""Deleting copies safely: candidates, scheduling, claims, and the deleter's last go/no-go.

The rule and its enforcement live in the database (migrations/0016; docs/workflows.md, "What
the database guarantees about deletion"): every copy that starts or finishes a deletion is
re-judged under lock by a trigger, whoever sends the statement. This module is the fast,
friendly path to the same rule. Evidence that goes away (copies lost or corrupt, a
verification withdrawn): opsdb/evidence.py.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio

from opsdb.db import Connection, idempotent
from opsdb.errors import ClaimLostError, TransientError
from opsdb.queries import query
from opsdb.work import Claim, WorkKind, _claim_from_row, complete

KIND = WorkKind.PHYSICAL_COPY_DELETION

RETRY_ATTEMPTS = 5
"""How often a deletion statement is tried when PostgreSQL aborts it as a deadlock victim."""

_T = TypeVar("_T")


def _ids(values: Sequence[int] | None) -> list[int] | None:
    return None if values is None else list(values)


async def _retrying(conn: Connection, action: Callable[[], Awaitable[_T]]) -> _T:
    """Run `action`, again on a deadlock or serialization failure (rare: evidence writers and
    completions may hold archive copies a claim waits for; docs/workflows.md). Inside a caller's
    transaction nothing is retried: the caller's transaction is already aborted."""
    if conn.in_transaction():
        return await action()
    for attempt in range(1, RETRY_ATTEMPTS + 1):
        try:
            return await action()
        except TransientError:  # DeadlockError, SerializationFailureError
            if attempt == RETRY_ATTEMPTS:
                raise
            await anyio.sleep(random.uniform(0, 0.01 * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


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

    async def run() -> list[int]:
        return [r["id"] for r in await conn.fetch(query("deletion_schedule"), _ids(locations), limit)]

    return await _retrying(conn, run)


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

    The rule is judged set-based on the due window, after locking (FOR SHARE, id order) the
    archive copies it rests on; refused copies step aside for a minute, and an expired claim
    whose copy the rule no longer allows becomes deletion_failed (its bytes may be partly
    gone: an operator checks it). Before removing bytes, call `confirm_deletion` (or use
    `deleting`). A deadlock victim is retried here; after RETRY_ATTEMPTS, DeadlockError (a
    TransientError: trying again later is safe). A lost connection is retried like any claim.
    """
    if not worker_id:
        raise ValueError("worker_id must not be empty")
    if not limit > 0 or not lease_seconds > 0:
        raise ValueError("limit and lease_seconds must be positive")

    async def run() -> list[Claim]:
        rows = await conn.fetch(
            query("deletion_claim"),
            worker_id,
            limit,
            _ids(locations),
            None if sites is None else list(sites),
            float(lease_seconds),
        )
        return [_claim_from_row(KIND, r) for r in rows]

    return await _retrying(conn, run)


async def confirm_deletion(conn: Connection, claim: Claim) -> bool:
    """The deleter's last go/no-go, right before it removes bytes.

    Locks the claimed copy, then (FOR SHARE, id order) the archive copies the rule rests on,
    the same locks evidence withdrawal takes, and judges the rule on a fresh snapshot. True:
    remove the bytes; inside a transaction the locks hold until it ends, so no withdrawal
    can slip in before the completion (`deleting` does exactly that). False: do not
    remove; the copy went back to the queue (deletion_scheduled, due in a minute).
    ClaimLostError when the claim is no longer the caller's.
    """
    if claim.kind is not KIND:
        raise ValueError(f"confirm_deletion: a {KIND} claim is needed, got {claim.kind}")

    async def run() -> str:
        verdict: str = await conn.fetchval(query("deletion_confirm"), claim.item_id, claim.token)
        return verdict

    verdict = await _retrying(conn, run)
    if verdict == "lost":
        raise ClaimLostError(
            f"{KIND} {claim.item_id}: claim of {claim.worker_id} ({claim.token}) is no longer held; do not remove"
        )
    return verdict == "go"


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
