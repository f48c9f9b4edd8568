"""Migration 0028: each copy's file, package and size read once per claim, same guarantees.

* The rule by rows (opsdb_deletable_rows) judges every copy of a world with every rule in play as
  0026's opsdb_deletable did and as the per-copy reference does; opsdb_deletable (now reading the
  rows and calling it) too.
* The claim (rows read with the window's locks, the backing locked by package, the rule by rows,
  the sizes handed to the copy counters) claims, refuses and fails exactly the copies 0026's
  function did: both run over the same rows (file and package copies, new claims, expired claims
  the rule still allows and no longer allows, a copy out of attempts, a capped location), in
  rolled-back transactions; every row, history row and counter delta is compared.
* The size hints exist only inside the deletion functions: empty afterwards, and no login can
  write them.
"""

from __future__ import annotations

from typing import Any

import anyio
import asyncpg
import pytest

from opsdb import pipeline
from opsdb.db import Connection, Database
from opsdb.errors import DeletionRefusedError
from opsdb.resources import migrations_dir
from opsdb.schemas.enums import PhysicalCopyStatus
from opsdb.testing import (
    World,
    add_files,
    add_package_copy,
    add_packages,
    repair,
)
from opsdb.testing import build_world as _world
from tests import roles_support
from tests.deletion_support import claim_scene, rule_world
from tests.migration_support import replaced_definition
from tests.roles_support import LoginAs
from tests.test_deletion_guard import _until_a_session_waits_on_a_lock

pytestmark = pytest.mark.anyio
login_as = roles_support.login_as  # the fixture

ROLLBACK = migrations_dir() / "0028_deletion_rows_once.rollback.sql"


class _RolledBack(Exception):
    pass


def _old(name: str) -> str:
    """The definition 0028 replaced (0026's), from its rollback."""
    return replaced_definition(ROLLBACK, name)


ROWS = """
SELECT d FROM (
    SELECT array_agg(pc.id) AS ids, array_agg(pc.type) AS types,
           array_agg(coalesce(f.raw_data_package_id, pc.raw_data_package_id)) AS packages,
           array_agg(pc.data_transfer_package_id) AS bundles, array_agg(pc.data_location_id) AS locations
    FROM physical_copy pc LEFT JOIN raw_data_file f ON f.id = pc.raw_data_file_id
) r, opsdb_deletable_rows(r.ids, r.types, r.packages, r.bundles, r.locations) AS d
"""


async def test_the_rule_by_rows_judges_as_0026s_rule_by_ids(db: Database) -> None:
    await rule_world(db)
    async with db.connection() as conn:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM physical_copy ORDER BY id")]
        reference = {r["id"] for r in await conn.fetch("SELECT id FROM physical_copy WHERE opsdb_copy_deletable(id)")}
        judged = {r["d"] for r in await conn.fetch("SELECT d FROM opsdb_deletable($1::bigint[]) AS d", ids)}
        by_rows = {r["d"] for r in await conn.fetch(ROWS)}
        locked = {r["d"] for r in await conn.fetch("SELECT d FROM opsdb_deletable_locked($1::bigint[]) AS d", ids)}
        old: set[int] = set()
        try:
            async with conn.transaction():
                await conn.execute(_old("opsdb_deletable"))
                old = {r["d"] for r in await conn.fetch("SELECT d FROM opsdb_deletable($1::bigint[]) AS d", ids)}
                raise _RolledBack
        except _RolledBack:
            pass
        file_copies = {r["id"] for r in await conn.fetch("SELECT id FROM physical_copy WHERE type = 'raw_data_file'")}
    assert 5 < len(reference) < len(ids) - 5  # the world exercises both verdicts
    assert file_copies & reference and file_copies - reference  # file copies too, both ways
    assert judged == reference == by_rows == locked == old


COPIES = """
SELECT id, status, attempts, last_error, claimed_by, claim_token IS NULL AS no_token, lease_until IS NULL AS no_lease,
       next_attempt_at > now() AS later
FROM physical_copy WHERE id = ANY($1::bigint[]) ORDER BY id
"""
HISTORY = """
SELECT item_id, from_state, to_state, claimed_by FROM state_history
WHERE table_name = 'physical_copy' AND item_id = ANY($1::text[]) AND id > $2 ORDER BY item_id, id
"""


