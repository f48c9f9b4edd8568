"""API tokens: issue, look up, verify, revoke, list, and record their use.

Only the SHA-256 hash of a token and a short display prefix are stored; the plaintext
(`ops_api_token_<43 url-safe characters>`, 256 random bits) is returned once by
`create_token` and never written anywhere, logged, or shown in a repr or an error.

Recording use without a hot row. A busy daemon may present its token many times a second;
writing `last_used_at`/`usage_count` on every request would serialise all of them on one row.
Two ways, both tested:

* `TokenUsage` (for long-running services): `verify(..., usage=recorder)` only counts in
  memory; `recorder.flush(conn)` (or `recorder.run(db)`, every few seconds) adds the counts
  to many tokens in one statement. Counts are exact except for uses not yet flushed when a
  process dies.
* Without a recorder, `verify` does a throttled, guarded UPDATE that writes only when the
  stored last use is older than `last_use_interval` seconds (one write per token per
  interval, whatever the request rate); `usage_count` then counts recorded uses, at most
  one per interval.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

import anyio

from opsdb.auth import (
    AuthenticationError,
    PermissionDeniedError,
    TokenRejection,
    any_covers,
    parse_permission,
)
from opsdb.connection import Connection, ConnectionFactory
from opsdb.errors import InvalidTransitionError, NotFoundError
from opsdb.queries import args, query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.access import TOKEN_HASH_PATTERN, ApiToken, ApiTokenCreate, ApiTokenInfo

TOKEN_PREFIX = "ops_api_token_"
DISPLAY_CHARS = 8
"""Random characters kept in the display prefix (the CHECK allows up to 8)."""
MAX_TOKEN_LENGTH = 256
"""Longer strings are refused before hashing."""

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def generate_token() -> str:
    """A new token plaintext: the fixed prefix and 32 random bytes, url-safe base64."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(plaintext: str) -> str:
    """The SHA-256 hex digest stored for (and looked up by) a token."""
    return hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()


def display_prefix(plaintext: str) -> str:
    """The part of a token that may be shown (`ops_api_token_` + 8 characters)."""
    return plaintext[: len(TOKEN_PREFIX) + DISPLAY_CHARS]


class IssuedToken(NamedTuple):
    """A freshly created token and its plaintext, which exists only here (unpacks as a pair)."""

    token: ApiTokenInfo
    plaintext: str

    def __repr__(self) -> str:
        return f"IssuedToken(token={self.token!r}, plaintext='{self.token.prefix}…')"

    def __str__(self) -> str:
        return repr(self)


@dataclass(frozen=True)
class VerifiedToken:
    """A token that passed verification, with its user."""

    token: ApiTokenInfo
    user_id: int
    username: str


