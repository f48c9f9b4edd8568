"""Evidence going away: a copy lost, a copy corrupt, a checksum verification withdrawn (not deletions).

Each is one guarded statement (it checks the copy's current state), recorded in the audit
trail (state_history: the status triggers of migration 0015; a withdrawn verification by
its own row, migration 0016), and ordered against deletions: it locks the copy it changes,
so it waits for a deleter holding that copy as backing (claim, `deletion.confirm_deletion`,
`deletion.deleting`) and such a deleter, coming later, waits for it and sees it. A deletion
and a withdrawal of its backing therefore never overlap: whichever goes first, the other
sees it (docs/workflows.md, "What the database guarantees about deletion").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from opsdb.db import Connection
from opsdb.errors import InvalidTransitionError, NotFoundError
from opsdb.queries import query
from opsdb.schemas.enums import PhysicalCopyStatus
from opsdb.states import TRANSITIONS, Machine

_C = PhysicalCopyStatus


@dataclass(frozen=True)
class EvidenceChange:
    """What an evidence operation changed."""

    copy_id: int
    previous: str
    """The copy's status before (lost, corrupt), or its verification time (withdrawn)."""
    at: datetime
    """When the change held the copy's lock (after any deleter holding it had finished)."""


def _from_states(target: PhysicalCopyStatus) -> list[str]:
    machine = TRANSITIONS[Machine.PHYSICAL_COPY_STATUS]
    return sorted(state for state, targets in machine.items() if target in targets)


async def _mark(conn: Connection, copy_id: int, target: PhysicalCopyStatus) -> EvidenceChange:
    row = await conn.fetchrow(query("evidence_mark_copy"), copy_id, target.value, _from_states(target))
    if row is None:
        current = await conn.fetchrow(query("evidence_copy_state"), copy_id)
        if current is None:
            raise NotFoundError("physical_copy", copy_id)
        raise InvalidTransitionError(f"physical_copy {copy_id}", current["status"], target)
    return EvidenceChange(copy_id, row["previous"], row["at"])


async def mark_lost(conn: Connection, copy_id: int) -> EvidenceChange:
    """The copy's bytes are gone (disk failure, tape lost, removed outside opsdb).

    Allowed from every state that held bytes, also while a deletion is in progress (the
    deleter's completion is then refused). Its verification no longer counts.
    InvalidTransitionError from deleted or lost; NotFoundError for an unknown copy.
    """
    return await _mark(conn, copy_id, _C.LOST)


async def mark_corrupt(conn: Connection, copy_id: int) -> EvidenceChange:
    """The copy's bytes fail their checksum. Its verification is withdrawn with it; the copy may
    then be scheduled for deletion (corrupt -> deletion_scheduled) or found lost.
    InvalidTransitionError from states that allow no corrupt (e.g. deletion_in_progress)."""
    return await _mark(conn, copy_id, _C.CORRUPT)


async def withdraw_verification(conn: Connection, copy_id: int) -> EvidenceChange:
    """The copy's checksum verification no longer holds (checksum_verified_at back to NULL).

    The copy stays where it is in its life; it no longer backs any deletion until verified
    again. Recorded in state_history as checksum_verified_at: verified -> unverified.
    InvalidTransitionError when the copy is not verified; NotFoundError for an unknown copy.
    """
    row = await conn.fetchrow(query("evidence_withdraw_verification"), copy_id)
    if row is None:
        current = await conn.fetchrow(query("evidence_copy_state"), copy_id)
        if current is None:
            raise NotFoundError("physical_copy", copy_id)
        raise InvalidTransitionError(f"physical_copy {copy_id} checksum verification", "unverified", "unverified")
    return EvidenceChange(copy_id, row["previous"].isoformat(), row["at"])