async def _claims_of(conn: Connection, old: bool, copies: list[int]) -> list[Any]:
    """Three claims (limits 3, 4, 100) under 0026's or 0028's functions; what they returned and
    left behind, counter deltas included. Nothing is kept."""
    found: list[Any] = []
    last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM state_history")
    try:
        async with conn.transaction():
            if old:
                for name in ("opsdb_claim_deletions", "opsdb_copy_deltas_update"):
                    await conn.execute(_old(name))
            await conn.execute("DELETE FROM copy_space_delta; DELETE FROM package_copy_delta")
            for limit in (3, 4, 100):
                rows = await conn.fetch(
                    "SELECT id, status, attempts, claimed_by FROM opsdb_claim_deletions('w', $1, NULL, NULL, 600)",
                    limit,
                )
                found.append([tuple(r) for r in rows])
            found.append([tuple(r) for r in await conn.fetch(COPIES, copies)])
            found.append([tuple(r) for r in await conn.fetch(HISTORY, [str(c) for c in copies], last)])
            found.append([tuple(r) for r in await conn.fetch("SELECT * FROM copy_space_delta ORDER BY 1, 2, 3, 4, 5")])
            found.append([tuple(r) for r in await conn.fetch("SELECT * FROM package_copy_delta ORDER BY 1, 2")])
            found.append(await conn.fetchval("SELECT count(*) FROM copy_size_hint"))
            found.append(await conn.fetchval("SELECT count(*) FROM deletion_claim_verdict"))
            raise _RolledBack
    except _RolledBack:
        pass
    return found


async def test_the_claim_claims_refuses_and_fails_what_0026s_did(db: Database, world: World) -> None:
    loc = world.locations
    async with db.connection() as conn:
        scene = await claim_scene(conn, world)
        copies, buffer, other, file_copies = scene.copies, scene.buffer, scene.other, scene.file_copies
        expired, waiting, refused = scene.expired, scene.waiting, scene.refused
        new = await _claims_of(conn, False, copies)
        old = await _claims_of(conn, True, copies)
    assert new == old
    first, second, third, rows, history, space, _packages, hints, verdicts = new
    assert hints == verdicts == 0  # nothing left behind inside the transaction either
    statuses = {r[0]: r[1] for r in rows}
    later = {r[0]: r[7] for r in rows}
    assert statuses[expired[2]] == "deletion_failed" and statuses[expired[3]] == "deletion_failed"
    assert statuses[waiting[1]] == "deletion_scheduled" and later[waiting[1]]
    assert statuses[other[1]] == "deletion_scheduled" and later[other[1]]
    claimed = [r[0] for batch in (first, second, third) for r in batch]
    assert expired[0] in claimed and expired[1] in claimed and other[0] in claimed
    assert set(file_copies[:6]) <= set(claimed) and not set(file_copies[6:]) & set(claimed)
    assert all(statuses[c] == "deletion_scheduled" and later[c] for c in file_copies[6:])
    assert len(claimed) == len(set(claimed)) and not set(refused) & set(claimed)
    assert len([c for c in buffer if statuses[c] == "deletion_in_progress"]) <= 4  # the cap
    # the file copies' bytes moved with them: 6 of 1,000 bytes from scheduled to in progress
    moved: dict[tuple[str, str], tuple[int, int]] = {}
    for r in space:
        if r[0] == loc["ccat_source"]:
            copies_, bytes_ = moved.get((r[1], r[2]), (0, 0))
            moved[(r[1], r[2])] = (copies_ + r[3], bytes_ + r[4])
    assert moved[("raw_data_file", "deletion_in_progress")] == (6, 6_000)
    assert moved[("raw_data_file", "deletion_scheduled")] == (-6, -6_000)
    assert {(h[1], h[2]) for h in history} >= {
        ("deletion_in_progress", "deletion_failed"),
        ("deletion_scheduled", "deletion_in_progress"),
        ("deletion_in_progress", "deletion_in_progress"),
    }


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO copy_size_hint (copy_id, size_bytes) VALUES ($1, 0)",
        "UPDATE copy_size_hint SET size_bytes = 0 WHERE copy_id = $1",
        "DELETE FROM copy_size_hint WHERE copy_id = $1",
    ],
)
async def test_no_login_can_forge_a_size_hint(db: Database, world: World, login_as: LoginAs, statement: str) -> None:
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed", state="archived")
        copy = await add_package_copy(conn, package, world.locations["ccat_buffer"])
    for role in ("opsdb_writer", "opsdb_deletion_daemon", "opsdb_operator", "opsdb_reader"):
        login = await asyncpg.connect(await login_as(role))
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await login.execute(statement, copy)
        finally:
            await login.close()
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM copy_size_hint") == 0


