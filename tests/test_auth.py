"""Permission matching and `can`: users by their roles, tokens by scopes AND roles."""

from __future__ import annotations

import pytest

from opsdb.auth import any_covers, grant_covers, parse_permission
from opsdb.authorization import can
from opsdb.db import Database
from opsdb.schemas.access import ApiTokenCreate, UserCreate, UserUpdate

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("grant", "permission", "covers"),
    [
        ("read:files", "read:files", True),
        ("read:*", "read:files", True),
        ("*:files", "write:files", True),
        ("*:*", "manage:users", True),
        ("read:*", "write:files", False),
        ("read:files", "read:transfers", False),
        ("read:file", "read:files", False),  # no prefix matching
        ("read:files*", "read:files", False),  # malformed grant covers nothing
        ("read:%", "read:files", False),
        ("", "read:files", False),
        ("read:files", "read:*", False),  # a concrete grant does not cover a wildcard request
        ("read:*", "read:*", True),
    ],
)
def test_grant_covers(grant: str, permission: str, covers: bool) -> None:
    assert grant_covers(grant, permission) is covers


@pytest.mark.parametrize("bad", ["read", "read:", "READ:files", "read:files ", "read:fi\x00les", "a:b:c", ""])
def test_malformed_permission_request_is_a_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="action:resource"):
        parse_permission(bad)
    with pytest.raises(ValueError):
        any_covers(["*:*"], bad)


def test_any_covers_needs_one_matching_grant() -> None:
    assert any_covers(["write:files", "read:*"], "read:transfers")
    assert not any_covers([], "read:transfers")


async def _setup(db: Database) -> dict[str, int]:
    ids: dict[str, int] = {}
    async with db.transaction() as uow:
        for username, role in [("ada", "admin"), ("obs", "observer"), ("vic", "viewer"), ("daemon", "service")]:
            user = await uow.users.create_user(UserCreate(username=username))
            await uow.users.grant_role(user.id, (await uow.users.get_role_by_name(role)).id)
            ids[username] = user.id
        ids["nobody"] = (await uow.users.create_user(UserCreate(username="nobody"))).id
    return ids


@pytest.mark.parametrize(
    ("username", "permission", "allowed"),
    [
        ("ada", "manage:users", True),
        ("ada", "write:files", True),
        ("obs", "write:observations", True),
        ("obs", "write:files", False),
        ("obs", "manage:tokens", False),
        ("vic", "read:files", True),
        ("vic", "write:observations", False),
        ("daemon", "claim:work", True),
        ("daemon", "write:files", True),
        ("daemon", "manage:users", False),
        ("nobody", "read:files", False),
    ],
)
async def test_users_may_do_what_their_roles_grant(db: Database, username: str, permission: str, allowed: bool) -> None:
    ids = await _setup(db)
    async with db.connection() as conn:
        assert await can(conn, user_id=ids[username], permission=permission) is allowed


async def test_inactive_and_unknown_users_may_do_nothing(db: Database) -> None:
    ids = await _setup(db)
    async with db.transaction() as uow:
        await uow.users.update_user(ids["ada"], UserUpdate(active=False))
        assert await can(uow.conn, user_id=ids["ada"], permission="read:files") is False
        assert await can(uow.conn, user_id=987_654, permission="read:files") is False


async def test_token_needs_both_its_scopes_and_its_users_roles(db: Database) -> None:
    ids = await _setup(db)
    async with db.transaction() as uow:
        _, narrow = await uow.tokens.create_token(
            ApiTokenCreate(user_account_id=ids["ada"], name="ro", scopes=["read:*"])
        )
        _, wide = await uow.tokens.create_token(ApiTokenCreate(user_account_id=ids["vic"], name="all", scopes=["*:*"]))
    async with db.connection() as conn:
        assert await can(conn, token=narrow, permission="read:files") is True
        assert await can(conn, token=narrow, permission="manage:users") is False  # admin, but scope says read
        assert await can(conn, token=wide, permission="read:files") is True
        assert await can(conn, token=wide, permission="write:files") is False  # scope says all, role says read
        assert await can(conn, token="ops_api_token_nonsense", permission="read:files") is False
        assert await can(conn, token="garbage", permission="read:files") is False


async def test_asking_does_not_count_as_using_a_token(db: Database) -> None:
    ids = await _setup(db)
    async with db.transaction() as uow:
        token, plaintext = await uow.tokens.create_token(
            ApiTokenCreate(user_account_id=ids["daemon"], name="t", scopes=["read:*"])
        )
    async with db.connection() as conn:
        assert await can(conn, token=plaintext, permission="read:files")
    async with db.transaction() as uow:
        assert (await uow.tokens.get_token(token.id)).usage_count == 0


async def test_can_wants_exactly_one_subject_and_a_wellformed_permission(db: Database) -> None:
    async with db.connection() as conn:
        with pytest.raises(ValueError, match="exactly one"):
            await can(conn, permission="read:files")
        with pytest.raises(ValueError, match="exactly one"):
            await can(conn, user_id=1, token="ops_api_token_x", permission="read:files")
        with pytest.raises(ValueError, match="action:resource"):
            await can(conn, user_id=1, permission="read files")
