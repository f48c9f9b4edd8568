"""User accounts, roles and permissions against the real schema, including the seeded roles."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from opsdb.db import Database
from opsdb.errors import ConflictError, InvalidReferenceError, NotFoundError
from opsdb.schemas.access import PermissionCreate, RoleCreate, UserCreate, UserUpdate

pytestmark = pytest.mark.anyio


async def test_user_round_trip_update_and_natural_key(db: Database) -> None:
    async with db.transaction() as uow:
        user = await uow.users.create_user(UserCreate(username="alice", email="alice@example.org"))
        assert await uow.users.get_user(user.id) == user
        assert (await uow.users.get_user_by_username("alice")).id == user.id
        changed = await uow.users.update_user(user.id, UserUpdate(display_name="Alice A.", active=False))
        assert changed.display_name == "Alice A." and changed.active is False and changed.email == "alice@example.org"
        assert [u.id for u in await uow.users.list_users(active=False)] == [user.id]
        assert await uow.users.list_users(active=True) == []


async def test_listing_users_is_keyset_paged(db: Database) -> None:
    async with db.transaction() as uow:
        ids = [(await uow.users.create_user(UserCreate(username=f"u{i}"))).id for i in range(5)]
        first = await uow.users.list_users(limit=2)
        rest = await uow.users.list_users(after_id=first[-1].id, limit=10)
    assert [u.id for u in first + rest] == ids


async def test_duplicate_username_is_a_conflict_naming_the_key(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.users.create_user(UserCreate(username="bob"))
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.users.create_user(UserCreate(username="bob"))
    assert err.value.constraint == "user_account_username_key"


async def test_bad_username_and_email_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        UserCreate(username="Robert'); DROP TABLE user_account;--")
    assert err.value.errors()[0]["loc"] == ("username",)
    with pytest.raises(ValidationError) as err:
        UserCreate(username="bob", email="bob\x00@example.org")
    assert err.value.errors()[0]["loc"] == ("email",)


async def test_missing_user_is_not_found(db: Database) -> None:
    async with db.transaction() as uow:
        with pytest.raises(NotFoundError, match="user_account not found: ghost"):
            await uow.users.get_user_by_username("ghost")
        with pytest.raises(NotFoundError):
            await uow.users.permissions_of_user(999_999)


async def test_seeded_roles_carry_their_permissions(db: Database) -> None:
    async with db.transaction() as uow:
        names = {r.name for r in await uow.users.list_roles()}
        assert {"admin", "observer", "viewer", "service"} <= names
        service = await uow.users.get_role_by_name("service")
        granted = {p.name for p in await uow.users.permissions_of_role(service.id)}
        assert {"read:*", "write:files", "claim:work"} <= granted
        assert not any(p.startswith("manage:") for p in granted)
        viewer = await uow.users.get_role_by_name("viewer")
        assert {p.name for p in await uow.users.permissions_of_role(viewer.id)} == {"read:*"}


async def test_permissions_of_user_is_the_union_of_roles_and_empty_when_inactive(db: Database) -> None:
    async with db.transaction() as uow:
        user = await uow.users.create_user(UserCreate(username="carol"))
        assert await uow.users.permissions_of_user(user.id) == set()
        viewer = await uow.users.get_role_by_name("viewer")
        observer = await uow.users.get_role_by_name("observer")
        assert await uow.users.grant_role(user.id, viewer.id) is True
        assert await uow.users.grant_role(user.id, viewer.id) is False  # already held
        await uow.users.grant_role(user.id, observer.id)
        assert await uow.users.permissions_of_user(user.id) == {"read:*", "write:observations", "write:planning"}
        assert [r.name for r in await uow.users.roles_of_user(user.id)] == ["observer", "viewer"]
        assert await uow.users.revoke_role(user.id, observer.id) is True
        assert await uow.users.revoke_role(user.id, observer.id) is False
        assert await uow.users.permissions_of_user(user.id) == {"read:*"}
        await uow.users.update_user(user.id, UserUpdate(active=False))
        assert await uow.users.permissions_of_user(user.id) == set()


async def test_custom_role_and_permission_grants(db: Database) -> None:
    async with db.transaction() as uow:
        role = await uow.users.create_role(RoleCreate(name="archivist", description="tape duty"))
        perm = await uow.users.create_permission(PermissionCreate(name="restore:tapes"))
        assert await uow.users.get_role(role.id) == role
        assert await uow.users.get_permission_by_name("restore:tapes") == perm
        assert await uow.users.get_permission(perm.id) == perm
        assert perm in await uow.users.list_permissions()
        assert await uow.users.grant_permission(role.id, perm.id) is True
        assert await uow.users.grant_permission(role.id, perm.id) is False
        assert [p.name for p in await uow.users.permissions_of_role(role.id)] == ["restore:tapes"]
        assert await uow.users.revoke_permission(role.id, perm.id) is True
        assert await uow.users.permissions_of_role(role.id) == []


async def test_granting_a_missing_role_is_an_invalid_reference(db: Database) -> None:
    async with db.transaction() as uow:
        user = await uow.users.create_user(UserCreate(username="dave"))
    with pytest.raises(InvalidReferenceError) as err:
        async with db.transaction() as uow:
            await uow.users.grant_role(user.id, 987_654)
    assert err.value.constraint == "user_role_role_id_fkey"


async def test_permission_names_must_be_action_resource() -> None:
    for bad in ("read", "read:", ":files", "*:*", "READ:files", "read:files:x", "read:fi les"):
        with pytest.raises(ValidationError) as err:
            PermissionCreate(name=bad)
        assert err.value.errors()[0]["loc"] == ("name",)
