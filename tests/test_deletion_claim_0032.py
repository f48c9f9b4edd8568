"""Migration 0032: the deletion claim judged by a plan kept per session, its sizes in one hint row,
and the deletion guard's sorting evaluated once per row; same guarantees.

Both 0028's claim and 0030's guard (from 0032's rollback) and 0032's run over the same rows, in
rolled-back transactions:

* the claim claims, refuses and fails the same copies (new claims, expired claims the rule still
  allows and no longer allows, a copy out of attempts, file copies whose package lost its backing,
  a capped location; and every copy of a world with every rule of the safe-deletion rule in play),
  with the same rows, history rows and counter deltas, and leaves no hint or verdict behind;
* the guard completes or refuses the same copies with the same error (SQLSTATE, message, hint) for
  completions, by-hand updates and copies moved into deletion_in_progress outside a claim
  (tests/test_deletion_completion_equivalence.py's run, under either guard);
* the claim's later calls in a session (plans cached by then) claim what its first ones did.
"""

from __future__ import annotations

from typing import Any

import pytest

from opsdb.db import Connection, Database
from opsdb.resources import migrations_dir
from opsdb.testing import World, repair
from tests import test_deletion_completion_equivalence as completion
from tests.deletion_support import claim_scene, rule_world
from tests.migration_support import replaced_definition

pytestmark = pytest.mark.anyio

ROLLBACK = migrations_dir() / "0032_deletion_claim.rollback.sql"


class _RolledBack(Exception):
    pass


def _old(name: str) -> str:
    """The definition 0032 replaced, from its rollback."""
    return replaced_definition(ROLLBACK, name)


OLD = ("opsdb_claim_deletions", "opsdb_guard_deletion")

COPIES = """
SELECT id, status, attempts, last_error, claimed_by, claim_token IS NULL AS no_token, lease_until IS NULL AS no_lease,
       next_attempt_at > now() AS later, priority
FROM physical_copy WHERE id = ANY($1::bigint[]) ORDER BY id
"""
HISTORY = """
SELECT item_id, from_state, to_state, claimed_by FROM state_history
WHERE table_name = 'physical_copy' AND item_id = ANY($1::text[]) AND id > $2 ORDER BY item_id, id
"""


def test_the_rollback_restores_0028s_claim_and_0030s_guard() -> None:
    ours = (migrations_dir() / "0032_deletion_claim.sql").read_text(encoding="utf-8")
    claim = _old("opsdb_claim_deletions")
    guard = _old("opsdb_guard_deletion")
    assert "opsdb_deletable_rows(window_ids" in claim and "opsdb_deletable_judged" not in claim
    assert "INSERT INTO copy_size_hint (copy_id, size_bytes)\n" in claim
    assert "WITH s AS (" in guard and "MATERIALIZED" not in guard
    assert "opsdb_deletable_judged(window_ids" in ours and "WITH s AS MATERIALIZED (" in ours


async def _claims_of(conn: Connection, old: bool, copies: list[int], limits: tuple[int, ...]) -> list[Any]:
    """Claims (each limit in turn) under the old or the new functions; what they returned and left
    behind, counter deltas included. Nothing is kept."""
    found: list[Any] = []
    last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM state_history")
    try:
        async with conn.transaction():
            if old:
                for name in OLD:
                    await conn.execute(_old(name))
            await conn.execute("DELETE FROM copy_space_delta; DELETE FROM package_copy_delta")
            for limit in limits:
                rows = await conn.fetch(
                    "SELECT id, status, attempts, claimed_by FROM opsdb_claim_deletions('w', $1, NULL, NULL, 600)",
                    limit,
                )
                found.append([tuple(r) for r in rows])
            found.append([tuple(r) for r in await conn.fetch(COPIES, copies)])
            found.append([tuple(r) for r in await conn.fetch(HISTORY, [str(c) for c in copies], last)])
            found.append(
                [
                    tuple(r)
                    for r in await conn.fetch(
                        "SELECT data_location_id, type, status, sum(copies), sum(bytes) FROM copy_space_delta"
                        " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
                    )
                ]
            )
            found.append([tuple(r) for r in await conn.fetch("SELECT * FROM package_copy_delta ORDER BY 1, 2")])
            found.append(await conn.fetchval("SELECT count(*) FROM copy_size_hint"))
            found.append(await conn.fetchval("SELECT count(*) FROM deletion_claim_verdict"))
            raise _RolledBack
    except _RolledBack:
        pass
    return found


