"""User accounts, roles, permissions and who holds which (tokens live in tokens.py)."""

from __future__ import annotations

import re

from opsdb.errors import NotFoundError
from opsdb.queries import query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.access import (
    PERMISSION_NAME_PATTERN,
    ROLE_NAME_PATTERN,
    USERNAME_PATTERN,
    Permission,
    PermissionCreate,
    Role,
    RoleCreate,
    User,
    UserCreate,
    UserUpdate,
)


def _must_match(pattern: re.Pattern[str], key: str, entity: str) -> None:
    """A key that could never be stored is not found (without a round trip or a driver error)."""
    if not isinstance(key, str) or not pattern.fullmatch(key):
        raise NotFoundError(entity, repr(key)[:80])


class UserRepository(Repository):
    """User accounts, roles and permissions."""

    # -- users --
    async def create_user(self, data: UserCreate) -> User:
        row = await self.conn.fetchrow(
            query("insert_user_account"), data.username, data.email, data.display_name, data.active
        )
        return User.from_row(row)

    async def get_user(self, user_id: int) -> User:
        return User.from_row(await self._fetch_one("get_user_account", user_id, entity="user_account", key=user_id))

    async def get_user_by_username(self, username: str) -> User:
        _must_match(USERNAME_PATTERN, username, "user_account")
        row = await self._fetch_one("get_user_account_by_username", username, entity="user_account", key=username)
        return User.from_row(row)

    async def update_user(self, user_id: int, changes: UserUpdate) -> User:
        return User.from_row(await self._update("user_account", user_id, changes, entity="user_account"))

    async def list_users(self, *, active: bool | None = None, after_id: int = 0, limit: int = 100) -> list[User]:
        rows = await self.conn.fetch(query("list_user_accounts"), active, after_id, page_limit(limit))
        return [User.from_row(r) for r in rows]

    # -- roles --
    async def create_role(self, data: RoleCreate) -> Role:
        return Role.from_row(await self.conn.fetchrow(query("insert_role"), data.name, data.description))

    async def get_role(self, role_id: int) -> Role:
        return Role.from_row(await self._fetch_one("get_role", role_id, entity="role", key=role_id))

    async def get_role_by_name(self, name: str) -> Role:
        _must_match(ROLE_NAME_PATTERN, name, "role")
        return Role.from_row(await self._fetch_one("get_role_by_name", name, entity="role", key=name))

    async def list_roles(self) -> list[Role]:
        return [Role.from_row(r) for r in await self.conn.fetch(query("list_roles"))]

    # -- permissions --
    async def create_permission(self, data: PermissionCreate) -> Permission:
        row = await self.conn.fetchrow(query("insert_permission"), data.name, data.description)
        return Permission.from_row(row)

    async def get_permission(self, permission_id: int) -> Permission:
        row = await self._fetch_one("get_permission", permission_id, entity="permission", key=permission_id)
        return Permission.from_row(row)

    async def get_permission_by_name(self, name: str) -> Permission:
        _must_match(PERMISSION_NAME_PATTERN, name, "permission")
        row = await self._fetch_one("get_permission_by_name", name, entity="permission", key=name)
        return Permission.from_row(row)

    async def list_permissions(self) -> list[Permission]:
        return [Permission.from_row(r) for r in await self.conn.fetch(query("list_permissions"))]

    # -- who holds what --
    async def grant_role(self, user_id: int, role_id: int) -> bool:
        """Give a user a role; False when it already held it (InvalidReferenceError if either is missing)."""
        return await self.conn.fetchrow(query("grant_user_role"), user_id, role_id) is not None

    async def revoke_role(self, user_id: int, role_id: int) -> bool:
        """Take a role from a user; False when the user did not hold it."""
        return await self.conn.fetchrow(query("revoke_user_role"), user_id, role_id) is not None

    async def roles_of_user(self, user_id: int) -> list[Role]:
        return [Role.from_row(r) for r in await self.conn.fetch(query("list_roles_of_user"), user_id)]

    async def grant_permission(self, role_id: int, permission_id: int) -> bool:
        """Give a role a permission; False when it already had it."""
        return await self.conn.fetchrow(query("grant_role_permission"), role_id, permission_id) is not None

    async def revoke_permission(self, role_id: int, permission_id: int) -> bool:
        """Take a permission from a role; False when the role lacked it."""
        return await self.conn.fetchrow(query("revoke_role_permission"), role_id, permission_id) is not None

    async def permissions_of_role(self, role_id: int) -> list[Permission]:
        rows = await self.conn.fetch(query("list_permissions_of_role"), role_id)
        return [Permission.from_row(r) for r in rows]

    async def permissions_of_user(self, user_id: int) -> set[str]:
        """Names of the permissions the user's roles grant; empty for an inactive user.

        Raises NotFoundError for an unknown user.
        """
        row = await self._fetch_one("permissions_of_user", user_id, entity="user_account", key=user_id)
        if not row["active"]:
            return set()
        return set(row["permissions"])
