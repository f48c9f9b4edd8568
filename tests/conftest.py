"""Test harness: a real PostgreSQL for every test, never a mock.

Server: `OPSDB_TEST_DSN` (an existing server where the user may CREATE DATABASE), else
testcontainers' PostgreSQL when `OPSDB_TEST_CONTAINERS=1` and a Docker engine answers, else
a throwaway embedded PostgreSQL 18 started once per session. Isolation: the migrations are
applied once to a template database; each test gets its own copy (CREATE DATABASE ...
TEMPLATE, ~50 ms) and may commit, open several connections and race them.

Pooled runs: with `OPSDB_TEST_POOLER_DSN` (a PgBouncer in transaction mode in front of the
`OPSDB_TEST_DSN` server, any database name: e.g. `postgresql://postgres@127.0.0.1:6432/`),
`database_dsn` and `db` of the registration, work-protocol, CLI and simulation modules go
through the pooler, as an operator's OPSDB_DSN would. Tests of what needs a direct connection
by design (migrations, LISTEN) keep the direct one (`_needs_direct`).
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import psycopg
import pytest

from opsdb import embedded, migrate
from opsdb.config import with_database
from opsdb.db import Database
from opsdb.testing import World, build_world
from tests.cluster_support import Cluster, free_port


def pytest_configure(config: pytest.Config) -> None:
    # a terminated run still stops its server (cleanup runs on SystemExit)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def _containers() -> Iterator[str] | None:
    if os.environ.get("OPSDB_TEST_CONTAINERS", "") not in ("1", "true", "yes"):
        return None
    try:
        try:
            from testcontainers.community.postgres import PostgresContainer
        except ImportError:  # testcontainers before the community namespace
            from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:18", driver=None)
        container.start()
    except Exception as exc:  # no Docker engine, or no image: fall back to embedded
        warnings.warn(f"testcontainers unavailable ({type(exc).__name__}); using embedded PostgreSQL", stacklevel=1)
        return None

    def run() -> Iterator[str]:
        try:
            yield container.get_connection_url()
        finally:
            container.stop()

    return run()


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    """Admin DSN of the server the suite runs on."""
    configured = os.environ.get("OPSDB_TEST_DSN", "").strip()
    if configured:
        yield configured
        return
    containers = _containers()
    if containers is not None:
        yield from containers
        return
    with embedded.throwaway() as dsn:
        yield dsn


def _admin(server_dsn: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(server_dsn, autocommit=True)


_names = itertools.count()


@pytest.fixture(scope="session")
def template_db(server_dsn: str) -> Iterator[str]:
    """A database holding the migrated schema, used as the template of every test database."""
    name = f"opsdb_tpl_{os.getpid()}"
    with _admin(server_dsn) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    migrate.apply(with_database(server_dsn, name))
    with _admin(server_dsn) as admin:
        admin.execute(f'ALTER DATABASE "{name}" IS_TEMPLATE true')
    yield name
    with _admin(server_dsn) as admin:
        admin.execute(f'ALTER DATABASE "{name}" IS_TEMPLATE false')
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_database(server_dsn: str, template: str | None) -> Iterator[str]:
    name = f"opsdb_test_{os.getpid()}_{next(_names)}"
    source = f' TEMPLATE "{template}"' if template else ""
    with _admin(server_dsn) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{source}')
    try:
        yield with_database(server_dsn, name)
    finally:
        with _admin(server_dsn) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


POOLED_MODULES = ("test_registration", "test_work", "test_cli", "test_simulate")
_DIRECT_BY_DESIGN = (
    "migrate",
    "rollback",
    "notify",
    "listen",
    # holds session state (SET lock_timeout) on a raw asyncpg connection of its own
    "test_deleting_an_executed_obs_unit_waits_for_a_registration_that_uses_it",
    # terminates the backend under the keeper's client connection: behind a pooler that backend
    # is the pool's, and the client connection never breaks
    "test_a_killed_renewal_connection_is_replaced_without_losing_the_claim",
)


def _pooled_dsn(request: pytest.FixtureRequest, direct: str) -> str:
    """The pooler's DSN for the same database when this test runs pooled (see module docstring)."""
    pooler = os.environ.get("OPSDB_TEST_POOLER_DSN", "").strip()
    module = request.node.module.__name__.rpartition(".")[2]
    if not pooler or not module.startswith(POOLED_MODULES) or any(w in request.node.name for w in _DIRECT_BY_DESIGN):
        return direct
    return with_database(pooler, urlsplit(direct).path.lstrip("/"))


@pytest.fixture
def direct_dsn(server_dsn: str, template_db: str) -> Iterator[str]:
    """DSN of a fresh, fully migrated database for this test only, never through a pooler."""
    yield from _fresh_database(server_dsn, template_db)


@pytest.fixture
def database_dsn(direct_dsn: str, request: pytest.FixtureRequest) -> str:
    """DSN of a fresh, fully migrated database for this test only (pooled in pooled runs)."""
    return _pooled_dsn(request, direct_dsn)


@pytest.fixture(scope="module")
def module_dsn(server_dsn: str, template_db: str) -> Iterator[str]:
    """DSN of a fresh, fully migrated database shared by one module's tests (a large fill built once)."""
    yield from _fresh_database(server_dsn, template_db)


@pytest.fixture
def empty_dsn(server_dsn: str) -> Iterator[str]:
    """DSN of a fresh database with no schema at all (migration tests)."""
    yield from _fresh_database(server_dsn, None)


@pytest.fixture
async def db(database_dsn: str) -> AsyncIterator[Database]:
    """A connection pool on this test's own migrated database."""
    database = await Database.connect(database_dsn, min_size=1, max_size=20)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def world(db: Database) -> World:
    """The one test world (`opsdb.testing.seed_world`) in this test's database."""
    return await build_world(db)


@pytest.fixture
async def observing_world(db: Database) -> World:
    """The one test world while observing: two modules (LFA, HFA) and two running executions."""
    return await build_world(db, modules=2, running=2)


# -- clusters the tests control (restart, stop, replicate): tests/cluster_support.py --------


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[Cluster]:
    """A server of the suite's PostgreSQL version that this module may stop and restart, with a
    migrated template database `opsdb_tpl`."""
    cluster = Cluster.create(free_port())
    try:
        cluster.start()
        _migrated_template(cluster.dsn())
        yield cluster
    finally:
        cluster.destroy()


def _migrated_template(admin_dsn: str) -> None:
    with _admin(admin_dsn) as admin:
        admin.execute('CREATE DATABASE "opsdb_tpl"')
    migrate.apply(with_database(admin_dsn, "opsdb_tpl"))
    with _admin(admin_dsn) as admin:
        admin.execute('ALTER DATABASE "opsdb_tpl" IS_TEMPLATE true')


@pytest.fixture
def own_dsn(own_cluster: Cluster) -> Iterator[str]:
    """A fresh migrated database on `own_cluster` (the server is running again afterwards)."""
    if not own_cluster.running():
        own_cluster.start()
    own_cluster.wait_ready()
    name = f"opsdb_own_{next(_names)}"
    with _admin(own_cluster.dsn()) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "opsdb_tpl"')
    yield with_database(own_cluster.dsn(), name)
    if not own_cluster.running():
        own_cluster.start()
    own_cluster.wait_ready()
    with _admin(own_cluster.dsn()) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
