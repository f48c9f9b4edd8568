"""What every repository shares: the bound connection, row mapping and partial updates.

No SQL of an aggregate (each subclass runs its own `sql/<name>.sql`) and no transactions (the caller's).
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from opsdb.connection import Connection, Record, replica_safe
from opsdb.errors import NotFoundError
from opsdb.queries import ordered, query, query_for

M = TypeVar("M", bound=BaseModel)

MAX_PAGE = 10_000


def page_limit(limit: int) -> int:
    """Clamp a listing's page size to 1..MAX_PAGE."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return min(limit, MAX_PAGE)


REPLICA_SAFE_PREFIXES = ("get_", "list_", "count_")


class Repository:
    """Base class: holds the connection (inside the caller's transaction, if any).

    Which calls may read from a replica (`Database.read`): every `get_*`, `list_*` and
    `count_*` method (pure reads by convention) is marked `@replica_safe`, except those a
    subclass names in `PRIMARY_ONLY` (reads that must never be stale, e.g. token checks).
    """

    PRIMARY_ONLY: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if (
                name.startswith(REPLICA_SAFE_PREFIXES)
                and name not in cls.PRIMARY_ONLY
                and inspect.iscoroutinefunction(member)
            ):
                setattr(cls, name, replica_safe(member))

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def _fetch_one(self, name: str, *args: Any, entity: str, key: object) -> Record:
        """Run a named query expecting one row; NotFoundError when there is none."""
        row = await self.conn.fetchrow(query(name), *args)
        if row is None:
            raise NotFoundError(entity, key)
        return row

    async def _fetch_page(self, name: str, *args: Any, **named: Any) -> list[Record]:
        """Run a named list query specialised to the filters given (opsdb.queries.query_for);
        its values by position (`$n` statements) or by name (`:name` statements), not both."""
        if named:
            if args:
                raise TypeError("give a list query's values by position or by name, not both")
            args = ordered(name, named)
        return await self.conn.fetch(query_for(name, *args), *args)

    async def _update(self, table: str, key: object, changes: BaseModel, *, entity: str) -> Record:
        """UPDATE only the fields the caller set; column names come from the model, values are binds."""
        values = changes.model_dump(exclude_unset=True, mode="python")
        if not values:
            row = await self.conn.fetchrow(f"SELECT * FROM {table} WHERE id = $1", key)
        else:
            assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(values, start=2))
            row = await self.conn.fetchrow(
                f"UPDATE {table} SET {assignments} WHERE id = $1 RETURNING *",
                key,
                *values.values(),
            )
        if row is None:
            raise NotFoundError(entity, key)
        return row