def _client_address(client_ip: str | IpAddress | None) -> IpAddress | None:
    if client_ip is None or isinstance(client_ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return client_ip
    try:
        return ipaddress.ip_address(client_ip)
    except ValueError:
        raise ValueError(f"client_ip: not an IP address: {client_ip[:60]!r}") from None


@dataclass
class _Uses:
    count: int
    last_at: datetime
    last_ip: IpAddress | None


class TokenUsage:
    """Token uses counted in memory and written in batches (one statement per flush).

    One recorder per process; `record` never touches the database.
    """

    def __init__(self) -> None:
        self._pending: dict[int, _Uses] = {}

    def record(self, token_id: int, client_ip: str | IpAddress | None = None, at: datetime | None = None) -> None:
        """Count one use of `token_id` (now, from `client_ip`)."""
        self._merge(token_id, _Uses(1, at or datetime.now(UTC), _client_address(client_ip)))

    def _merge(self, token_id: int, uses: _Uses) -> None:
        seen = self._pending.get(token_id)
        if seen is None:
            self._pending[token_id] = uses
            return
        seen.count += uses.count
        if uses.last_at >= seen.last_at:
            seen.last_at, seen.last_ip = uses.last_at, uses.last_ip

    @property
    def pending(self) -> int:
        """Uses counted but not yet written."""
        return sum(u.count for u in self._pending.values())

    async def flush(self, conn: Connection) -> int:
        """Write the counted uses; returns how many tokens were updated.

        Counts taken out for writing go back into the recorder if the write fails.
        """
        batch, self._pending = self._pending, {}
        if not batch:
            return 0
        ids = sorted(batch)
        try:
            rows = await conn.fetch(
                query("flush_api_token_usage"),
                ids,
                [batch[i].count for i in ids],
                [batch[i].last_at for i in ids],
                [batch[i].last_ip for i in ids],
            )
        except BaseException:
            for token_id, uses in batch.items():
                self._merge(token_id, uses)
            raise
        return len(rows)

    async def run(self, db: ConnectionFactory, *, interval: float = 10.0) -> None:
        """Flush every `interval` seconds until cancelled, then flush once more."""
        try:
            while True:
                await anyio.sleep(interval)
                async with db.connection() as conn:
                    await self.flush(conn)
        finally:
            with anyio.CancelScope(shield=True):
                async with db.connection() as conn:
                    await self.flush(conn)


class TokenRepository(Repository):
    """API tokens (only hashes are stored)."""

    PRIMARY_ONLY = frozenset({"get_token", "get_token_by_hash", "list_tokens_of_user"})  # never a stale revocation

    last_use_interval: float = 60.0
    """Seconds between two recorded uses of one token when no `TokenUsage` is given."""

    async def create_token(self, data: ApiTokenCreate) -> IssuedToken:
        """Issue a token; the plaintext in the result is the only copy there will ever be."""
        plaintext = generate_token()
        row = await self.conn.fetchrow(
            query("insert_api_token"),
            *args(
                "insert_api_token",
                user_account_id=data.user_account_id,
                name=data.name,
                token_hash=hash_token(plaintext),
                prefix=display_prefix(plaintext),
                scopes=list(data.scopes),
                expires_at=data.expires_at,
            ),
        )
        return IssuedToken(ApiTokenInfo.from_row(row), plaintext)

    async def get_token(self, token_id: int) -> ApiTokenInfo:
        row = await self._fetch_one("get_api_token", token_id, entity="api_token", key=token_id)
        return ApiTokenInfo.from_row(row)

    async def get_token_by_hash(self, token_hash: str) -> ApiToken:
        """The full row for a SHA-256 hex digest (NotFoundError names only the hash's start)."""
        if not isinstance(token_hash, str) or not TOKEN_HASH_PATTERN.fullmatch(token_hash):
            raise NotFoundError("api_token", "(not a SHA-256 hex digest)")
        row = await self._fetch_one("get_api_token_by_hash", token_hash, entity="api_token", key=token_hash[:8] + "…")
        return ApiToken.from_row(row)

    async def list_tokens_of_user(
        self, user_id: int, *, active: bool | None = None, after_id: int = 0, limit: int = 100
    ) -> list[ApiTokenInfo]:
        """A user's tokens in id order, never with their hashes."""
        rows = await self.conn.fetch(query("list_api_tokens_of_user"), user_id, active, after_id, page_limit(limit))
        return [ApiTokenInfo.from_row(r) for r in rows]

    async def revoke_token(self, token_id: int, *, user_id: int | None = None) -> ApiTokenInfo:
        """Deactivate an active token (of `user_id`, when given).

        NotFoundError when there is no such token (of that user); InvalidTransitionError
        when it is already inactive.
        """
        row = await self.conn.fetchrow(query("revoke_api_token"), token_id, user_id)
        if row is not None:
            return ApiTokenInfo.from_row(row)
        current = await self.get_token(token_id)
        if user_id is not None and current.user_account_id != user_id:
            raise NotFoundError("api_token", f"{token_id} of user {user_id}")
        raise InvalidTransitionError(f"api_token {token_id}", "inactive", "inactive")

    async def verify(
        self,
        plaintext: str,
        permission: str,
        client_ip: str | IpAddress | None = None,
        *,
        usage: TokenUsage | None = None,
        record_use: bool = True,
    ) -> VerifiedToken:
        """Check that `plaintext` is a usable token allowed `permission`, and record the use.

        Refuses with AuthenticationError (malformed, unknown, inactive, expired, user
        inactive) or PermissionDeniedError (scopes or the user's roles do not cover the
        permission); `.reason` says which. The use is counted in `usage` when given, else
        written by a throttled UPDATE; `record_use=False` records nothing.
        """
        parse_permission(permission)
        address = _client_address(client_ip)
        if (
            not isinstance(plaintext, str)
            or not plaintext.startswith(TOKEN_PREFIX)
            or len(plaintext) > MAX_TOKEN_LENGTH
        ):
            raise AuthenticationError(TokenRejection.MALFORMED, f"malformed API token (expected {TOKEN_PREFIX}...)")
        token_hash = hash_token(plaintext)
        row = await self.conn.fetchrow(query("verify_api_token"), token_hash)
        if row is None:
            raise AuthenticationError(TokenRejection.UNKNOWN, "unknown API token")
        label = f"API token {row['prefix']}… (id {row['id']})"
        if not row["active"]:
            raise AuthenticationError(TokenRejection.INACTIVE, f"{label} has been revoked")
        if row["expired"]:
            raise AuthenticationError(
                TokenRejection.EXPIRED, f"{label} expired at {row['expires_at']:%Y-%m-%d %H:%M:%S%z}"
            )
        if not row["user_active"]:
            raise AuthenticationError(TokenRejection.USER_INACTIVE, f"{label}: user {row['username']} is inactive")
        if not any_covers(row["scopes"], permission):
            raise PermissionDeniedError(
                TokenRejection.SCOPE, f"{label}: scopes {list(row['scopes'])} do not cover {permission}", permission
            )
        if not any_covers(row["role_permissions"], permission):
            raise PermissionDeniedError(
                TokenRejection.ROLE,
                f"{label}: the roles of user {row['username']} do not grant {permission}",
                permission,
            )
        info = ApiTokenInfo.model_validate({k: row[k] for k in ApiTokenInfo.model_fields})
        if record_use:
            if usage is not None:
                usage.record(info.id, address)
            else:
                interval = self.last_use_interval
                await self.conn.fetchrow(query("touch_api_token_throttled"), token_hash, address, interval)
        return VerifiedToken(info, row["user_account_id"], row["username"])
