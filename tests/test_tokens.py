"""API tokens: issue once, store only a hash, verify, revoke, list, record use without a hot row."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import anyio
import anyio.lowlevel
import pytest
from pydantic import ValidationError

from opsdb.auth import AuthenticationError, PermissionDeniedError, TokenRejection
from opsdb.db import Database, UnitOfWork
from opsdb.errors import InvalidTransitionError, NotFoundError
from opsdb.repositories.tokens import TokenUsage
from opsdb.schemas.access import ApiTokenCreate, User, UserCreate, UserUpdate

pytestmark = pytest.mark.anyio


async def _user(db: Database, username: str = "svc", roles: tuple[str, ...] = ("service",)) -> User:
    async with db.transaction() as uow:
        user = await uow.users.create_user(UserCreate(username=username))
        for name in roles:
            await uow.users.grant_role(user.id, (await uow.users.get_role_by_name(name)).id)
        return user


async def _issue(db: Database, user: User, scopes: list[str], name: str = "t", **extra: object) -> tuple[int, str]:
    async with db.transaction() as uow:
        token, plaintext = await uow.tokens.create_token(
            ApiTokenCreate.model_validate({"user_account_id": user.id, "name": name, "scopes": scopes, **extra})
        )
    return token.id, plaintext


async def test_only_the_hash_and_a_display_prefix_are_stored(db: Database) -> None:
    user = await _user(db)
    async with db.transaction() as uow:
        issued = await uow.tokens.create_token(
            ApiTokenCreate(user_account_id=user.id, name="ingest", scopes=["write:files"])
        )
    token, plaintext = issued
    assert re.fullmatch(r"ops_api_token_[A-Za-z0-9_-]{43}", plaintext)
    assert token.prefix == plaintext[:22] and len(token.prefix) == len("ops_api_token_") + 8
    digest = hashlib.sha256(plaintext.encode()).hexdigest()
    async with db.connection() as conn:
        row = await conn.fetchrow("SELECT * FROM api_token WHERE id = $1", token.id)
        assert row is not None and row["token_hash"] == digest
        stored_text = await conn.fetchval("SELECT api_token::text FROM api_token WHERE id = $1", token.id)
        assert plaintext not in stored_text and plaintext[22:] not in stored_text
    async with db.transaction() as uow:
        full = await uow.tokens.get_token_by_hash(digest)
    assert full.token_hash == digest and full.id == token.id
    assert digest not in repr(full) and "token_hash" not in full.model_dump()


async def test_two_tokens_never_share_a_plaintext(db: Database) -> None:
    user = await _user(db)
    issued = {(await _issue(db, user, ["read:*"], name=f"t{i}"))[1] for i in range(20)}
    assert len(issued) == 20


async def test_valid_token_is_verified_with_its_user(db: Database) -> None:
    user = await _user(db)
    token_id, plaintext = await _issue(db, user, ["write:files", "read:*"])
    async with db.transaction() as uow:
        verified = await uow.tokens.verify(plaintext, "write:files", "10.0.0.7")
        assert verified.token.id == token_id and verified.user_id == user.id and verified.username == "svc"
        assert (await uow.tokens.verify(plaintext, "read:transfers")).token.id == token_id


@pytest.mark.parametrize(
    ("scopes", "permission", "allowed"),
    [
        (["read:*"], "read:files", True),
        (["read:*"], "write:files", False),
        (["*:*"], "claim:work", True),
        (["*:files"], "write:files", True),
        (["*:files"], "write:transfers", False),
        (["write:files"], "write:files", True),
        (["write:files"], "write:transfers", False),
    ],
)
async def test_scopes_bound_what_a_token_may_do(
    db: Database, scopes: list[str], permission: str, allowed: bool
) -> None:
    user = await _user(db, roles=("admin",))
    _, plaintext = await _issue(db, user, scopes)
    async with db.transaction() as uow:
        if allowed:
            await uow.tokens.verify(plaintext, permission)
        else:
            with pytest.raises(PermissionDeniedError) as err:
                await uow.tokens.verify(plaintext, permission)
            assert err.value.reason is TokenRejection.SCOPE and err.value.permission == permission


async def test_scope_cannot_exceed_the_users_roles(db: Database) -> None:
    user = await _user(db, roles=("viewer",))
    _, plaintext = await _issue(db, user, ["*:*"])
    async with db.transaction() as uow:
        await uow.tokens.verify(plaintext, "read:files")
        with pytest.raises(PermissionDeniedError) as err:
            await uow.tokens.verify(plaintext, "write:files")
    assert err.value.reason is TokenRejection.ROLE and "svc" in str(err.value)


async def test_unknown_and_malformed_tokens_are_refused(db: Database) -> None:
    async with db.transaction() as uow:
        for bad, reason in [
            ("ops_api_token_" + "A" * 43, TokenRejection.UNKNOWN),
            ("not-a-token", TokenRejection.MALFORMED),
            ("", TokenRejection.MALFORMED),
            ("ops_api_token_" + "x" * 10_000, TokenRejection.MALFORMED),
            ("ops_api_token_'; DROP TABLE api_token;--", TokenRejection.UNKNOWN),
        ]:
            with pytest.raises(AuthenticationError) as err:
                await uow.tokens.verify(bad, "read:files")
            assert err.value.reason is reason


async def test_revoked_token_is_refused_and_revoking_twice_is_an_invalid_transition(db: Database) -> None:
    user = await _user(db)
    token_id, plaintext = await _issue(db, user, ["read:*"])
    async with db.transaction() as uow:
        revoked = await uow.tokens.revoke_token(token_id)
        assert revoked.active is False
        with pytest.raises(InvalidTransitionError, match=f"api_token {token_id}"):
            await uow.tokens.revoke_token(token_id)
        with pytest.raises(AuthenticationError) as err:
            await uow.tokens.verify(plaintext, "read:files")
    assert err.value.reason is TokenRejection.INACTIVE


async def test_a_user_cannot_revoke_someone_elses_token(db: Database) -> None:
    owner = await _user(db, "owner")
    other = await _user(db, "other")
    token_id, plaintext = await _issue(db, owner, ["read:*"])
    async with db.transaction() as uow:
        with pytest.raises(NotFoundError):
            await uow.tokens.revoke_token(token_id, user_id=other.id)
        with pytest.raises(NotFoundError):
            await uow.tokens.revoke_token(123_456)
        await uow.tokens.verify(plaintext, "read:files")  # still active
        await uow.tokens.revoke_token(token_id, user_id=owner.id)


async def test_expired_token_is_refused(db: Database) -> None:
    user = await _user(db)
    _, plaintext = await _issue(db, user, ["read:*"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    _, fresh = await _issue(db, user, ["read:*"], name="fresh", expires_at=datetime.now(UTC) + timedelta(days=1))
    async with db.transaction() as uow:
        with pytest.raises(AuthenticationError) as err:
            await uow.tokens.verify(plaintext, "read:files")
        assert err.value.reason is TokenRejection.EXPIRED
        await uow.tokens.verify(fresh, "read:files")


async def test_token_of_an_inactive_user_is_refused(db: Database) -> None:
    user = await _user(db)
    _, plaintext = await _issue(db, user, ["read:*"])
    async with db.transaction() as uow:
        await uow.users.update_user(user.id, UserUpdate(active=False))
        with pytest.raises(AuthenticationError) as err:
            await uow.tokens.verify(plaintext, "read:files")
    assert err.value.reason is TokenRejection.USER_INACTIVE


async def test_listing_shows_a_users_tokens_without_hashes(db: Database) -> None:
    user = await _user(db)
    other = await _user(db, "other")
    ids = [(await _issue(db, user, ["read:*"], name=f"t{i}"))[0] for i in range(3)]
    await _issue(db, other, ["read:*"])
    async with db.transaction() as uow:
        await uow.tokens.revoke_token(ids[1])
        listed = await uow.tokens.list_tokens_of_user(user.id)
        active = await uow.tokens.list_tokens_of_user(user.id, active=True)
        page = await uow.tokens.list_tokens_of_user(user.id, after_id=ids[0], limit=1)
    assert [t.id for t in listed] == ids
    assert [t.id for t in active] == [ids[0], ids[2]]
    assert [t.id for t in page] == [ids[1]]
    assert all(not hasattr(t, "token_hash") for t in listed)


async def test_token_needs_scopes_and_a_zoned_expiry() -> None:
    with pytest.raises(ValidationError) as err:
        ApiTokenCreate(user_account_id=1, name="t", scopes=[])
    assert err.value.errors()[0]["loc"] == ("scopes",)
    with pytest.raises(ValidationError) as err:
        ApiTokenCreate(user_account_id=1, name="t", scopes=["read:*'--"])
    assert err.value.errors()[0]["loc"] == ("scopes", 0)
    with pytest.raises(ValidationError) as err:
        ApiTokenCreate(user_account_id=1, name="t", scopes=["read:*"], expires_at=datetime(2030, 1, 1))
    assert err.value.errors()[0]["loc"] == ("expires_at",)


# -- recording use -----------------------------------------------------------------------


async def _usage(db: Database, token_id: int) -> tuple[int, datetime | None, str | None]:
    async with db.transaction() as uow:
        t = await uow.tokens.get_token(token_id)
    return t.usage_count, t.last_used_at, t.last_used_ip


async def test_throttled_use_writes_once_per_interval_not_per_request(db: Database) -> None:
    user = await _user(db)
    token_id, plaintext = await _issue(db, user, ["read:*"])
    for _ in range(50):
        async with db.transaction() as uow:
            await uow.tokens.verify(plaintext, "read:files", "192.0.2.1")
    count, first_at, ip = await _usage(db, token_id)
    assert count == 1 and first_at is not None and ip == "192.0.2.1"
    # once the stored last use is older than the interval, the next use is written again
    async with db.connection() as conn:
        await conn.execute("UPDATE api_token SET last_used_at = now() - interval '2 minutes' WHERE id = $1", token_id)
    async with db.transaction() as uow:
        await uow.tokens.verify(plaintext, "read:files", "2001:db8::5")
    count, second_at, ip = await _usage(db, token_id)
    assert count == 2 and ip == "2001:db8::5" and second_at is not None and second_at > first_at - timedelta(minutes=1)


async def test_throttled_use_never_waits_for_a_transaction_recording_the_same_token(db: Database) -> None:
    user = await _user(db)
    token_id, plaintext = await _issue(db, user, ["read:*"])
    async with db.transaction() as first:
        await first.tokens.verify(plaintext, "read:files", "10.0.0.1")  # writes and holds the row
        async with db.connection() as conn:
            await conn.execute("SET lock_timeout = '2s'")  # waiting would fail the test
            async with conn.transaction():
                await UnitOfWork(conn).tokens.verify(plaintext, "read:files", "10.0.0.2")
    assert (await _usage(db, token_id))[:1] == (1,)


async def test_checking_with_record_use_false_writes_nothing(db: Database) -> None:
    user = await _user(db)
    token_id, plaintext = await _issue(db, user, ["read:*"])
    async with db.transaction() as uow:
        await uow.tokens.verify(plaintext, "read:files", record_use=False)
    assert await _usage(db, token_id) == (0, None, None)


async def test_usage_recorder_counts_in_memory_and_flushes_exact_counts_in_one_statement(db: Database) -> None:
    user = await _user(db)
    first, plain_first = await _issue(db, user, ["read:*"], name="a")
    second, plain_second = await _issue(db, user, ["read:*"], name="b")
    usage = TokenUsage()
    for i in range(30):
        async with db.transaction() as uow:
            await uow.tokens.verify(plain_first, "read:files", f"10.0.0.{i}", usage=usage)
    async with db.transaction() as uow:
        await uow.tokens.verify(plain_second, "read:files", "10.1.1.1", usage=usage)
    assert usage.pending == 31
    assert await _usage(db, first) == (0, None, None)  # nothing written per request
    async with db.connection() as conn:
        assert await usage.flush(conn) == 2
        assert await usage.flush(conn) == 0
    count, at, ip = await _usage(db, first)
    assert count == 30 and ip == "10.0.0.29" and at is not None
    assert (await _usage(db, second))[0] == 1
    assert usage.pending == 0


async def test_flush_never_moves_last_use_backwards(db: Database) -> None:
    user = await _user(db)
    token_id, _ = await _issue(db, user, ["read:*"])
    late, early = TokenUsage(), TokenUsage()
    now = datetime.now(UTC)
    late.record(token_id, "10.0.0.2", now)
    early.record(token_id, "10.0.0.1", now - timedelta(minutes=5))
    async with db.connection() as conn:
        await late.flush(conn)
        await early.flush(conn)  # a slower process flushing older uses
    count, at, ip = await _usage(db, token_id)
    assert count == 2 and ip == "10.0.0.2" and at == now


async def test_failed_flush_keeps_the_counts_for_the_next_one(db: Database) -> None:
    user = await _user(db)
    token_id, _ = await _issue(db, user, ["read:*"])
    usage = TokenUsage()
    usage.record(token_id, "10.0.0.1")
    usage.record(token_id, "10.0.0.1")
    async with db.connection() as conn:
        async with conn.transaction():
            await conn.execute("SELECT 1")
            # a broken transaction makes the flush fail
            with pytest.raises(Exception):  # noqa: B017 - any database error will do
                await conn.execute("SELECT 1/0")
            with pytest.raises(Exception):  # noqa: B017
                await usage.flush(conn)
        assert usage.pending == 2
        assert await usage.flush(conn) == 1
    assert (await _usage(db, token_id))[0] == 2


async def test_concurrent_flushes_add_up(db: Database) -> None:
    user = await _user(db)
    ids = [(await _issue(db, user, ["read:*"], name=f"t{i}"))[0] for i in range(5)]
    recorders = [TokenUsage() for _ in range(4)]
    for recorder in recorders:
        for token_id in reversed(ids):
            for _ in range(3):
                recorder.record(token_id, "10.0.0.1")

    async def flush(recorder: TokenUsage) -> None:
        async with db.connection() as conn:
            await recorder.flush(conn)

    async with anyio.create_task_group() as tg:
        for recorder in recorders:
            tg.start_soon(flush, recorder)
    for token_id in ids:
        assert (await _usage(db, token_id))[0] == 12


async def test_recorder_run_flushes_on_cancellation(db: Database) -> None:
    user = await _user(db)
    token_id, _ = await _issue(db, user, ["read:*"])
    usage = TokenUsage()
    usage.record(token_id, None)
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: usage.run(db, interval=3600))
        await anyio.lowlevel.checkpoint()
        tg.cancel_scope.cancel()
    assert (await _usage(db, token_id))[0] == 1


async def test_client_ip_must_be_an_address(db: Database) -> None:
    user = await _user(db)
    _, plaintext = await _issue(db, user, ["read:*"])
    async with db.transaction() as uow:
        with pytest.raises(ValueError, match="client_ip"):
            await uow.tokens.verify(plaintext, "read:files", "10.0.0.1'; --")
