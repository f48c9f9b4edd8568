"""The exception family callers see; raw driver, pool and OS errors never leave opsdb.

Every class carries `retry_safe` (a class attribute): True when the failed call certainly did
not take effect, so running it again cannot apply anything twice. opsdb already retried what
it safely could (opsdb/retrying.py) before an error reaches the caller.

    OpsdbError                       retry_safe  meaning
      DatabaseUnavailableError       True        nothing reached the database: refused, unreachable,
                                                 starting up or shutting down, no free slot, connect timeout
        ConfigurationError           False       no or malformed DSN / setting; a pooled DSN where a
                                                 direct connection is needed (LISTEN, migrations)
      ConnectionLostError            False       the connection broke during a call (backend terminated,
                                                 server restart, network, pool misuse after a lost
                                                 connection): a COMMIT in flight may have happened
      TransientError                 True        the server rolled the transaction back; run it again
        DeadlockError                True
        SerializationFailureError    True
        LockTimeoutError             True        another session held a row/table lock past lock_timeout
      QueryTimeoutError              True        statement_timeout / lock wait ran out: rolled back
      DeployLockTimeoutError         True        another session holds the deploy lock (names it)
      NotFoundError                  False       no row with that id or natural key
      ConflictError                  False       a unique key is held by another row
      InvalidReferenceError          False
      CheckViolationError            False
      PrivilegeError                 False
      InvalidTransitionError         False
        DeletionRefusedError         False       the safe-deletion rule does not hold: do not remove bytes
      ClaimLostError                 False
      InputValidationError           False
      DatabaseError                  False       any other PostgreSQL error (`sqlstate` says which)
      RegistrationIncompleteError    True        register_files gave up; carries what committed and what is in doubt

`translate` maps asyncpg's PostgreSQL errors onto it, naming the constraint or key;
`translate_any` also maps the driver's, the pool's and the operating system's errors.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import asyncpg


class OpsdbError(Exception):
    """Base of every error opsdb raises on purpose."""

    retry_safe: ClassVar[bool] = False
    """True when the failed call certainly had no effect: running it again is safe."""


class DatabaseUnavailableError(OpsdbError):
    """The database could not be reached; nothing was sent (the message never shows a password)."""

    retry_safe = True


class ConfigurationError(DatabaseUnavailableError):
    """No or malformed configuration (a DSN, a setting, a pooled DSN where a direct one is needed)."""

    retry_safe = False


class ConnectionLostError(OpsdbError):
    """The connection broke during a call; whether a COMMIT in flight happened is unknown.

    Re-read the state (or repeat an idempotent call); the pool replaces the connection.
    """


class TransientError(OpsdbError):
    """The server rolled the transaction back (deadlock, serialization failure): run it again."""

    retry_safe = True


class DeadlockError(TransientError):
    """PostgreSQL broke a deadlock by rolling this transaction back."""


class SerializationFailureError(TransientError):
    """A concurrent transaction's change made this one impossible; it was rolled back."""


class LockTimeoutError(TransientError):
    """Another session held a lock this statement needed past `lock_timeout` (or NOWAIT): rolled back."""


class QueryTimeoutError(OpsdbError):
    """A statement ran past `statement_timeout` (or was cancelled); its transaction rolled back."""

    retry_safe = True


class DeployLockTimeoutError(OpsdbError):
    """Another session held the deploy lock longer than the timeout; the message names it."""

    retry_safe = True


class RegistrationIncompleteError(OpsdbError):
    """`register_files` gave up after retrying; the batches in `committed` stay committed.

    `committed`: position ranges of the committed batches; `report`: their RegistrationReport;
    `in_doubt`: ranges whose commit was sent but never answered (the server may have committed
    them); `cause`: the last error. Resume with `register_files(..., skip=exc.committed)` on the
    same input and batch size: committed ranges are not sent again, in-doubt ones are (and count
    as `existing` if they had committed); re-sending all is safe too.
    """

    retry_safe = True

    def __init__(
        self, cause: OpsdbError, committed: Sequence[range], report: object, in_doubt: Sequence[range] = ()
    ) -> None:
        done = sum(len(r) for r in committed)
        doubt = sum(len(r) for r in in_doubt)
        super().__init__(
            f"registration stopped with {len(committed)} batch(es) ({done} records) committed"
            + (f" and {len(in_doubt)} ({doubt} records) in doubt" if in_doubt else "")
            + f": {type(cause).__name__}: {cause}"
        )
        self.cause = cause
        self.committed = sorted(committed, key=lambda r: r.start)
        self.in_doubt = sorted(in_doubt, key=lambda r: r.start)
        self.report = report


