"""Connection pools, unit of work, read replicas, and the error-translating connection repositories use.

A daemon needs three lines::

    async with await Database.connect() as db:          # OPSDB_DSN (opsdb.settings.Settings)
        async with db.transaction() as uow:              # commits or rolls back as a whole
            site = await uow.sites.get_site_by_short_name("ccat")

Every driver, pool and OS error leaves as an `opsdb.errors` type (translated here, at the
edge). Opening and acquiring connections is retried (opsdb/retrying.py); so are statements of
calls marked `@idempotent` or `@replica_safe` that run outside a transaction.

Read replicas (`OPSDB_REPLICA_DSNS`) and read-your-writes::

    async with db.transaction() as uow:
        await uow.files.create(...)
    seen = await db.write_position()                     # WAL position after the commit
    async with db.read(after=seen) as uow:               # a replica that replayed it, else the primary
        await uow.files.get(...)

`db.read()` without `after` takes any live replica (round robin), or the primary when there is
none. A replica that cannot be reached is left out for `replica_retry_after` seconds. Which
repository calls may run there: the ones marked `@replica_safe` (`is_replica_safe`).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from types import TracebackType
from typing import Any, Self

import anyio
import asyncpg

from opsdb.config import redact_dsn
from opsdb.connection import (
    Connection,
    Record,
    idempotent,
    init_connection,
    is_replica_safe,
    replica_safe,
)
from opsdb.errors import (
    ConfigurationError,
    ConnectionLostError,
    DatabaseUnavailableError,
    OpsdbError,
    translate_any,
)
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
from opsdb.retrying import retrying
from opsdb.settings import Settings, load_settings, secret, split_dsn_options

log = logging.getLogger("opsdb.db")


class UnitOfWork:
    """Every repository, bound to one connection inside one transaction.

    `on_replica` tells whether it reads from a replica (`Database.read`).
    """

    def __init__(self, conn: Connection, *, on_replica: bool = False) -> None:
        self.conn = conn
        self.on_replica = on_replica
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


async def _probe_pooled(dsn: str, settings: Settings) -> bool:
    """Whether `dsn` leads through a pooler: the backend pid the server reports differs from the
    one in the connection's start-up (PgBouncer sends its own cancel key)."""
    async for attempt in retrying(settings):
        with attempt:
            try:
                conn = await asyncpg.connect(
                    dsn,
                    statement_cache_size=0,
                    timeout=settings.connect_timeout,
                    server_settings={"application_name": settings.application_name},
                )
            except Exception as exc:
                raise _unavailable(dsn, exc) from None
    try:
        backend = await conn.fetchval("SELECT pg_backend_pid()")
        return bool(backend != conn.get_server_pid())
    except Exception as exc:
        raise _unavailable(dsn, exc) from None
    finally:
        with suppress(Exception):
            await conn.close()


def _unavailable(dsn: str, exc: BaseException) -> OpsdbError:
    mapped = translate_any(exc, connecting=True)
    if isinstance(mapped, DatabaseUnavailableError) and not isinstance(mapped, ConfigurationError):
        return DatabaseUnavailableError(f"cannot connect to {redact_dsn(dsn)}: {redact_dsn(str(mapped))}")
    if mapped is not None:
        return mapped
    return DatabaseUnavailableError(
        f"cannot connect to {redact_dsn(dsn)}: {type(exc).__name__}: {redact_dsn(str(exc))}"
    )


async def is_pooled(dsn: str, settings: Settings | None = None) -> bool:
    """Whether `dsn` goes through a pooler (honours a `pooler` DSN option or `OPSDB_POOLER`)."""
    settings = settings or load_settings()
    plain, options = split_dsn_options(dsn)
    mode = options.get("pooler", settings.pooler)
    if mode != "auto":
        return mode == "transaction"
    return await _probe_pooled(plain, settings)


class PoolerSafeConnection(asyncpg.Connection):  # type: ignore[misc]
    """The raw connection behind a transaction pooler: asyncpg's type introspection in one transaction.

    asyncpg learns a type it has not seen (an enum, a domain, an array of them) on each
    connection with one catalog query, sent between `set_config('jit', 'off', false)` and
    the call that restores the setting: a server with JIT compiles that query's plan, which
    costs 50-100 ms alone and seconds with twenty at once. Outside a transaction PgBouncer
    may send the three statements to three server connections: the query then runs with JIT
    on, and `jit = off` is left on some other client's server session. In one transaction
    they share one server connection, and the session is left as it was (the restore runs
    before COMMIT). Session 7: completions that met a new type took 3-6 s through PgBouncer
    (0.02 s direct) and lost 2 s leases (docs/deployment.md, "PgBouncer").
    """

    async def _introspect_types(self, typeoids: Any, timeout: Any) -> Any:  # noqa: ASYNC109 (asyncpg's signature)
        if self.is_in_transaction():  # one server connection already
            return await super()._introspect_types(typeoids, timeout)
        async with self.transaction():
            return await super()._introspect_types(typeoids, timeout)


