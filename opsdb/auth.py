"""Permissions: `action:resource` matching, and the refusals of authentication and authorization.

A grant (a role's permission or a token's scope) covers a requested permission when each
part is equal or the grant's part is `*`: `read:*` covers `read:files`, `*:*` covers
everything. A token may do something only when its scopes AND its user's roles allow it.
Authentication errors live here too; their messages never contain a token's plaintext. The
`can` question, which asks the database, is in opsdb/authorization.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from opsdb.errors import OpsdbError

_PERMISSION = re.compile(r"^([a-z][a-z_]*|\*):([a-z][a-z_]*|\*)$")


class TokenRejection(StrEnum):
    """Why a token was refused."""

    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    INACTIVE = "inactive"
    EXPIRED = "expired"
    USER_INACTIVE = "user_inactive"
    SCOPE = "scope"
    ROLE = "role"


class AccessDeniedError(OpsdbError):
    """Base of authentication and authorization refusals."""


class AuthenticationError(AccessDeniedError):
    """The credential itself is no good (unknown, revoked, expired, or its user is inactive)."""

    def __init__(self, reason: TokenRejection, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class PermissionDeniedError(AccessDeniedError):
    """The credential is good but does not allow the requested permission."""

    def __init__(self, reason: TokenRejection, message: str, permission: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.permission = permission


def parse_permission(permission: str) -> tuple[str, str]:
    """Split `action:resource` (either part may be `*`); ValueError for anything else."""
    match = _PERMISSION.fullmatch(permission) if isinstance(permission, str) else None
    if match is None:
        raise ValueError(f"not an action:resource permission: {permission!r}"[:200])
    return match.group(1), match.group(2)


def grant_covers(grant: str, permission: str) -> bool:
    """Whether one grant (`read:*`, `*:*`, `write:files`) covers `permission`.

    A malformed grant covers nothing; a malformed permission raises ValueError.
    """
    action, resource = parse_permission(permission)
    try:
        grant_action, grant_resource = parse_permission(grant)
    except ValueError:
        return False
    return grant_action in ("*", action) and grant_resource in ("*", resource)


def any_covers(grants: Iterable[str], permission: str) -> bool:
    """Whether any of `grants` covers `permission`."""
    parse_permission(permission)
    return any(grant_covers(grant, permission) for grant in grants)