class DatabaseError(OpsdbError):
    """A PostgreSQL error with no more precise opsdb type; `sqlstate` is the server's code."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


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


# raised by the database's state-machine guards (opsdb_refuse_transition in sql/schema.sql), DETAIL = the item as JSON
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
    if getattr(exc, "sqlstate", None) == "OP001":  # the deletion guard (opsdb_guard_deletion in sql/schema.sql)
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
        return LockTimeoutError(f"locked by another session{where}, transaction rolled back: run it again")
    if isinstance(exc, asyncpg.InvalidTextRepresentationError | asyncpg.DataError):
        return CheckViolationError(f"invalid value: {exc.args[0] if exc.args else exc}")
    message = exc.args[0] if exc.args else str(exc)
    if isinstance(exc, asyncpg.DeadlockDetectedError):
        return DeadlockError(f"deadlock, transaction rolled back: {message}")
    if isinstance(exc, asyncpg.TransactionRollbackError):
        return SerializationFailureError(f"serialization failure, transaction rolled back: {message}")
    if isinstance(exc, asyncpg.CannotConnectNowError | asyncpg.TooManyConnectionsError):
        return DatabaseUnavailableError(f"database unavailable: {message}")
    if isinstance(exc, asyncpg.QueryCanceledError):
        return QueryTimeoutError(f"statement cancelled: {message}")
    if isinstance(exc, _CONNECTION_LOST):
        return ConnectionLostError(f"connection lost: {type(exc).__name__}: {message}")
    return None


# the server ended the session: terminated backend, shutdown, crash, idle-in-transaction timeout
_CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.OperatorInterventionError,
    asyncpg.IdleInTransactionSessionTimeoutError,
)
_CONNECT_TIMEOUT = (TimeoutError, asyncio.TimeoutError)


def translate_any(exc: BaseException, *, connecting: bool = False) -> OpsdbError | None:
    """Map any error met on the way to the database onto the family; None for other errors.

    `connecting`: raised while opening or acquiring a connection, before any statement was
    sent (so a lost or refused connection means nothing happened: DatabaseUnavailableError).
    """
    if isinstance(exc, OpsdbError):
        return exc
    if isinstance(exc, asyncpg.PostgresError):
        mapped = translate(exc)
        if mapped is None:
            sqlstate = getattr(exc, "sqlstate", None)
            mapped = DatabaseError(f"{type(exc).__name__}: {exc.args[0] if exc.args else exc}", sqlstate)
        if connecting and isinstance(mapped, ConnectionLostError | DatabaseError):
            return DatabaseUnavailableError(f"cannot connect: {mapped}")
        return mapped
    if isinstance(exc, _CONNECT_TIMEOUT):
        if connecting:
            return DatabaseUnavailableError("cannot connect: timed out")
        return QueryTimeoutError("statement timed out on the client (command_timeout)")
    if isinstance(exc, OSError):  # ConnectionRefusedError, ConnectionResetError, socket errors
        if connecting:
            return DatabaseUnavailableError(f"cannot connect: {type(exc).__name__}: {exc}")
        return ConnectionLostError(f"connection lost: {type(exc).__name__}: {exc}")
    if isinstance(exc, asyncpg.InterfaceError | asyncpg.InternalClientError):
        # a closed connection, a released one used again, a protocol state broken by a lost link
        if connecting:
            return DatabaseUnavailableError(f"cannot connect: {type(exc).__name__}: {exc}")
        return ConnectionLostError(f"connection unusable: {type(exc).__name__}: {exc}")
    return None
