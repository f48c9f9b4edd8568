"""The lease keeper: renews claims in the background while their work runs, and stops that work when a claim is lost.

    async with lease.keep(db.connection, claim, lease_seconds=600) as kept:
        await transfer(kept.claim)                    # cancelled at once if the claim is lost
        await work.complete(conn, kept.claim, verified=True)

A daemon holding many claims shares one `LeaseKeeper`: each round renews every kept claim of
a kind in one statement. The protocol itself (claim, renew, complete) is opsdb/work.py; the
rules are in docs/workflows.md ("Priorities, caps and the lease keeper").
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import anyio
import asyncpg
from anyio.abc import TaskGroup

from opsdb.db import Connection
from opsdb.errors import ClaimLostError, OpsdbError
from opsdb.work import KINDS, Claim, ClaimsLostError, WorkKind, kind_sql, renew

log = logging.getLogger("opsdb.lease")

ConnectionFactory = Callable[[], AbstractAsyncContextManager[Connection]]
"""Where renewals get a connection, e.g. `db.connection` (one per round, back to the pool after)."""

_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OpsdbError,
)


@dataclass(eq=False)
class Kept:
    """Claims kept alive for the body of one `keep` block."""

    claims: list[Claim]
    """The current claims (their `lease_until` follows each renewal)."""
    deadline: float
    """Loop time (anyio.current_time) before which the last renewal's lease surely runs."""
    lost: str | None = None
    """Why the claims were given up (None while held)."""
    lapsed: bool = False
    """True once the process stalled, or renewals failed, past the lease: the claims were open to takeover."""
    renewals: int = 0
    _scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)

    @property
    def claim(self) -> Claim:
        """The claim when one was kept."""
        return self.claims[0]


