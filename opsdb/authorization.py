"""Authorization: may this user or this token do `action:resource`? (asks the database)

Pure permission matching and the refusal types are in opsdb/auth.py, below the repositories.
"""

from __future__ import annotations

from opsdb.auth import AccessDeniedError, any_covers, parse_permission
from opsdb.connection import Connection
from opsdb.errors import NotFoundError
from opsdb.repositories.tokens import TokenRepository
from opsdb.repositories.users import UserRepository


async def can(conn: Connection, *, user_id: int | None = None, token: str | None = None, permission: str) -> bool:
    """Whether a user (by id) or a token (by plaintext) may do `permission`.

    A user needs an active account whose roles cover it; a token must be valid and both its
    scopes and its user's roles must cover it. Unknown users and bad tokens get False.
    Checking does not count as using the token (no usage is recorded).
    """
    if (user_id is None) == (token is None):
        raise ValueError("give exactly one of user_id or token")
    parse_permission(permission)
    if user_id is not None:
        try:
            granted = await UserRepository(conn).permissions_of_user(user_id)
        except NotFoundError:
            return False
        return any_covers(granted, permission)
    assert token is not None
    try:
        await TokenRepository(conn).verify(token, permission, record_use=False)
    except AccessDeniedError:
        return False
    return True
