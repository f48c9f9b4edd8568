"""Every deployment setting in one object, read from `OPSDB_*` environment variables.

`Settings()` reads the environment (pydantic-settings, prefix `OPSDB_`); `Database.connect`
takes one. DSNs are `SecretStr` (a repr or log line shows `**********`); the DSN checks and
redaction of opsdb/config.py apply to each. docs/deployment.md has the table.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from opsdb.config import check_dsn
from opsdb.errors import ConfigurationError

# query parameters opsdb reads from a DSN itself (asyncpg would send them to the server as
# startup parameters, which PgBouncer refuses)
DSN_OPTIONS = ("statement_cache_size", "pooler")


def _check(value: SecretStr | None, name: str) -> SecretStr | None:
    if value is None or not value.get_secret_value().strip():
        return None
    return SecretStr(check_dsn(value.get_secret_value().strip(), name))


class Settings(BaseSettings):
    """opsdb's deployment settings (environment: `OPSDB_<FIELD>`, e.g. `OPSDB_LOCK_TIMEOUT=5`)."""

    model_config = SettingsConfigDict(env_prefix="OPSDB_", extra="ignore", frozen=True)

    dsn: SecretStr | None = None
    """The primary (or the pooler in front of it): every write and must-be-fresh read."""
    replica_dsns: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    """Streaming replicas for plain reads: a comma-separated list or a JSON array."""
    listen_dsn: SecretStr | None = None
    """A direct (never pooled) connection for LISTEN; default: `dsn` when that is not pooled."""
    migrate_dsn: SecretStr | None = None
    """A direct connection for `opsdb migrate` (DDL, session advisory lock); default: `dsn`."""

    pool_min_size: int = Field(1, ge=0)
    pool_max_size: int = Field(10, ge=1)
    application_name: str = "opsdb"
    pooler: Literal["auto", "none", "transaction"] = "auto"
    """Whether `dsn` goes through a transaction pooler: `auto` probes once at connect."""
    statement_cache_size: int | None = Field(None, ge=0)
    """asyncpg's prepared-statement cache; None: 100 on a direct connection, 0 behind a pooler."""

    statement_timeout: float = Field(60.0, ge=0)
    """Seconds; 0 disables. Sent per session at connect (not through a pooler: role defaults there)."""
    lock_timeout: float = Field(10.0, ge=0)
    idle_in_transaction_session_timeout: float = Field(60.0, ge=0)
    connect_timeout: float = Field(10.0, gt=0)

    retry_attempts: int = Field(6, ge=1)
    """Attempts of a retry-safe step (connect, acquire, idempotent read, claim, batch)."""
    retry_max_seconds: float = Field(30.0, gt=0)
    """A retried step gives up after this long in all."""
    retry_max_wait: float = Field(5.0, gt=0)
    """Cap of one wait between attempts (exponential with full jitter below it)."""

    replica_max_wait: float = Field(2.0, ge=0)
    """How long a read-your-writes read waits for a replica to replay, before the primary."""
    replica_retry_after: float = Field(10.0, ge=0)
    """How long an unreachable replica is left out before it is tried again."""
    migrate_lock_timeout: float = Field(60.0, gt=0)
    """How long `opsdb migrate` waits for the deploy lock before naming its holder."""

    @field_validator("dsn", "listen_dsn", "migrate_dsn", mode="after")
    @classmethod
    def _valid_dsn(cls, value: SecretStr | None, info: Any) -> SecretStr | None:
        return _check(value, f"OPSDB_{info.field_name.upper()}")

    @field_validator("replica_dsns", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("replica_dsns", mode="after")
    @classmethod
    def _valid_replicas(cls, value: list[SecretStr]) -> list[SecretStr]:
        return [v for v in (_check(item, "OPSDB_REPLICA_DSNS") for item in value) if v is not None]

    def server_settings(self, *, pooled: bool) -> dict[str, str]:
        """Startup parameters for a session: application_name always; the timeouts only on a
        direct connection (PgBouncer refuses unknown startup parameters; set them per role)."""
        out = {"application_name": self.application_name}
        if not pooled:
            for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"):
                out[name] = str(int(getattr(self, name) * 1000))
        return out


def load_settings() -> Settings:
    """`Settings()` from the environment; a bad value is a ConfigurationError naming the
    variable (never echoing its value: it may hold a password)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"OPSDB_{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors(include_input=False, include_url=False)
        )
        raise ConfigurationError(f"invalid setting: {problems}") from None


def split_dsn_options(dsn: str) -> tuple[str, dict[str, str]]:
    """The DSN without opsdb's own query parameters (`DSN_OPTIONS`), and those parameters."""
    parts = urlsplit(dsn)
    if not parts.query:
        return dsn, {}
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in pairs if k in DSN_OPTIONS}
    if not ours:
        return dsn, {}
    rest = urlencode([(k, v) for k, v in pairs if k not in DSN_OPTIONS])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), ours


def secret(value: SecretStr | None) -> str | None:
    """The plain text of a secret setting (only at the point of use)."""
    return None if value is None else value.get_secret_value()
