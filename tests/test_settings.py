"""One settings object (pydantic-settings, `OPSDB_*`): secrets never shown, DSNs checked, timeouts applied."""

from __future__ import annotations

import anyio
import pytest

from opsdb.db import Database
from opsdb.errors import ConfigurationError, ConnectionLostError, DatabaseUnavailableError, QueryTimeoutError
from opsdb.settings import Settings, load_settings, split_dsn_options

pytestmark = pytest.mark.anyio


def test_secrets_never_show_in_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDB_DSN", "postgresql://ops:hunter2@db/opsdb")
    monkeypatch.setenv("OPSDB_REPLICA_DSNS", "postgresql://r:s3cret@r1/opsdb, postgresql://r:s3cret@r2/opsdb")
    monkeypatch.setenv("OPSDB_LISTEN_DSN", "postgresql://l:pw1@db/opsdb")
    settings = Settings()
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for secret in ("hunter2", "s3cret", "pw1"):
        assert secret not in shown
    assert len(settings.replica_dsns) == 2
    assert settings.dsn is not None and settings.dsn.get_secret_value().endswith("@db/opsdb")


def test_replicas_may_be_a_json_array(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDB_REPLICA_DSNS", '["postgresql://a@h1/x", "postgresql://b@h2/x"]')
    assert [r.get_secret_value() for r in Settings().replica_dsns] == ["postgresql://a@h1/x", "postgresql://b@h2/x"]


def test_a_dsn_drivers_would_misread_is_refused_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDB_MIGRATE_DSN", "postgresql://ops:pa:ss/word@db/opsdb")
    with pytest.raises(DatabaseUnavailableError, match="OPSDB_MIGRATE_DSN") as raised:
        Settings()
    assert "ss/word" not in str(raised.value)


def test_defaults_are_sane() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.statement_timeout > 0 and settings.lock_timeout > 0
    assert settings.idle_in_transaction_session_timeout > 0
    assert settings.pooler == "auto" and settings.statement_cache_size is None


def test_session_timeouts_are_not_sent_through_a_pooler() -> None:
    settings = Settings(lock_timeout=2.5)
    assert settings.server_settings(pooled=False)["lock_timeout"] == "2500"
    assert set(settings.server_settings(pooled=True)) == {"application_name"}  # PgBouncer refuses the others


def test_opsdb_options_are_taken_out_of_the_dsn() -> None:
    plain, options = split_dsn_options("postgresql://u@h/db?sslmode=disable&statement_cache_size=0&pooler=none")
    assert plain == "postgresql://u@h/db?sslmode=disable"
    assert options == {"statement_cache_size": "0", "pooler": "none"}


async def test_statement_timeout_applies_per_session(database_dsn: str) -> None:
    settings = Settings(statement_timeout=0.2, application_name="timeouts-test")
    async with await Database.connect(database_dsn, settings=settings) as db, db.connection() as conn:
        assert await conn.fetchval("SELECT current_setting('application_name')") == "timeouts-test"
        with pytest.raises(QueryTimeoutError) as raised:
            await conn.execute("SELECT pg_sleep(2)")
        assert raised.value.retry_safe


async def test_an_idle_transaction_is_ended_by_the_server(database_dsn: str) -> None:
    settings = Settings(idle_in_transaction_session_timeout=0.3)
    async with await Database.connect(database_dsn, settings=settings) as db:
        with pytest.raises(ConnectionLostError):
            async with db.transaction() as uow:
                await uow.conn.fetchval("SELECT 1")
                await anyio.sleep(1.0)
                await uow.conn.fetchval("SELECT 2")
        async with db.connection() as conn:  # the pool carries on with a fresh session
            assert await conn.fetchval("SELECT 3") == 3


def test_a_bad_setting_is_a_configuration_error_that_never_echoes_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDB_DSN", "postgresql://ops:hunter2@db/opsdb")
    monkeypatch.setenv("OPSDB_POOL_MAX_SIZE", "hunter2")
    with pytest.raises(ConfigurationError, match="OPSDB_POOL_MAX_SIZE") as raised:
        load_settings()
    assert "hunter2" not in str(raised.value)
