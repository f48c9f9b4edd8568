"""A forbidden transition refused by a state trigger whatever the session has planned before."""

from __future__ import annotations

import asyncpg
import pytest

from opsdb.db import Database


async def assert_refused_cold_and_warm(dsn: str, table: str, ids: list[int], current: str, target: str) -> None:
    """`UPDATE table SET status = target` of rows `ids` (all in `current`, at least three) is refused
    with OPS01 naming the first row, for a batch and for one row, in a fresh session and in one whose
    first statement was a one-row UPDATE (a PL/pgSQL trigger keeps its first call's plan); nothing
    is written: no history row, every status unchanged."""
    assert len(ids) >= 3
    setup = await Database.connect(dsn, min_size=1, max_size=1)
    async with setup, setup.connection() as conn:
        before = await conn.fetchval("SELECT count(*) FROM state_history")
    for warm in (False, True):
        fresh = await Database.connect(dsn, min_size=1, max_size=1)  # a new session each time
        async with fresh, fresh.connection() as conn:
            if warm:
                await conn.execute(f"UPDATE {table} SET priority = 1 WHERE id = $1", ids[0])
            more = f" (and {len(ids) - 2} more rows of this statement)"
            for batch, tail in ((ids[1:], more), (ids[:1], "")):
                with pytest.raises(asyncpg.PostgresError) as err:
                    await conn.raw.execute(
                        f"UPDATE {table} SET status = $2 WHERE id = ANY($1::bigint[])", batch, target
                    )
                assert err.value.sqlstate == "OPS01"
                assert str(err.value).splitlines()[0] == (
                    f"{table} {batch[0]}: status {current} -> {target} is not an allowed transition{tail}"
                )
            assert await conn.fetchval("SELECT count(*) FROM state_history") == before
            statuses = await conn.fetch(f"SELECT status FROM {table} WHERE id = ANY($1::bigint[])", ids)
            assert {r["status"] for r in statuses} == {current}