class _Pool:
    """One asyncpg pool (the primary's or a replica's), with retried acquire and translated errors."""

    def __init__(self, pool: asyncpg.Pool, dsn: str, settings: Settings, pooled: bool) -> None:
        self.pool = pool
        self.dsn = dsn
        self.settings = settings
        self.pooled = pooled
        self.down_until = 0.0

    @classmethod
    async def open(cls, dsn: str, settings: Settings, *, min_size: int, max_size: int, lazy: bool = False) -> _Pool:
        plain, options = split_dsn_options(dsn)
        mode = options.get("pooler", settings.pooler)
        pooled = mode == "transaction"
        if mode == "auto":
            try:
                probe = settings.model_copy(update={"retry_attempts": 1}) if lazy else settings
                pooled = await _probe_pooled(plain, probe)
            except DatabaseUnavailableError:
                if not lazy:
                    raise
                pooled = True  # a replica down at start: the pooler-safe settings work either way
        cache = options.get("statement_cache_size")
        if cache is not None:
            cache_size = int(cache)
        elif settings.statement_cache_size is not None:
            cache_size = settings.statement_cache_size
        else:
            cache_size = 0 if pooled else 100
        async for attempt in retrying(settings):
            with attempt:
                pool = asyncpg.create_pool(
                    plain,
                    min_size=0 if lazy else min_size,
                    max_size=max_size,
                    init=init_connection,
                    connection_class=PoolerSafeConnection if pooled else asyncpg.Connection,
                    statement_cache_size=cache_size,
                    server_settings=settings.server_settings(pooled=pooled),
                    timeout=settings.connect_timeout,
                )
                try:
                    await pool
                except Exception as exc:
                    with suppress(Exception):
                        pool.terminate()
                    raise _unavailable(plain, exc) from None
        return cls(pool, dsn, settings, pooled)

    async def acquire_raw(self) -> asyncpg.Connection:
        async for attempt in retrying(self.settings):
            with attempt:
                try:
                    # waiting for a free slot is normal load and not bounded; opening a new
                    # connection is (connect_timeout, given to the pool)
                    return await self.pool.acquire()
                except Exception as exc:
                    raise _unavailable(self.dsn, exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def release_raw(self, raw: asyncpg.Connection) -> None:
        # a connection broken mid-use fails its reset; asyncpg then discards it, and the work
        # of the caller (committed or rolled back already) is not affected
        with suppress(Exception):
            await self.pool.release(raw)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        conn = Connection(await self.acquire_raw(), self)
        try:
            yield conn
        finally:
            await self.release_raw(conn.raw)

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[Connection]:
        """A connection inside a fresh transaction; a connection found dead at BEGIN is replaced."""
        async for attempt in retrying(self.settings, idempotent=True):
            with attempt:
                raw = await self.acquire_raw()
                tx = raw.transaction(readonly=readonly)
                try:
                    await tx.start()
                except Exception as exc:
                    await self.release_raw(raw)
                    mapped = translate_any(exc)
                    if mapped is None:
                        raise
                    raise mapped from exc
        conn = Connection(raw, self)
        try:
            try:
                yield conn
            except BaseException:
                with suppress(Exception):
                    await tx.rollback()
                raise
            try:
                await tx.commit()
            except Exception as exc:
                mapped = translate_any(exc)
                if mapped is None:
                    raise
                raise mapped from exc
        finally:
            await self.release_raw(conn.raw)

    async def close(self) -> None:
        with suppress(Exception):
            await self.pool.close()


class Database:
    """A connection pool for one PostgreSQL primary, plus optional streaming replicas for reads."""

    def __init__(self, primary: _Pool, replicas: Sequence[_Pool] = (), settings: Settings | None = None) -> None:
        self._primary = primary
        self._replicas = list(replicas)
        self._turn = itertools.count()
        self.settings = settings or primary.settings

    def __repr__(self) -> str:
        return f"<opsdb.Database {redact_dsn(self._primary.dsn)} replicas={len(self._replicas)}>"

    @property
    def pool(self) -> asyncpg.Pool:
        """The primary's asyncpg pool."""
        return self._primary.pool

    @property
    def dsn(self) -> str:
        return self._primary.dsn

    @property
    def pooled(self) -> bool:
        """Whether the primary DSN goes through a transaction pooler (detected or configured)."""
        return self._primary.pooled

    @classmethod
    async def connect(
        cls,
        dsn: str | None = None,
        *,
        min_size: int | None = None,
        max_size: int | None = None,
        replicas: Sequence[str] | None = None,
        settings: Settings | None = None,
    ) -> Self:
        """Open a pool on `dsn` (default: `OPSDB_DSN`) and lazy pools on the replicas
        (default: `OPSDB_REPLICA_DSNS`); every other setting from `settings` (default: the environment)."""
        settings = settings or load_settings()
        dsn = dsn or secret(settings.dsn)
        if not dsn:
            raise ConfigurationError("no database configured: set OPSDB_DSN")
        min_size = settings.pool_min_size if min_size is None else min_size
        max_size = settings.pool_max_size if max_size is None else max_size
        primary = await _Pool.open(dsn, settings, min_size=min_size, max_size=max_size)
        replica_dsns = [secret(r) or "" for r in settings.replica_dsns] if replicas is None else list(replicas)
        pools = []
        try:
            for replica in replica_dsns:
                pools.append(await _Pool.open(replica, settings, min_size=0, max_size=max_size, lazy=True))
        except BaseException:
            for opened in [primary, *pools]:
                await opened.close()
            raise
        return cls(primary, pools, settings)

    async def close(self) -> None:
        for pool in [self._primary, *self._replicas]:
            await pool.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A pooled connection on the primary without an enclosing transaction (each statement commits)."""
        async with self._primary.connection() as conn:
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work on the primary: every repository call inside commits together or not at all."""
        async with self._primary.transaction() as conn:
            yield UnitOfWork(conn)

    async def write_position(self) -> str:
        """The primary's WAL position now (text, e.g. '0/3A1B2C8'): at or past every commit so far.

        Take it after a commit and pass it to `read(after=...)` to read that write back.
        """
        async with self.connection() as conn:
            position: str = await conn.fetchval("SELECT pg_current_wal_insert_lsn()::text", retry=True)
            return position

    @asynccontextmanager
    async def read(self, *, after: str | None = None) -> AsyncIterator[UnitOfWork]:
        """A read-only unit of work on a replica, or on the primary when no replica serves.

        With `after` (a `write_position()`), only a replica that has replayed that position
        serves; one that lags is waited for up to `replica_max_wait` seconds, then the primary
        answers. Only `@replica_safe` calls belong here (a write fails: read-only transaction).
        """
        conn = await self._replica_connection(after)
        if conn is None:
            async with self._primary.transaction(readonly=True) as primary:
                yield UnitOfWork(primary, on_replica=False)
            return
        source = conn._source
        assert isinstance(source, _Pool)
        try:
            async with conn.transaction(readonly=True):
                yield UnitOfWork(conn, on_replica=True)
        except (ConnectionLostError, DatabaseUnavailableError) as exc:
            self._mark_down(source, exc)  # the read may simply run again: the primary answers it
            raise
        finally:
            await source.release_raw(conn.raw)

    async def _replica_connection(self, after: str | None) -> Connection | None:
        """A connection to a live replica that has replayed `after`; None: use the primary."""
        if not self._replicas:
            return None
        now = time.monotonic()
        start = next(self._turn)
        order = [self._replicas[(start + i) % len(self._replicas)] for i in range(len(self._replicas))]
        deadline = now + self.settings.replica_max_wait
        for replica in order:
            if replica.down_until > now:
                continue
            try:
                raw = await replica.pool.acquire(timeout=self.settings.connect_timeout)
            except Exception as exc:
                self._mark_down(replica, exc)
                continue
            conn = Connection(raw, replica)
            try:
                if after is None or await self._caught_up(conn, after, deadline):
                    return conn
            except Exception as exc:
                self._mark_down(replica, exc)
            await replica.release_raw(raw)
        return None

    async def _caught_up(self, conn: Connection, after: str, deadline: float) -> bool:
        """Wait (bounded) until the replica has replayed `after`."""
        delay = 0.005
        while True:
            replayed = await conn.raw.fetchval(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, true)", after
            )
            if replayed:
                return True
            if time.monotonic() + delay > deadline:
                return False
            await anyio.sleep(delay)
            delay = min(delay * 2, 0.1)

    def _mark_down(self, replica: _Pool, exc: BaseException) -> None:
        replica.down_until = time.monotonic() + self.settings.replica_retry_after
        log.warning(
            "replica %s unavailable (%s); reading from the primary for %.0f s",
            redact_dsn(replica.dsn),
            type(exc).__name__,
            self.settings.replica_retry_after,
        )


__all__ = [
    "Connection",
    "Database",
    "OpsdbError",
    "Record",
    "UnitOfWork",
    "idempotent",
    "init_connection",
    "is_pooled",
    "is_replica_safe",
    "replica_safe",
]
