"""The exception family callers see; raw driver errors never leave opsdb.

`translate` maps asyncpg's PostgreSQL errors onto it, naming the constraint or key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg


class OpsdbError(Exception):
    """Base of every error opsdb raises on purpose."""


class DatabaseUnavailableError(OpsdbError):
    """The database could not be reached (the message never shows a password)."""


class NotFoundError(OpsdbError):
    """No row with that id or natural key."""

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} not found: {key}")
        self.entity = entity
        self.key = key


class ConflictError(OpsdbError):
    """A unique key already holds another row (names the constraint and the key)."""

    def __init__(self, message: str, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class InvalidReferenceError(OpsdbError):
    """A foreign key points at nothing, or a referenced row is still in use."""

    def __init__(self, message: str, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class CheckViolationError(OpsdbError):
    """A CHECK or NOT NULL constraint refused a value (names the constraint or column)."""

    def __init__(self, message: str, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class PrivilegeError(OpsdbError):
    """The database role in use may not do this (least-privilege roles: docs/security.md)."""


class InvalidTransitionError(OpsdbError):
    """A state change not allowed from the item's current state."""

    def __init__(self, item: str, current: str | None, target: str) -> None:
        super().__init__(f"{item}: transition {current} -> {target} is not allowed")
        self.item = item
        self.current = current
        self.target = target


class DeletionRefusedError(InvalidTransitionError):
    """The database refused to start or finish a deletion: the safe-deletion rule does not hold
    (or the copy is being deleted and cannot change otherwise). Do not remove its bytes."""

    def __init__(self, message: str) -> None:
        OpsdbError.__init__(self, message)
        self.item = message.split(":", 1)[0]
        self.current = None
        self.target = "deleted"


class TransientConflictError(OpsdbError):
    """PostgreSQL aborted the statement as a deadlock victim or serialization failure, and the
    retries inside opsdb did not get it through; trying again later is safe."""


class ClaimLostError(OpsdbError):
    """The caller's claim on a work item expired and was taken, or never existed."""


@dataclass(frozen=True)
class FieldProblem:
    """One bad field of one input record."""

    position: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"record {self.position}: {self.field}: {self.message}"


class InputValidationError(OpsdbError):
    """Input failed validation; a write that raises it has written nothing of its batch."""

    def __init__(self, problems: Sequence[FieldProblem], *, limit: int = 20) -> None:
        self.problems = list(problems)
        shown = "\n  ".join(str(p) for p in self.problems[:limit])
        more = len(self.problems) - limit
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} invalid field(s):\n  {shown}{tail}")


# PostgreSQL 18 reports ON DELETE RESTRICT as restrict_violation (23001); 15 as a FK violation.
_RESTRICT_VIOLATION: type[Exception] = getattr(asyncpg, "RestrictViolationError", asyncpg.ForeignKeyViolationError)


# raised by the database's state-machine guards (migration 0015), DETAIL = the item as JSON
INVALID_TRANSITION_SQLSTATE = "OPS01"


def _invalid_transition(exc: asyncpg.PostgresError) -> InvalidTransitionError:
    try:
        detail = json.loads(getattr(exc, "detail", None) or "{}")
        return InvalidTransitionError(str(detail["item"]), detail["from"], str(detail["to"]))
    except (ValueError, KeyError, TypeError):
        return InvalidTransitionError(str(exc.args[0] if exc.args else exc), None, "?")


def translate(exc: asyncpg.PostgresError) -> OpsdbError | None:
    """Map a PostgreSQL error onto the opsdb family; None if it has no mapping."""
    if getattr(exc, "sqlstate", None) == INVALID_TRANSITION_SQLSTATE:
        return _invalid_transition(exc)
    constraint = getattr(exc, "constraint_name", None)
    table = getattr(exc, "table_name", None)
    detail = getattr(exc, "detail", None) or ""
    where = f" on {table}" if table else ""
    if getattr(exc, "sqlstate", None) == "OP001":  # the deletion guard (migrations/0016)
        return DeletionRefusedError(str(exc.args[0]) if exc.args else str(exc))
    if isinstance(exc, asyncpg.UniqueViolationError):
        return ConflictError(f"already exists{where} ({constraint}): {detail}".rstrip(": "), constraint)
    if isinstance(exc, asyncpg.ForeignKeyViolationError | _RESTRICT_VIOLATION):
        return InvalidReferenceError(f"invalid reference{where} ({constraint}): {detail}".rstrip(": "), constraint)
    if isinstance(exc, asyncpg.CheckViolationError):
        return CheckViolationError(f"check violation{where}: {constraint}", constraint)
    if isinstance(exc, asyncpg.NotNullViolationError):
        column = getattr(exc, "column_name", None)
        return CheckViolationError(f"missing value{where}: {column} may not be null", column)
    if isinstance(exc, asyncpg.ExclusionViolationError):
        return ConflictError(f"conflict{where} ({constraint}): {detail}".rstrip(": "), constraint)
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return PrivilegeError(f"permission denied: {exc.args[0] if exc.args else exc}")
    if isinstance(exc, asyncpg.ProgramLimitExceededError):
        return CheckViolationError(f"value too large{where}: {exc.args[0] if exc.args else exc}")
    if isinstance(exc, asyncpg.LockNotAvailableError):
        return ConflictError(f"locked by another session{where}")
    if isinstance(exc, asyncpg.InvalidTextRepresentationError | asyncpg.DataError):
        return CheckViolationError(f"invalid value: {exc.args[0] if exc.args else exc}")
    return None
