"""opsdb: the operational database layer of the CCAT Data Center."""

from opsdb.db import Connection, Database, UnitOfWork
from opsdb.errors import (
    CheckViolationError,
    ClaimLostError,
    ConflictError,
    DatabaseUnavailableError,
    InputValidationError,
    InvalidReferenceError,
    InvalidTransitionError,
    NotFoundError,
    OpsdbError,
    PrivilegeError,
)

__version__ = "0.1.0"

__all__ = [
    "CheckViolationError",
    "ClaimLostError",
    "ConflictError",
    "Connection",
    "Database",
    "DatabaseUnavailableError",
    "InputValidationError",
    "InvalidReferenceError",
    "InvalidTransitionError",
    "NotFoundError",
    "OpsdbError",
    "PrivilegeError",
    "UnitOfWork",
]
