"""The allowed state transitions of every state machine, checked before any guarded UPDATE.

Pure data and one check; the guarded UPDATEs themselves live in opsdb/work.py and
opsdb/pipeline.py (their WHERE clause names the expected current state). Diagrams:
docs/workflows.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from opsdb.errors import InvalidTransitionError
from opsdb.schemas.enums import PackageState, PhysicalCopyStatus, Status


class Machine(StrEnum):
    """The state machines of the domain."""

    STATUS = "status"
    """A job's progress: package and bundle builds, transfers, archive transfers, staging."""
    UNPACK = "unpack"
    """A data transfer's unpack step at the destination (same values as Status)."""
    PACKAGE_STATE = "package_state"
    """A raw data package's journey."""
    PHYSICAL_COPY_STATUS = "physical_copy_status"
    """A physical copy's life, deletion included."""


_S = Status
_JOB: dict[str, frozenset[str]] = {
    # created; a manager may mark it scheduled; a claim starts it; an operator may cancel it
    _S.PENDING: frozenset({_S.SCHEDULED, _S.IN_PROGRESS, _S.FAILED}),
    _S.SCHEDULED: frozenset({_S.PENDING, _S.IN_PROGRESS, _S.FAILED}),
    # in_progress -> in_progress: another worker takes over an expired lease
    # in_progress -> pending: failed with attempts left (retry after backoff)
    _S.IN_PROGRESS: frozenset({_S.IN_PROGRESS, _S.COMPLETED, _S.PENDING, _S.FAILED}),
    _S.COMPLETED: frozenset(),
    # an operator's reset
    _S.FAILED: frozenset({_S.PENDING}),
}

_P = PackageState
_PACKAGE: dict[str, frozenset[str]] = {
    # bundled into a transfer package; or archived at its own site without a long-distance hop
    _P.WAITING: frozenset({_P.TRANSFERRING, _P.ARCHIVED, _P.FAILED}),
    # back to waiting when its bundle is dissolved; archived when a long-term archive holds it
    _P.TRANSFERRING: frozenset({_P.WAITING, _P.ARCHIVED, _P.FAILED}),
    # archived at a second archive site: stays archived
    _P.ARCHIVED: frozenset({_P.ARCHIVED}),
    _P.FAILED: frozenset({_P.WAITING}),
}

_C = PhysicalCopyStatus
_COPY: dict[str, frozenset[str]] = {
    _C.PRESENT: frozenset({_C.STAGED, _C.DELETION_SCHEDULED, _C.DELETION_POSSIBLE}),
    _C.STAGED: frozenset({_C.PRESENT, _C.DELETION_SCHEDULED, _C.DELETION_POSSIBLE}),
    # a file copy whose package copy at the same location was deleted
    _C.DELETION_POSSIBLE: frozenset({_C.PRESENT, _C.DELETION_SCHEDULED}),
    # scheduled -> present: an operator cancels the deletion
    _C.DELETION_SCHEDULED: frozenset({_C.PRESENT, _C.DELETION_IN_PROGRESS}),
    # -> scheduled: failed with attempts left; -> in_progress: lease takeover
    _C.DELETION_IN_PROGRESS: frozenset(
        {_C.DELETION_IN_PROGRESS, _C.DELETED, _C.DELETION_SCHEDULED, _C.DELETION_FAILED}
    ),
    _C.DELETED: frozenset(),
    # an operator's reset
    _C.DELETION_FAILED: frozenset({_C.DELETION_SCHEDULED, _C.PRESENT}),
}

TRANSITIONS: Mapping[Machine, Mapping[str, frozenset[str]]] = {
    Machine.STATUS: _JOB,
    Machine.UNPACK: _JOB,
    Machine.PACKAGE_STATE: _PACKAGE,
    Machine.PHYSICAL_COPY_STATUS: _COPY,
}
"""Machine -> current state -> the states it may move to."""


def allowed(machine: Machine, current: str, target: str) -> bool:
    """Whether `machine` allows `current` -> `target`."""
    states = TRANSITIONS[machine]
    return target in states.get(current, frozenset())


def check_transition(machine: Machine, item: str, current: str | None, target: str) -> None:
    """Raise InvalidTransitionError naming `item` and current -> target unless allowed.

    `current` None means the item was not found in any state the caller expected.
    """
    states = TRANSITIONS[machine]
    if target not in states:
        raise ValueError(f"{machine}: unknown state {target!r}")
    if current is None or not allowed(machine, current, target):
        raise InvalidTransitionError(item, current, target)
