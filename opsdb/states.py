"""The allowed state transitions of every state machine, checked before any guarded UPDATE.

Pure data and one check; the guarded UPDATEs themselves live in opsdb/work.py and
opsdb/pipeline.py (their WHERE clause names the expected current state). The database holds
the same table (`state_transition` in sql/schema.sql) and its `<table>_state_updated` triggers refuse any other
transition whoever sends the statement; tests/test_state_machines_db.py checks that both
agree. Diagrams: docs/workflows.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from opsdb.errors import InvalidTransitionError
from opsdb.schemas.enums import ExecutionStatus, PackageState, PhysicalCopyStatus, Status


class Machine(StrEnum):
    """The state machines of the domain."""

    STATUS = "status"
    """A job's progress: package and bundle builds, transfers, archive transfers, staging."""
    UNPACK = "unpack"
    """A data transfer's unpack step at the destination (same values as Status)."""
    PACKAGE_BUILD = "package_build"
    """A raw data package's build: a job that may also be finished without a claim."""
    PACKAGE_STATE = "package_state"
    """A raw data package's journey."""
    PHYSICAL_COPY_STATUS = "physical_copy_status"
    """A physical copy's life, deletion and lost or corrupt evidence included."""
    EXECUTION_STATUS = "execution_status"
    """An executed obs unit's status."""


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

# a package built by its instrument is recorded finished directly
# (PackageRepository.finalize_package), without the claim protocol
_PACKAGE_BUILD: dict[str, frozenset[str]] = {
    state: targets | ({_S.COMPLETED} if state in (_S.PENDING, _S.SCHEDULED) else frozenset())
    for state, targets in _JOB.items()
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
# every state that still holds bytes may turn out lost or corrupt
_GONE = frozenset({_C.LOST, _C.CORRUPT})
_COPY: dict[str, frozenset[str]] = {
    _C.PRESENT: frozenset({_C.STAGED, _C.DELETION_SCHEDULED, _C.DELETION_POSSIBLE}) | _GONE,
    _C.STAGED: frozenset({_C.PRESENT, _C.DELETION_SCHEDULED, _C.DELETION_POSSIBLE}) | _GONE,
    # a file copy whose package copy at the same location was deleted; staging writes it again
    _C.DELETION_POSSIBLE: frozenset({_C.PRESENT, _C.STAGED, _C.DELETION_SCHEDULED}) | _GONE,
    # scheduled -> present: an operator cancels the deletion; -> failed: claimed with no attempts left
    _C.DELETION_SCHEDULED: frozenset({_C.PRESENT, _C.DELETION_IN_PROGRESS, _C.DELETION_FAILED}) | _GONE,
    # -> scheduled: failed with attempts left; -> in_progress: lease takeover; -> lost: the
    # bytes vanished before the deleter finished (never corrupt: it is being removed)
    _C.DELETION_IN_PROGRESS: frozenset(
        {_C.DELETION_IN_PROGRESS, _C.DELETED, _C.DELETION_SCHEDULED, _C.DELETION_FAILED, _C.LOST}
    ),
    # a deleted copy is history, except where staging writes the bytes there again
    _C.DELETED: frozenset({_C.STAGED}),
    # an operator's reset; staging writes the bytes again
    _C.DELETION_FAILED: frozenset({_C.DELETION_SCHEDULED, _C.PRESENT, _C.STAGED}) | _GONE,
    # a corrupt copy is removed (deletion) or found missing altogether
    _C.CORRUPT: frozenset({_C.DELETION_SCHEDULED, _C.LOST}),
    _C.LOST: frozenset(),
}

_E = ExecutionStatus
_EXECUTION: dict[str, frozenset[str]] = {
    _E.RUNNING: frozenset({_E.COMPLETED, _E.FAILED, _E.ABORTED}),
    _E.COMPLETED: frozenset(),
    _E.FAILED: frozenset(),
    _E.ABORTED: frozenset(),
}

TRANSITIONS: Mapping[Machine, Mapping[str, frozenset[str]]] = {
    Machine.STATUS: _JOB,
    Machine.UNPACK: _JOB,
    Machine.PACKAGE_BUILD: _PACKAGE_BUILD,
    Machine.PACKAGE_STATE: _PACKAGE,
    Machine.PHYSICAL_COPY_STATUS: _COPY,
    Machine.EXECUTION_STATUS: _EXECUTION,
}
"""Machine -> current state -> the states it may move to."""

INITIAL: Mapping[Machine, frozenset[str]] = {
    Machine.STATUS: frozenset({_S.PENDING}),
    Machine.UNPACK: frozenset({_S.PENDING}),
    Machine.PACKAGE_BUILD: frozenset({_S.PENDING}),
    Machine.PACKAGE_STATE: frozenset({_P.WAITING}),
    Machine.PHYSICAL_COPY_STATUS: frozenset({_C.PRESENT, _C.STAGED}),
    Machine.EXECUTION_STATUS: frozenset({_E.RUNNING}),
}
"""Machine -> the states a new row may start in (the table owner may load any state)."""

MACHINE_COLUMNS: Mapping[tuple[str, str], Machine] = {
    ("physical_copy", "status"): Machine.PHYSICAL_COPY_STATUS,
    ("raw_data_package", "status"): Machine.PACKAGE_BUILD,
    ("raw_data_package", "state"): Machine.PACKAGE_STATE,
    ("data_transfer_package", "status"): Machine.STATUS,
    ("data_transfer", "status"): Machine.STATUS,
    ("data_transfer", "unpack_status"): Machine.UNPACK,
    ("long_term_archive_transfer", "status"): Machine.STATUS,
    ("staging_job", "status"): Machine.STATUS,
    ("executed_obs_unit", "status"): Machine.EXECUTION_STATUS,
}
"""(table, column) -> the machine its values follow; the database's triggers guard each."""


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