async def test_the_claim_claims_refuses_and_fails_what_0028s_did(db: Database, world: World) -> None:
    loc = world.locations
    async with db.connection() as conn:
        scene = await claim_scene(conn, world)
        copies, buffer, other, file_copies = scene.copies, scene.buffer, scene.other, scene.file_copies
        expired, waiting, refused = scene.expired, scene.waiting, scene.refused
        new = await _claims_of(conn, False, copies, (3, 4, 100))
        old = await _claims_of(conn, True, copies, (3, 4, 100))
        # a session's later calls: plans cached (the rule's generic plan among them)
        for _ in range(6):
            again = await _claims_of(conn, False, copies, (3, 4, 100))
    assert new == old == again
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
    assert len(claimed) == len(set(claimed)) and not set(refused) & set(claimed)
    assert len([c for c in buffer if statuses[c] == "deletion_in_progress"]) <= 4  # the cap
    # the file copies' bytes moved with them (the sizes the claim read, handed in one row)
    moved = {(r[0], r[1], r[2]): (r[3], r[4]) for r in space}
    assert moved[(loc["ccat_source"], "raw_data_file", "deletion_in_progress")] == (6, 6_000)
    assert moved[(loc["ccat_source"], "raw_data_file", "deletion_scheduled")] == (-6, -6_000)
    assert {(h[1], h[2]) for h in history} >= {
        ("deletion_in_progress", "deletion_failed"),
        ("deletion_scheduled", "deletion_in_progress"),
        ("deletion_in_progress", "deletion_in_progress"),
    }


async def test_the_claim_judges_a_rule_world_as_0028s_did(db: Database) -> None:
    world = await rule_world(db)
    async with db.connection() as conn:
        await conn.fetch("SELECT opsdb_schedule_deletions(NULL, 1000)")
        # every copy outside the archives that is not deleted, scheduled (a repair: outside the rules,
        # as if scheduled before the world changed): the claim's re-check refuses what the rule
        # does not allow now
        await repair(
            conn,
            "UPDATE physical_copy c SET status = 'deletion_scheduled', next_attempt_at = now() - interval '1 second'"
            " FROM data_location l WHERE l.id = c.data_location_id AND l.location_type <> 'long_term_archive'"
            " AND c.status NOT IN ('deleted', 'deletion_scheduled')",
        )
        copies = [r["id"] for r in await conn.fetch("SELECT id FROM physical_copy ORDER BY id")]
        new = await _claims_of(conn, False, copies, (2, 3, 1000))
        old = await _claims_of(conn, True, copies, (2, 3, 1000))
        again = await _claims_of(conn, False, copies, (2, 3, 1000))
        allowed = {r["d"] for r in await conn.fetch("SELECT d FROM opsdb_deletable($1::bigint[]) AS d", copies)}
    assert new == old == again
    claimed = {r[0] for batch in new[:3] for r in batch}
    refused = {r[0] for r in new[3] if r[1] == "deletion_scheduled" and r[7]}
    assert claimed and refused  # both verdicts
    assert claimed <= allowed and not refused & allowed
    assert world.locations


async def test_the_guard_judges_completions_as_0030s_did(db: Database) -> None:
    await rule_world(db)
    async with db.connection() as conn:
        ids, tokens = await completion._claim_everything(conn)

        async def run(old: bool) -> list[Any]:
            found: list[Any] = []
            try:
                async with conn.transaction():
                    if old:
                        await conn.execute(_old("opsdb_guard_deletion"))
                    found = await completion._run(conn, False, ids, tokens)
                    raise _RolledBack
            except _RolledBack:
                pass
            return found

        new = await run(False)
        old = await run(True)
        again = await run(False)
    assert new == old == again
    alone = new[: len(ids)]
    assert {o[0] for o in alone} == {"ok", "refused"}  # the world exercises both verdicts
