"""Connection pool, unit of work and the error-translating connection repositories use.

A daemon needs three lines::

    async with await Database.connect() as db:          # OPSDB_DSN
        async with db.transaction() as uow:              # commits or rolls back as a whole
            site = await uow.sites.get_site_by_short_name("ccat")
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self, TypeAlias

import asyncpg

from opsdb.config import dsn_from_env, redact_dsn
from opsdb.errors import DatabaseUnavailableError, OpsdbError, translate

Record: TypeAlias = Mapping[str, Any]
"""A result row (an asyncpg.Record: read by column name)."""


async def init_connection(conn: asyncpg.Connection) -> None:
    """Per-connection setup: jsonb and json travel as Python objects."""
    for name in ("jsonb", "json"):
        await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class Connection:
    """An asyncpg connection whose errors arrive as `opsdb.errors` exceptions."""

    __slots__ = ("raw",)

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    def __repr__(self) -> str:
        return "<opsdb.Connection>"

    @asynccontextmanager
    async def _translated(self) -> AsyncIterator[None]:
        try:
            yield
        except asyncpg.PostgresError as exc:
            mapped = translate(exc)
            if mapped is None:
                raise
            raise mapped from exc

    async def fetch(self, query: str, *args: Any) -> list[Record]:
        async with self._translated():
            return list(await self.raw.fetch(query, *args))

    async def fetchrow(self, query: str, *args: Any) -> Record | None:
        async with self._translated():
            row: Record | None = await self.raw.fetchrow(query, *args)
            return row

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self._translated():
            return await self.raw.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        async with self._translated():
            result: str = await self.raw.execute(query, *args)
            return result

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None:
        async with self._translated():
            await self.raw.executemany(query, args)

    async def copy_records(self, table: str, records: Iterable[Sequence[Any]], columns: Sequence[str]) -> str:
        async with self._translated():
            result: str = await self.raw.copy_records_to_table(table, records=records, columns=list(columns))
            return result

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A transaction, or a savepoint when one is already open."""
        async with self._translated(), self.raw.transaction():
            yield


class UnitOfWork:
    """Every repository, bound to one connection inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        from opsdb.repositories import (
            copies,
            executions,
            files,
            obs_units,
            observatories,
            packages,
            programs,
            sites,
            sources,
            staging,
            tokens,
            transfers,
            users,
        )

        self.conn = conn
        self.observatories = observatories.ObservatoryRepository(conn)
        self.programs = programs.ProgramRepository(conn)
        self.sources = sources.SourceRepository(conn)
        self.obs_units = obs_units.ObsUnitRepository(conn)
        self.executions = executions.ExecutionRepository(conn)
        self.files = files.FileRepository(conn)
        self.packages = packages.PackageRepository(conn)
        self.copies = copies.PhysicalCopyRepository(conn)
        self.sites = sites.SiteRepository(conn)
        self.transfers = transfers.TransferRepository(conn)
        self.staging = staging.StagingRepository(conn)
        self.users = users.UserRepository(conn)
        self.tokens = tokens.TokenRepository(conn)


class Database:
    """A connection pool for one PostgreSQL database."""

    def __init__(self, pool: asyncpg.Pool, dsn: str) -> None:
        self.pool = pool
        self._dsn = dsn

    def __repr__(self) -> str:
        return f"<opsdb.Database {redact_dsn(self._dsn)}>"

    @property
    def dsn(self) -> str:
        return self._dsn

    @classmethod
    async def connect(cls, dsn: str | None = None, *, min_size: int = 1, max_size: int = 10) -> Self:
        """Open a pool on `dsn` (default: `OPSDB_DSN`)."""
        dsn = dsn or dsn_from_env()
        if dsn is None:
            raise DatabaseUnavailableError("no database configured: set OPSDB_DSN")
        try:
            pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=init_connection)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnavailableError(
                f"cannot connect to {redact_dsn(dsn)}: {type(exc).__name__}: {redact_dsn(str(exc))}"
            ) from None
        return cls(pool, dsn)

    async def close(self) -> None:
        await self.pool.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A pooled connection without an enclosing transaction (each statement commits)."""
        async with self.pool.acquire() as raw:
            yield Connection(raw)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work: every repository call inside commits together or not at all."""
        async with self.pool.acquire() as raw:
            conn = Connection(raw)
            async with conn.transaction():
                yield UnitOfWork(conn)


__all__ = ["Connection", "Database", "OpsdbError", "Record", "UnitOfWork", "init_connection"]
