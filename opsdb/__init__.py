"""opsdb: the operational database layer of the CCAT Data Center."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


_HOMES = {"Connection": "opsdb.db", "Database": "opsdb.db", "UnitOfWork": "opsdb.db", "Settings": "opsdb.settings"}


def __getattr__(name: str) -> Any:
    """Import the public names on first use, so that `import opsdb.cli` (and `opsdb --help`) stays fast."""
    if name in __all__:
        return getattr(importlib.import_module(_HOMES.get(name, "opsdb.errors")), name)
    raise AttributeError(f"module 'opsdb' has no attribute {name!r}")