class LeaseKeeper:
    """Renews the leases of every kept claim every `lease_seconds * renew_fraction` seconds.

    On refusal (the claim was taken over, or the item was reset) the body holding that claim
    is cancelled at once and its `keep` block raises ClaimLostError. When renewals fail (the
    connection died, the database is unreachable) they are retried every `retry_seconds`; if
    none succeeds before the last lease runs out (less a safety margin of `lease_seconds *
    safety_fraction`), the body is cancelled too. A stall of the whole process (a blocked
    event loop) longer than the lease is noticed (`stalls`), and the next renewal decides:
    the token, not the clock, says whether another worker took the item meanwhile.
    """

    def __init__(
        self,
        connect: ConnectionFactory,
        *,
        lease_seconds: float = 300.0,
        renew_fraction: float = 1 / 3,
        retry_seconds: float | None = None,
        safety_fraction: float = 0.1,
    ) -> None:
        if not lease_seconds > 0:
            raise ValueError(f"lease_seconds must be positive, got {lease_seconds!r}")
        if not 0 < renew_fraction <= 0.5:
            raise ValueError(f"renew_fraction must be in (0, 0.5], got {renew_fraction!r}")
        self._connect = connect
        self.lease_seconds = float(lease_seconds)
        self.interval = self.lease_seconds * renew_fraction
        self.retry_seconds = retry_seconds if retry_seconds is not None else min(1.0, self.interval / 4)
        self.margin = self.lease_seconds * safety_fraction
        self.stalls: list[float] = []
        """Seconds the event loop was blocked beyond a renewal's due time, per noticed stall."""
        self.statements = 0
        """Renewal statements sent (one per kind and round, whatever the number of claims)."""
        self._kept: list[Kept] = []
        self._wake = anyio.Event()
        self._tg: TaskGroup | None = None

    async def __aenter__(self) -> Self:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._run)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        tg, self._tg = self._tg, None
        if tg is not None:
            tg.cancel_scope.cancel()
            # the renewal task never raises: the body's own exception passes on unwrapped
            await tg.__aexit__(None, None, None)

    @asynccontextmanager
    async def keep(self, *claims: Claim) -> AsyncIterator[Kept]:
        """Keep `claims` renewed while the block runs; ClaimLostError when one is lost (body cancelled).

        The first renewal happens here, so a claim already lost raises before the body starts.
        """
        if self._tg is None:
            raise RuntimeError("LeaseKeeper.keep needs `async with LeaseKeeper(...)` around it")
        if not claims:
            raise ValueError("keep: no claims")
        held = {(c.kind, c.item_id) for k in self._kept for c in k.claims}
        if len({(c.kind, c.item_id) for c in claims} | held) != len(claims) + len(held):
            raise ValueError("keep: each item at most once (already kept, or twice in one call)")
        kept = Kept(list(claims), anyio.current_time() + self.lease_seconds)
        await self._renew([kept])
        if kept.lost:
            raise ClaimLostError(kept.lost)
        self._kept.append(kept)
        self._wake.set()
        try:
            with kept._scope:
                yield kept
        finally:
            self._kept.remove(kept)
        if kept.lost and kept._scope.cancelled_caught:
            raise ClaimLostError(kept.lost)

    async def _run(self) -> None:
        """Renew every kept claim each interval; retry sooner after a failed round."""
        due = anyio.current_time() + self.interval
        while True:
            with anyio.move_on_after(max(0.0, due - anyio.current_time())):
                await self._wake.wait()
            self._wake = anyio.Event()
            now = anyio.current_time()
            if now < due:
                continue  # woken for a new block: its claims were just renewed
            late = now - due
            if late > max(1.0, self.interval):
                self.stalls.append(late)
                log.warning("lease keeper: the process stalled %.1f s (lease %.1f s)", late, self.lease_seconds)
            for kept in self._kept:
                if now >= kept.deadline:
                    kept.lapsed = True
            try:
                ok = await self._renew(list(self._kept))
            except Exception as exc:  # a bug must not leave work running unprotected
                log.exception("lease keeper failed")
                for kept in self._kept:
                    self._give_up(kept, f"lease keeper failed: {type(exc).__name__}: {exc}")
                ok = True
            due = anyio.current_time() + (self.interval if ok else self.retry_seconds)

    async def _renew(self, batch: Sequence[Kept]) -> bool:
        """One round: one renewal statement per kind; False when the database could not be reached."""
        live = [k for k in batch if k.lost is None]
        if not live:
            return True
        sent = anyio.current_time()
        try:
            with anyio.fail_after(max(self.retry_seconds, self.interval)):
                async with self._connect() as conn:
                    try:
                        for kind in dict.fromkeys(c.kind for k in live for c in k.claims):
                            await self._renew_kind(conn, kind, live, sent)
                    except BaseException:
                        conn.raw.terminate()  # whatever state it is in, the pool opens a fresh one next time
                        raise
        except _UNREACHABLE as exc:
            log.warning("lease keeper: renewal failed (%s: %s); retrying", type(exc).__name__, exc)
            for kept in live:
                if anyio.current_time() >= kept.deadline - self.margin:
                    kept.lapsed = True
                    self._give_up(kept, f"lease could not be renewed before it ran out ({type(exc).__name__}: {exc})")
            return False
        return True

    async def _renew_kind(self, conn: Connection, kind: WorkKind, live: Sequence[Kept], sent: float) -> None:
        holders = {c.item_id: k for k in live for c in k.claims if c.kind is kind}
        claims = [c for k in live for c in k.claims if c.kind is kind]
        self.statements += 1
        try:
            renewed = await renew(conn, kind, claims, self.lease_seconds)
            lost: list[Claim] = []
        except ClaimsLostError as exc:
            renewed, lost = exc.renewed, exc.lost
        fresh = {c.item_id: c for c in renewed}
        for kept in {id(k): k for k in holders.values()}.values():
            kept.claims = [fresh.get(c.item_id, c) if c.kind is kind else c for c in kept.claims]
            kept.renewals += 1
            if any(c.item_id in fresh for c in kept.claims if c.kind is kind):
                kept.deadline = sent + self.lease_seconds
        for claim in lost:
            reason = await _why_lost(conn, claim)
            if reason is not None:
                self._give_up(holders[claim.item_id], reason)

    def _give_up(self, kept: Kept, reason: str) -> None:
        if kept.lost is None:
            kept.lost = reason
            log.warning("lease keeper: %s; cancelling its work", reason)
            kept._scope.cancel()


async def _why_lost(conn: Connection, claim: Claim) -> str | None:
    """Why a renewal was refused; None when the claim's own worker finished the item meanwhile."""
    spec = KINDS[claim.kind]
    row = await conn.fetchrow(kind_sql("work_get", claim.kind), claim.item_id)
    if row is None:
        return f"{claim.kind} {claim.item_id}: the item no longer exists"
    status, token, holder = row[spec.column("status")], row[spec.column("claim_token")], row[spec.column("claimed_by")]
    if token == claim.token and status == spec.done:
        return None  # completed under this very claim (a completion raced the renewal)
    if token is None and holder == claim.worker_id and status in (spec.pending, spec.failed):
        return None  # failed by its worker (a failure raced the renewal)
    return f"{claim.kind} {claim.item_id}: claim of {claim.worker_id} lost: now {status}, claimed by {holder}"


@asynccontextmanager
async def keep(
    connect: ConnectionFactory,
    *claims: Claim,
    lease_seconds: float = 300.0,
    renew_fraction: float = 1 / 3,
    retry_seconds: float | None = None,
) -> AsyncIterator[Kept]:
    """Keep `claims` alive while the block runs, with a keeper of their own (see LeaseKeeper)."""
    async with (
        LeaseKeeper(
            connect, lease_seconds=lease_seconds, renew_fraction=renew_fraction, retry_seconds=retry_seconds
        ) as keeper,
        keeper.keep(*claims) as kept,
    ):
        yield kept


__all__ = ["ConnectionFactory", "Kept", "LeaseKeeper", "keep"]