async def test_scheduling_and_claiming_file_copies_count_their_bytes(db: Database, world: World) -> None:
    """The counters after a schedule and a claim of file copies (sizes handed over by the
    functions) equal a recount from the tables; no hint is left behind."""
    loc = world.locations
    async with db.connection() as conn:
        files = await add_files(conn, world, 20, location="ccat_source", size=333)
        (package,) = await add_packages(conn, world, 1, status="completed")
        await add_package_copy(conn, package, loc["cologne_lta"], verified=True)
        await repair(
            conn, "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = ANY($2::uuid[])", package, files
        )
        await conn.execute("UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package)
        assert len(await pipeline.schedule_deletions(conn, locations=[loc["ccat_source"]], limit=15)) == 15
        assert len(await pipeline.claim_deletions(conn, "w", 10, locations=[loc["ccat_source"]])) == 10
        await conn.fetchval("SELECT opsdb_fold_copy_deltas()")
        counted = {
            (r["status"]): (r["copies"], r["bytes"])
            for r in await conn.fetch(
                "SELECT status, copies, bytes FROM copy_space WHERE data_location_id = $1 AND type = 'raw_data_file'",
                loc["ccat_source"],
            )
        }
        recount = {
            (r["status"]): (r["copies"], r["bytes"])
            for r in await conn.fetch(
                "SELECT c.status, count(*) AS copies, sum(f.size_bytes) AS bytes FROM physical_copy c "
                "JOIN raw_data_file f ON f.id = c.raw_data_file_id WHERE c.data_location_id = $1 GROUP BY 1",
                loc["ccat_source"],
            )
        }
        assert await conn.fetchval("SELECT count(*) FROM copy_size_hint") == 0
    assert {s: v for s, v in counted.items() if v != (0, 0)} == recount
    assert recount["deletion_in_progress"] == (10, 3_330) and recount["deletion_scheduled"] == (5, 1_665)


# -- scheduling ------------------------------------------------------------------------------------


async def _queued_files(conn: Connection, world: World, name: str, count: int, location: str) -> list[int]:
    """An archived package (verified at Cologne's archive) of `count` files with copies at
    `location`, queued for deletion; the copies' ids."""
    files = await add_files(conn, world, count, location=location, size=10 + count, prefix=name)
    (package,) = await add_packages(conn, world, 1, status="completed", name=name)
    await add_package_copy(conn, package, world.locations["cologne_lta"], verified=True)
    await repair(conn, "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = ANY($2::uuid[])", package, files)
    await conn.execute("UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package)
    rows = await conn.fetch("SELECT id FROM physical_copy WHERE raw_data_file_id = ANY($1::uuid[]) ORDER BY id", files)
    return [r["id"] for r in rows]


QUEUE = "SELECT raw_data_package_id, data_location_id FROM deletion_file_queue ORDER BY 1, 2"
STATE = "SELECT id, status, next_attempt_at IS NOT NULL, priority FROM physical_copy ORDER BY id"


async def _schedules_of(conn: Connection, old: bool, limits: list[int]) -> list[Any]:
    """Schedules of `limits` copies under 0026's or 0028's functions, then one more of 1,000;
    what each returned and what they left (copies, history, counters, the queue). Nothing kept."""
    found: list[Any] = []
    last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM state_history")
    try:
        async with conn.transaction():
            if old:
                for name in ("opsdb_deletion_scan", "opsdb_schedule_deletions", "opsdb_copy_deltas_update"):
                    await conn.execute(_old(name))
            await conn.execute("DELETE FROM copy_space_delta; DELETE FROM package_copy_delta")
            for limit in [*limits, 1000]:
                rows = await conn.fetch("SELECT id FROM opsdb_schedule_deletions(NULL, $1) AS id", limit)
                found.append(sorted(r["id"] for r in rows))
            found.append([tuple(r) for r in await conn.fetch(STATE)])
            found.append(
                [
                    tuple(r)
                    for r in await conn.fetch(
                        "SELECT item_id, from_state, to_state FROM state_history WHERE id > $1 ORDER BY id", last
                    )
                ]
            )
            found.append(
                [
                    tuple(r)
                    for r in await conn.fetch(
                        "SELECT data_location_id, type, status, sum(copies), sum(bytes) FROM copy_space_delta "
                        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
                    )
                ]
            )
            found.append([tuple(r) for r in await conn.fetch(QUEUE)])
            found.append(await conn.fetchval("SELECT count(*) FROM copy_size_hint"))
            raise _RolledBack
    except _RolledBack:
        pass
    return found


async def test_scheduling_schedules_what_0026s_did(db: Database, world: World) -> None:
    loc = world.locations
    async with db.connection() as conn:
        # package copies at the buffers (scheduled first), file copies of nine queued pairs at the
        # source and a buffer, one pair blocked (its archive copy unverified), one with copies
        # scheduled already
        packages = await add_packages(conn, world, 3, status="completed", state="archived", name="items")
        for p in packages:
            await add_package_copy(conn, p, loc["cologne_lta"], verified=True)
            await add_package_copy(conn, p, loc["ccat_buffer"])
        pairs = [await _queued_files(conn, world, f"q{i}", 3 + 2 * i, "ccat_source") for i in range(7)]
        pairs.append(await _queued_files(conn, world, "buf", 6, "ccat_buffer"))
        blocked = await _queued_files(conn, world, "blocked", 4, "ccat_source")
        await conn.execute(
            "UPDATE physical_copy SET checksum_verified_at = NULL WHERE type = 'raw_data_package' AND "
            "raw_data_package_id = (SELECT f.raw_data_package_id FROM physical_copy c "
            "JOIN raw_data_file f ON f.id = c.raw_data_file_id WHERE c.id = $1)",
            blocked[0],
        )
        await conn.execute("SELECT count(*) FROM opsdb_schedule_deletions(ARRAY[$1::bigint], 2)", loc["ccat_buffer"])
        queued = [tuple(r) for r in await conn.fetch(QUEUE)]
        assert len(queued) == 9

        limits = [1, 4, 7, 2, 11, 9, 5]
        new = await _schedules_of(conn, False, limits)
        old = await _schedules_of(conn, True, limits)
    # the same copies scheduled by each call, the same rows, history and counters; the queue keeps
    # less: 0026 left a pair it had just finished in the queue until its next call walked it again
    assert new[:-2] == old[:-2]
    *calls, state, _history, space, queue, hints = new
    assert set(queue) < set(old[-2])
    assert [len(c) for c in calls[:-1]] == limits and hints == 0
    everything = {c for call in calls for c in call}
    assert set(blocked).isdisjoint(everything) and {c for p in pairs for c in p} - {pairs[-1][0]} <= everything
    # only the blocked pair is left in the queue once everything is scheduled
    assert len(queue) == 1 and queue[0] in queued
    assert space and state


async def test_a_copy_back_in_the_queue_while_a_schedule_settles_its_pair_is_queued_again(db: Database) -> None:
    """The schedule settles a pair it walked without walking it again: a copy of that pair that
    returns to present meanwhile queues the pair again once the schedule commits."""
    world = await _world(db)
    loc = world.locations
    async with db.connection() as conn:
        copies = await _queued_files(conn, world, "p", 6, "ccat_source")
        first = await pipeline.schedule_deletions(conn, locations=[loc["ccat_source"]], limit=2)
        assert len(first) == 2
        (pair,) = [tuple(r) for r in await conn.fetch(QUEUE)]

    async def cancel(operator: Connection) -> None:
        await pipeline.set_copy_status(
            operator, first[0], PhysicalCopyStatus.DELETION_SCHEDULED, PhysicalCopyStatus.PRESENT
        )

    async with (
        db.connection() as scheduler,
        db.connection() as operator,
        db.connection() as watcher,
        anyio.create_task_group() as tg,
        scheduler.transaction(),
    ):
        rest = await pipeline.schedule_deletions(scheduler, locations=[loc["ccat_source"]], limit=100)
        assert sorted(rest) == sorted(set(copies) - set(first))
        assert await scheduler.fetchval("SELECT count(*) FROM deletion_file_queue") == 0  # settled here
        # the cancellation's requeue waits for the schedule's lock of the pair
        tg.start_soon(cancel, operator)
        await _until_a_session_waits_on_a_lock(watcher)
    async with db.connection() as conn:
        assert [tuple(r) for r in await conn.fetch(QUEUE)] == [pair]
        assert await pipeline.deletion_candidates(conn, locations=[loc["ccat_source"]]) == [first[0]]
        assert await pipeline.schedule_deletions(conn, locations=[loc["ccat_source"]]) == [first[0]]
        assert await pipeline.schedule_deletions(conn, locations=[loc["ccat_source"]]) == []
        assert await conn.fetchval("SELECT count(*) FROM deletion_file_queue") == 0


# -- confirmations and completions -------------------------------------------------------------------


async def _confirm_and_complete(
    conn: Connection, old: bool, claims: list[Any], stranger: int, files: list[int], withdrawn: int
) -> list[Any]:
    """A batch confirmation (the claims, a copy never claimed, a duplicate), completions of `files`
    one by one, then (`withdrawn` loses its verification) one completion of everything still
    claimed, under 0026's or 0028's functions: verdicts, refusals, rows, history. Nothing kept."""
    found: list[Any] = []
    last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM state_history")
    ids = [c[0] for c in claims] + [stranger, claims[0][0]]
    tokens = [c[1] for c in claims] + [claims[0][1], claims[0][1]]
    complete = (
        "UPDATE physical_copy SET status = 'deleted', deleted_at = now(), claim_token = NULL, lease_until = NULL "
        "WHERE id = ANY($1::bigint[]) AND status = 'deletion_in_progress'"
    )
    try:
        async with conn.transaction():
            if old:
                for name in ("opsdb_confirm_deletions", "opsdb_guard_deletion"):
                    await conn.execute(_old(name))
            rows = await conn.fetch("SELECT copy_id, verdict FROM opsdb_confirm_deletions($1, $2)", ids, tokens)
            found.append([tuple(r) for r in rows])
            for copy_id in files:
                found.append((copy_id, await conn.execute(complete, [copy_id])))
            await conn.execute("UPDATE physical_copy SET checksum_verified_at = NULL WHERE id = $1", withdrawn)
            try:
                async with conn.transaction():
                    await conn.execute(complete, [c[0] for c in claims])
                found.append("batch deleted")
            except DeletionRefusedError as exc:
                found.append((type(exc).__name__, str(exc).splitlines()[0]))
            found.append([tuple(r) for r in await conn.fetch(COPIES, [c[0] for c in claims] + [stranger])])
            found.append(
                [
                    tuple(r)
                    for r in await conn.fetch(
                        "SELECT item_id, from_state, to_state FROM state_history WHERE id > $1 ORDER BY id", last
                    )
                ]
            )
            raise _RolledBack
    except _RolledBack:
        pass
    return found


async def test_confirmations_and_completions_judge_as_0026s_did(db: Database, world: World) -> None:
    loc = world.locations
    async with db.connection() as conn:
        packages = await add_packages(conn, world, 4, status="completed", state="archived")
        archive = {p: await add_package_copy(conn, p, loc["cologne_lta"], verified=True) for p in packages}
        for p in packages:
            await add_package_copy(conn, p, loc["ccat_buffer"])
        files = await add_files(conn, world, 5, location="ccat_source", size=50)
        files += await add_files(conn, world, 5, location="ccat_source", size=60, prefix="g")
        filed = await add_packages(conn, world, 2, status="completed", name="filed")
        lta = {p: await add_package_copy(conn, p, loc["cologne_lta"], verified=True) for p in filed}
        for p, part in zip(filed, (files[:5], files[5:]), strict=True):
            await repair(conn, "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = ANY($2::uuid[])", p, part)
        await conn.execute("UPDATE raw_data_package SET state = 'archived' WHERE id = ANY($1::bigint[])", filed)
        assert len(await pipeline.schedule_deletions(conn, limit=100)) == 14
        claims = [(c.item_id, c.token) for c in await pipeline.claim_deletions(conn, "w", 100)]
        assert len(claims) == 14
        stranger = await add_package_copy(conn, (await add_packages(conn, world, 1, name="x"))[0], loc["us_buffer"])
        # the backing of one buffer copy's package and of the second file package goes away
        await conn.execute(
            "UPDATE physical_copy SET checksum_verified_at = NULL WHERE id = ANY($1::bigint[])",
            [archive[packages[1]], lta[filed[1]]],
        )
        first_files = [
            r["id"]
            for r in await conn.fetch(
                "SELECT c.id FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id "
                "WHERE f.raw_data_package_id = $1 ORDER BY c.id",
                filed[0],
            )
        ]
        args = (claims, stranger, first_files, archive[packages[0]])
        new = await _confirm_and_complete(conn, False, *args)
        old = await _confirm_and_complete(conn, True, *args)
    assert new == old
    verdicts = dict(new[0])
    assert list(verdicts.values()).count("go") == 8 and list(verdicts.values()).count("refused") == 6
    assert verdicts[stranger] == "lost"
    assert [f[1] for f in new[1:6]] == ["UPDATE 1"] * 5  # the file copies whose backing holds: deleted
    assert (
        new[6][0] == "DeletionRefusedError" and "deletion refused" in new[6][1]
    )  # the batch: refused, nothing written
