"""The error-translating connection every repository and protocol call runs on, and its call markers.

`Connection` wraps one asyncpg connection: every driver, pool and OS error leaves it as an
`opsdb.errors` type, and a pooled one replaces a lost raw connection where that is safe.
`@idempotent` / `@replica_safe` mark calls whose statements may run again or on a replica.
Pools, replicas and the unit of work live in opsdb/db.py, above the repositories.
"""

from __future__ import annotations

import contextvars
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, ParamSpec, Protocol, TypeAlias, TypeVar

import asyncpg

from opsdb.errors import ConfigurationError, OpsdbError, translate_any
from opsdb.retrying import retrying
from opsdb.settings import Settings


class ConnectionFactory(Protocol):
    """Anything that hands out connections (`opsdb.db.Database`)."""

    def connection(self) -> AbstractAsyncContextManager[Connection]: ...


class RawSource(Protocol):
    """Where a `Connection` gets a fresh raw connection (opsdb.db's pool)."""

    settings: Settings
    pooled: bool

    async def acquire_raw(self) -> asyncpg.Connection: ...

    async def release_raw(self, raw: asyncpg.Connection) -> None: ...


Record: TypeAlias = Mapping[str, Any]
"""A result row (an asyncpg.Record: read by column name)."""

P = ParamSpec("P")
T = TypeVar("T")

_IDEMPOTENT: contextvars.ContextVar[bool] = contextvars.ContextVar("opsdb_idempotent", default=False)


def idempotent(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Mark an async call whose statements may run again after a lost connection.

    Statements it sends outside a transaction, on a pooled `Connection`, are retried (a new
    connection from the pool) on a lost connection, an unreachable server or a rollback.
    """

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        token = _IDEMPOTENT.set(True)
        try:
            return await fn(*args, **kwargs)
        finally:
            _IDEMPOTENT.reset(token)

    return wrapper


def replica_safe(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Mark a repository call as a pure read: it may run on a replica (`db.read()`) and is idempotent."""
    wrapped = idempotent(fn)
    wrapped.__opsdb_replica_safe__ = True  # type: ignore[attr-defined]
    return wrapped


def is_replica_safe(fn: object) -> bool:
    """Whether a (bound or plain) call is marked `@replica_safe`."""
    return bool(getattr(fn, "__opsdb_replica_safe__", False))


def _dead(raw: asyncpg.Connection) -> bool:
    """Closed, or detached from its pool (asyncpg releases a pooled connection when it is lost)."""
    try:
        return bool(raw.is_closed())
    except asyncpg.InterfaceError:
        return True


def _in_transaction(raw: asyncpg.Connection) -> bool:
    try:
        return bool(raw.is_in_transaction())
    except asyncpg.InterfaceError:
        return False


async def init_connection(conn: asyncpg.Connection) -> None:
    """Per-connection setup: jsonb and json travel as Python objects."""
    for name in ("jsonb", "json"):
        await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class Connection:
    """An asyncpg connection whose errors arrive as `opsdb.errors` exceptions.

    From `Database.connection()` it can replace its raw connection when that is found dead
    between transactions (nothing was sent on it) or, inside `@idempotent` calls, after a
    statement outside a transaction lost it.
    """

    __slots__ = ("_source", "raw")

    def __init__(self, raw: asyncpg.Connection, source: RawSource | None = None) -> None:
        self.raw = raw
        self._source = source

    def __repr__(self) -> str:
        return "<opsdb.Connection>"

    @asynccontextmanager
    async def _translated(self) -> AsyncIterator[None]:
        try:
            yield
        except OpsdbError:
            raise
        except Exception as exc:
            mapped = translate_any(exc)
            if mapped is None:
                raise
            raise mapped from exc

    async def _swap(self) -> None:
        """Give the dead raw connection back to the pool (it is discarded) and take a fresh one."""
        assert self._source is not None
        old, self.raw = self.raw, await self._source.acquire_raw()
        await self._source.release_raw(old)

    @property
    def pooled(self) -> bool:
        """Whether this connection goes through a transaction pooler (no session state may last)."""
        return self._source is not None and self._source.pooled

    def in_transaction(self) -> bool:
        """Whether a transaction is open on this connection (False on a lost one)."""
        return _in_transaction(self.raw)

    async def ensure_alive(self) -> None:
        """Between transactions: swap a connection the pool found lost for a fresh one (no-op otherwise)."""
        if self._source is not None and not _in_transaction(self.raw) and _dead(self.raw):
            await self._swap()

    async def replace(self) -> None:
        """Swap the raw connection for a fresh one from the pool (after a lost connection)."""
        if self._source is None:
            raise ConfigurationError("this connection does not come from a Database: it cannot be replaced")
        await self._swap()

    async def _call(self, op: Callable[[asyncpg.Connection], Awaitable[T]], retry: bool) -> T:
        source = self._source
        if source is None or _in_transaction(self.raw):
            async with self._translated():
                return await op(self.raw)
        if _dead(self.raw):
            await self._swap()  # found dead before anything was sent: always safe
        if not (retry or _IDEMPOTENT.get()):
            async with self._translated():
                return await op(self.raw)
        async for attempt in retrying(source.settings, idempotent=True):
            with attempt:
                if _dead(self.raw):
                    await self._swap()
                async with self._translated():
                    return await op(self.raw)
        raise AssertionError("unreachable")  # pragma: no cover (tenacity re-raises)

    async def fetch(self, query: str, *args: Any, retry: bool = False) -> list[Record]:
        return await self._call(lambda raw: raw.fetch(query, *args), retry)

    async def fetchrow(self, query: str, *args: Any, retry: bool = False) -> Record | None:
        row: Record | None = await self._call(lambda raw: raw.fetchrow(query, *args), retry)
        return row

    async def fetchval(self, query: str, *args: Any, retry: bool = False) -> Any:
        return await self._call(lambda raw: raw.fetchval(query, *args), retry)

    async def execute(self, query: str, *args: Any, retry: bool = False) -> str:
        result: str = await self._call(lambda raw: raw.execute(query, *args), retry)
        return result

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None:
        await self._call(lambda raw: raw.executemany(query, args), False)

    async def copy_records(self, table: str, records: Iterable[Sequence[Any]], columns: Sequence[str]) -> str:
        result: str = await self._call(
            lambda raw: raw.copy_records_to_table(table, records=records, columns=list(columns)), False
        )
        return result

    async def copy_binary(self, table: str, payload: bytes, columns: Sequence[str]) -> str:
        """COPY a ready binary-format payload (header, rows, trailer) into `table`'s `columns`.

        One round trip and no type introspection: the caller encoded the values.
        """
        result: str = await self._call(
            lambda raw: raw.copy_to_table(table, source=memoryview(payload), columns=list(columns), format="binary"),
            False,
        )
        return result

    @property
    def session(self) -> object:
        """The server session underneath, as an opaque token: it changes when the raw connection
        is replaced, so session state (temporary tables, codecs) must then be set up again."""
        raw = self.raw
        return getattr(raw, "_con", None) or raw  # (a pool hands out proxies of its connections)

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[None]:
        """A transaction, or a savepoint when one is already open."""
        if self._source is not None and not _in_transaction(self.raw) and _dead(self.raw):
            await self._swap()
        async with self._translated(), self.raw.transaction(readonly=readonly):
            yield

    async def commit_position(self) -> str:
        """The primary's WAL insert position now: after a commit on this connection, at or past it."""
        position: str = await self.fetchval("SELECT pg_current_wal_insert_lsn()::text")
        return position
