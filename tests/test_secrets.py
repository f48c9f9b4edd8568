"""Secrets (DSN passwords, token plaintexts and hashes) never show in reprs, errors or logs."""

from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from tests_support import run_cli

from opsdb.auth import AccessDeniedError
from opsdb.config import redact_dsn
from opsdb.db import Database
from opsdb.errors import ConflictError, DatabaseUnavailableError
from opsdb.repositories.tokens import hash_token
from opsdb.schemas.access import ApiTokenCreate, UserCreate

pytestmark = pytest.mark.anyio

PASSWORD = "s3cret-Pa55word"


def _with_password(dsn: str, password: str) -> str:
    parts = urlsplit(dsn)
    user, _, host = parts.netloc.rpartition("@")
    user = user.split(":")[0] or "postgres"
    return urlunsplit((parts.scheme, f"{user}:{password}@{host}", parts.path, parts.query, parts.fragment))


async def test_database_repr_hides_the_password(database_dsn: str) -> None:
    dsn = _with_password(database_dsn, PASSWORD)  # trust authentication ignores it, so this connects
    async with await Database.connect(dsn) as db:
        assert PASSWORD not in repr(db) and PASSWORD not in str(db)
        assert "***" in repr(db)


@pytest.mark.parametrize(
    "dsn",
    [
        f"postgresql://u:{PASSWORD}@127.0.0.1:1/x",
        f"postgresql://u@127.0.0.1:1/x?password={PASSWORD}",
        f"postgres://u:{PASSWORD}@127.0.0.1:1/x?sslmode=disable",
    ],
)
async def test_unreachable_database_error_hides_the_password(dsn: str) -> None:
    with pytest.raises(DatabaseUnavailableError) as err:
        await Database.connect(dsn)
    shown = "".join(traceback.format_exception(err.value))
    assert PASSWORD not in shown and PASSWORD not in repr(err.value)
    assert "127.0.0.1" in str(err.value)  # still says where it tried


@pytest.mark.parametrize(
    "dsn",
    [
        f"postgresql://u:{PASSWORD}@h:5432/x",
        f"postgresql://u@h/x?sslmode=require&password={PASSWORD}",
        f"host=h password={PASSWORD} user=u",
        f"postgresql://u:{PASSWORD}@/x?host=/tmp/sock",
        "postgresql://u:s3%40cret@h/x",
    ],
)
def test_redact_dsn_hides_passwords(dsn: str) -> None:
    assert PASSWORD not in redact_dsn(dsn) and "s3%40cret" not in redact_dsn(dsn)


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql://u:pa@ss-word-tail@h/x",  # a raw '@' inside the password
        "host=h password='pass word-tail' user=u",  # a quoted libpq keyword value
        "postgresql://u:pa#ss-word-tail@h/x",  # raw '#' and '?': libpq reads them as password
        "postgresql://u:pa?ss-word-tail@h/x",
        "postgresql://u@h/x?sslpassword=word-tail",  # the client key's passphrase
        "host=h sslpassword=word-tail",
    ],
)
def test_redact_dsn_hides_unusual_passwords(dsn: str) -> None:
    assert "word-tail" not in redact_dsn(dsn)


async def test_token_plaintext_and_hash_never_show(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with db.transaction() as uow:
        user = await uow.users.create_user(UserCreate(username="svc"))
        await uow.users.grant_role(user.id, (await uow.users.get_role_by_name("viewer")).id)
        issued = await uow.tokens.create_token(ApiTokenCreate(user_account_id=user.id, name="t", scopes=["read:*"]))
        expiring, expiring_plain = await uow.tokens.create_token(
            ApiTokenCreate(
                user_account_id=user.id, name="e", scopes=["read:*"], expires_at=datetime.now(UTC) + timedelta(hours=1)
            )
        )
    token, plaintext = issued
    secret = plaintext[len(token.prefix) :]  # the part never shown anywhere
    digest = hash_token(plaintext)
    shown: list[str] = [repr(issued), str(issued), repr(token), str(token), repr(token.model_dump())]

    async with db.transaction() as uow:
        verified = await uow.tokens.verify(plaintext, "read:files", "10.0.0.1")
        full = await uow.tokens.get_token_by_hash(digest)
        shown += [repr(verified), repr(full), str(full), repr(full.model_dump()), full.model_dump_json()]
        shown += [repr(t) for t in await uow.tokens.list_tokens_of_user(user.id)]
        for attempt in (
            lambda: uow.tokens.verify(plaintext, "write:files"),  # the role says no
            lambda: uow.tokens.verify(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"), "read:files"),
            lambda: uow.tokens.verify(plaintext + "\x00", "read:files"),
        ):
            with pytest.raises(AccessDeniedError) as err:
                await attempt()
            shown += [str(err.value), repr(err.value), "".join(traceback.format_exception(err.value))]
        await uow.tokens.revoke_token(token.id)
        with pytest.raises(AccessDeniedError) as err:
            await uow.tokens.verify(plaintext, "read:files")
        shown.append(str(err.value))
    async with db.connection() as conn:
        await conn.execute("UPDATE api_token SET expires_at = now() - interval '1 s' WHERE id = $1", expiring.id)
    async with db.transaction() as uow:
        with pytest.raises(AccessDeniedError) as err:
            await uow.tokens.verify(expiring_plain, "read:files")
        shown.append(str(err.value))
    with pytest.raises(ConflictError) as conflict:
        async with db.transaction() as uow:
            await uow.tokens.create_token(ApiTokenCreate(user_account_id=user.id, name="t", scopes=["read:*"]))
    shown.append(str(conflict.value))
    shown += [r.getMessage() for r in caplog.records]

    everything = "\n".join(shown)
    assert token.prefix in everything  # the display prefix is what identifies a token
    for leaked in (secret, digest, expiring_plain[len(expiring.prefix) :]):
        assert leaked not in everything


@pytest.mark.parametrize("password", ["hunt#word-tail", "hunt/word-tail", "word-tail:x"])
def test_a_dsn_drivers_would_misread_is_refused_without_a_piece_of_the_password(password: str) -> None:
    result = run_cli("migrate", "list", env={"OPSDB_DSN": f"postgresql://ops:{password}@127.0.0.1:1/opsdb"})
    assert result.returncode == 3, result.stderr
    assert "hunt" not in result.stdout + result.stderr and "word-tail" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
