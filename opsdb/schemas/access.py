"""User accounts, roles, permissions and API tokens.

Token records never show the SHA-256 hash in their repr, and listings use `ApiTokenInfo`,
which has no hash at all. The plaintext of a token is never part of any model.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from opsdb.schemas.base import Email, InputModel, RecordModel, Text, storable

SafeText = Text
"""Free text PostgreSQL can store exactly as given."""


USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
ROLE_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
PERMISSION_NAME_PATTERN = re.compile(r"^[a-z][a-z_]{0,62}:([a-z][a-z_]{0,62}|\*)$")
TOKEN_HASH_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_TOKEN_PREFIX = re.compile(r"^ops_api_token_[A-Za-z0-9_-]{0,8}$")

Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN.pattern)]
"""Lower-case login name (same rule as the user_account_username_format CHECK)."""
RoleName = Annotated[str, StringConstraints(pattern=ROLE_NAME_PATTERN.pattern)]
PermissionName = Annotated[str, StringConstraints(pattern=PERMISSION_NAME_PATTERN.pattern)]
"""`action:resource`; the resource may be `*` (e.g. `read:*`)."""
Scope = Annotated[str, StringConstraints(pattern=r"^([a-z][a-z_]{0,62}|\*):([a-z][a-z_]{0,62}|\*)$")]
"""A token scope: `action:resource` where either part may be `*` (`*:*`, `read:*`)."""
UserEmail = Email
TokenName = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(storable)]
"""A token's label, unique per user (short enough for its unique index)."""


# -- users -------------------------------------------------------------------------------


class UserCreate(InputModel):
    username: Username
    email: UserEmail | None = None
    display_name: SafeText | None = None
    active: bool = True


class UserUpdate(InputModel):
    email: UserEmail | None = None
    display_name: SafeText | None = None
    active: bool | None = None


class User(RecordModel):
    __table__ = "user_account"
    id: int
    username: str
    email: str | None
    display_name: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


# -- roles and permissions ---------------------------------------------------------------


class RoleCreate(InputModel):
    name: RoleName
    description: SafeText | None = None


class Role(RecordModel):
    __table__ = "role"
    id: int
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class PermissionCreate(InputModel):
    name: PermissionName
    description: SafeText | None = None


class Permission(RecordModel):
    __table__ = "permission"
    id: int
    name: str
    description: str | None
    created_at: datetime


class UserRole(RecordModel):
    __table__ = "user_role"
    user_account_id: int
    role_id: int
    created_at: datetime


class RolePermission(RecordModel):
    __table__ = "role_permission"
    role_id: int
    permission_id: int
    created_at: datetime


# -- API tokens --------------------------------------------------------------------------


class ApiTokenCreate(InputModel):
    """A new token for `user_account_id`; the scopes bound what it may do (least privilege)."""

    user_account_id: int
    name: TokenName
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=64)]
    expires_at: datetime | None = None

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone")
        return value


class ApiTokenInfo(RecordModel):
    """A token as listings show it: everything except the hash."""

    __table__ = "api_token"
    id: int
    user_account_id: int
    name: str
    prefix: str
    scopes: list[str]
    active: bool
    expires_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str | None
    usage_count: int
    created_at: datetime
    updated_at: datetime

    @field_validator("last_used_ip", mode="before")
    @classmethod
    def _ip_text(cls, value: object) -> object:
        if isinstance(
            value, ipaddress.IPv4Address | ipaddress.IPv6Address | ipaddress.IPv4Interface | ipaddress.IPv6Interface
        ):
            return str(value)
        return value

    @field_validator("prefix")
    @classmethod
    def _display_prefix(cls, value: str) -> str:
        if not _TOKEN_PREFIX.match(value):
            raise ValueError("not a token display prefix")
        return value


class ApiToken(ApiTokenInfo):
    """The full stored row; `token_hash` is left out of repr and of model_dump()."""

    token_hash: str = Field(repr=False, exclude=True)
