"""work.fail_many: a batch's failures in one statement, each recorded exactly as work.fail records one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest

from opsdb import pipeline, work
from opsdb.db import Connection, Database
from opsdb.errors import ClaimLostError, InputValidationError
from opsdb.testing import World, add_package_copy, add_packages, build_world
from opsdb.work import KINDS, Claim, WorkKind

pytestmark = pytest.mark.anyio

KINDS_TESTED = [WorkKind.RAW_DATA_PACKAGE_BUILD, WorkKind.PHYSICAL_COPY_DELETION]


async def _items(conn: Connection, world: World, kind: WorkKind, n: int, name: str) -> list[int]:
    """`n` claimable items of `kind` (deletions: buffer copies of archived packages, scheduled)."""
    if kind is WorkKind.RAW_DATA_PACKAGE_BUILD:
        return await add_packages(conn, world, n, name=name)
    packages = await add_packages(conn, world, n, status="completed", state="archived", name=name)
    copies = []
    for package in packages:
        await add_package_copy(conn, package, world.locations["cologne_lta"], verified=True)
        copies.append(await add_package_copy(conn, package, world.locations["ccat_buffer"]))
    await pipeline.schedule_deletions(conn, locations=[world.locations["ccat_buffer"]])
    return copies


async def _claimed(conn: Connection, kind: WorkKind, ids: list[int]) -> list[Claim]:
    claims = await work.claim(conn, kind, "w", limit=len(ids), lease_seconds=600)
    assert sorted(c.item_id for c in claims) == sorted(ids)
    return sorted(claims, key=lambda c: ids.index(c.item_id))


async def _state(conn: Connection, kind: WorkKind, ids: list[int]) -> list[tuple[Any, ...]]:
    """What a failure writes, per item in `ids` order: protocol columns, backoff (s), history."""
    spec = KINDS[kind]
    rows = await conn.fetch(
        f"SELECT t.status, t.attempts, t.max_attempts, t.last_error, t.claimed_by,"
        f" t.claim_token IS NULL AS untokened, t.lease_until IS NULL AS unleased,"
        f" round(extract(epoch FROM t.next_attempt_at - t.updated_at)) AS backoff,"
        f" ARRAY(SELECT ROW(h.column_name, h.from_state, h.to_state, h.claimed_by, h.claim_ref IS NULL)::text"
        f"       FROM state_history h WHERE h.table_name = '{spec.table}' AND h.item_id = t.id::text ORDER BY h.id)"
        f" AS history"
        f" FROM {spec.table} t JOIN unnest($1::bigint[]) WITH ORDINALITY AS i(id, n) ON i.id = t.id ORDER BY i.n",
        ids,
    )
    return [tuple(r) for r in rows]


async def _prepare(conn: Connection, kind: WorkKind, ids: list[int]) -> None:
    """Item i: i % 3 == 0 has no attempt left after its claim (fails), 1 is on its third attempt
    (4x backoff), 2 on its first (1x backoff)."""
    table = KINDS[kind].table
    await conn.execute(f"UPDATE {table} SET max_attempts = 1 WHERE id = ANY($1)", ids[0::3])
    await conn.execute(f"UPDATE {table} SET attempts = 2 WHERE id = ANY($1)", ids[1::3])


@pytest.mark.parametrize("kind", KINDS_TESTED)
async def test_fail_many_writes_what_n_calls_of_fail_write(db: Database, kind: WorkKind) -> None:
    world = await build_world(db)
    n = 6
    async with db.connection() as conn:
        one_by_one = await _items(conn, world, kind, n, "a")
        batched = await _items(conn, world, kind, n, "b")
        await _prepare(conn, kind, one_by_one)
        await _prepare(conn, kind, batched)
        claims = await _claimed(conn, kind, one_by_one + batched)
        errors = [f"error #{i}" for i in range(n)]
        singles = [
            await work.fail(conn, c, e, backoff_seconds=60, max_backoff_seconds=3600)
            for c, e in zip(claims[:n], errors, strict=True)
        ]
        many = await work.fail_many(conn, kind, claims[n:], errors, backoff_seconds=60, max_backoff_seconds=3600)
        expected = await _state(conn, kind, one_by_one)
        got = await _state(conn, kind, batched)
    assert got == expected
    assert [i.item_id for i in many] == batched  # in the claims' order
    assert [i.status for i in many] == [i.status for i in singles]
    spec = KINDS[kind]
    assert [row[0] for row in got] == [spec.failed, spec.pending, spec.pending] * 2
    assert [row[7] for row in got] == [0, 240, 60] * 2  # no backoff when failed; 60 s doubling per attempt
    assert [row[3] for row in got] == errors
    assert all(len(row[8]) >= 2 for row in got)  # the claim and the failure are both in the history


@pytest.mark.parametrize("kind", KINDS_TESTED)
async def test_a_stale_claim_is_reported_lost_and_the_rest_still_fail(db: Database, kind: WorkKind) -> None:
    world = await build_world(db)
    async with db.connection() as conn:
        ids = await _items(conn, world, kind, 3, "s")
        claims = await _claimed(conn, kind, ids)
        stale = replace(claims[1], token=uuid4())
        before = await _state(conn, kind, [ids[1]])
        async with conn.transaction():  # caught inside the transaction, the others are kept
            with pytest.raises(work.ClaimsLostError) as lost:
                await work.fail_many(conn, kind, [claims[0], stale, claims[2]], ["x", "y", "z"])
        assert [c.item_id for c in lost.value.lost] == [ids[1]]
        assert [c.item_id for c in lost.value.renewed] == [ids[0], ids[2]]
        assert isinstance(lost.value, ClaimLostError)
        state = await _state(conn, kind, ids)
        assert [s[0] for s in state] == [KINDS[kind].pending, KINDS[kind].running, KINDS[kind].pending]
        assert [s[3] for s in state] == ["x", None, "z"]
        assert await _state(conn, kind, [ids[1]]) == before
        # the real owner of the item still holds it
        assert await work.renew(conn, kind, [claims[1]])


async def test_an_empty_batch_is_a_no_op(db: Database) -> None:
    async with db.connection() as conn:
        count = await conn.fetchval("SELECT count(*) FROM state_history")
        assert await work.fail_many(conn, WorkKind.RAW_DATA_PACKAGE_BUILD, [], []) == []
        assert await work.fail_many(conn, WorkKind.PHYSICAL_COPY_DELETION, [], "same for all") == []
        assert await conn.fetchval("SELECT count(*) FROM state_history") == count


async def test_bad_input_names_the_field_and_writes_nothing(db: Database) -> None:
    kind = WorkKind.RAW_DATA_PACKAGE_BUILD
    world = await build_world(db)
    async with db.connection() as conn:
        ids = await _items(conn, world, kind, 3, "v")
        claims = await _claimed(conn, kind, ids)
        before = await _state(conn, kind, ids)
        with pytest.raises(InputValidationError) as mismatch:
            await work.fail_many(conn, kind, claims, ["only", "two"])
        assert mismatch.value.problems[0].field == "errors"
        assert "3 claims, 2 errors" in str(mismatch.value)
        with pytest.raises(InputValidationError) as not_text:
            await work.fail_many(conn, kind, claims, ["a", 42, "c"])  # type: ignore[list-item]
        assert [(p.position, p.field) for p in not_text.value.problems] == [(1, "errors")]
        with pytest.raises(ValueError, match="kind"):
            await work.fail_many(conn, WorkKind.STAGING_JOB, claims, "x")
        with pytest.raises(ValueError, match="at most once"):
            await work.fail_many(conn, kind, [claims[0], claims[0]], "x")
        assert await _state(conn, kind, ids) == before


@pytest.mark.parametrize("kind", KINDS_TESTED)
async def test_the_state_guard_refuses_what_fail_refuses(db: Database, kind: WorkKind) -> None:
    """Claims already failed or completed are no longer running: fail refuses them, and so does fail_many."""
    world = await build_world(db)
    async with db.connection() as conn:
        ids = await _items(conn, world, kind, 2, "g")
        claims = await _claimed(conn, kind, ids)
        await work.fail(conn, claims[0], "first", permanent=True)
        checksum = {"size_bytes": 10, "checksum": "c" * 64, "checksum_algorithm": "sha256"}
        await work.complete_many(conn, kind, [claims[1]], [checksum] if kind.value.endswith("build") else None)
        before = await _state(conn, kind, ids)
        for c in claims:
            with pytest.raises(ClaimLostError):
                await work.fail(conn, c, "again")
        with pytest.raises(work.ClaimsLostError) as lost:
            await work.fail_many(conn, kind, claims, "again")
        assert lost.value.renewed == []
        assert [c.item_id for c in lost.value.lost] == ids
        assert await _state(conn, kind, ids) == before
        assert [s[0] for s in before] == [KINDS[kind].failed, KINDS[kind].done]
