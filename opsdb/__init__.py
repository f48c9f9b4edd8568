"""opsdb: the operational database layer of the CCAT Data Center."""

from opsdb.db import Connection, Database, UnitOfWork
from opsdb.errors import (
    CheckViolationError,
    ClaimLostError,
    ConfigurationError,
    ConflictError,
    ConnectionLostError,
    DatabaseError,
    DatabaseUnavailableError,
    DeadlockError,
    DeployLockTimeoutError,
    InputValidationError,
    InvalidReferenceError,
    InvalidTransitionError,
    NotFoundError,
    OpsdbError,
    PrivilegeError,
    QueryTimeoutError,
    RegistrationIncompleteError,
    SerializationFailureError,
    TransientError,
)
from opsdb.settings import Settings

__version__ = "0.1.0"

__all__ = [
    "CheckViolationError",
    "ClaimLostError",
    "ConfigurationError",
    "ConflictError",
    "Connection",
    "ConnectionLostError",
    "Database",
    "DatabaseError",
    "DatabaseUnavailableError",
    "DeadlockError",
    "DeployLockTimeoutError",
    "InputValidationError",
    "InvalidReferenceError",
    "InvalidTransitionError",
    "NotFoundError",
    "OpsdbError",
    "PrivilegeError",
    "QueryTimeoutError",
    "RegistrationIncompleteError",
    "SerializationFailureError",
    "Settings",
    "TransientError",
    "UnitOfWork",
]
