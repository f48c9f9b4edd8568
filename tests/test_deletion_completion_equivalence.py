"""Migration 0030: deletion confirmation and completion judged as 0028 judged them, planned once.

Both 0028's functions (from 0030's rollback) and 0030's run over the same rows, in rolled-back
transactions, on a world with every rule of the safe-deletion rule in play and every copy outside
the archives claimed (deletion_in_progress under a token):

* the batch confirmation: the same verdicts ('go', 'refused', 'lost'), the same copies back in the
  queue, the same history rows and counter deltas;
* the deletion guard, for completions sent as opsdb.work sends them (one copy at a time, then a
  batch) and by hand (an UPDATE to deleted; a copy being deleted moved elsewhere; a scheduled copy
  moved to deletion_in_progress outside a claim): the same copies completed or refused with the same
  error (SQLSTATE, message, hint), the same rows, history and counters;
* the rule's verdict function is the owner's alone; the confirmation plans each call (its generic
  plan nested-looped the copies in progress against the batch).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from opsdb.db import Connection, Database
from opsdb.errors import OpsdbError
from opsdb.resources import migrations_dir
from opsdb.testing import repair
from opsdb.work import WorkKind, completion_statement
from tests import roles_support
from tests.deletion_support import rule_world
from tests.migration_support import replaced_definition
from tests.roles_support import LoginAs

pytestmark = pytest.mark.anyio
login_as = roles_support.login_as  # the fixture

ROLLBACK = migrations_dir() / "0030_deletion_completion.rollback.sql"
COMPLETE = completion_statement(WorkKind.PHYSICAL_COPY_DELETION, []).sql


class _RolledBack(Exception):
    pass


def _old(name: str) -> str:
    """The definition 0030 replaced (0028's), from its rollback."""
    return replaced_definition(ROLLBACK, name)


COPIES = """
SELECT id, status, attempts, last_error, claimed_by, claim_token, lease_until IS NULL AS no_lease,
       deleted_at IS NULL AS not_deleted, next_attempt_at > now() AS later
FROM physical_copy ORDER BY id
"""
HISTORY = """
SELECT item_id, from_state, to_state, claimed_by, repair FROM state_history
WHERE table_name = 'physical_copy' AND id > $1 ORDER BY item_id, id
"""
DELTAS = (
    "SELECT data_location_id, type, status, sum(copies), sum(bytes) FROM copy_space_delta"
    " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
)


async def _claim_everything(conn: Connection) -> tuple[list[int], list[Any]]:
    """Every copy outside the archives, not deleted, put in deletion_in_progress under a token of
    worker 'w' (a repair: outside the rules, as if claimed before the world changed); ids, tokens."""
    ids = [
        r["id"]
        for r in await conn.fetch(
            "SELECT c.id FROM physical_copy c JOIN data_location l ON l.id = c.data_location_id "
            "WHERE l.location_type <> 'long_term_archive' AND c.status <> 'deleted' ORDER BY c.id"
        )
    ]
    await repair(
        conn,
        "UPDATE physical_copy SET status = 'deletion_in_progress', claimed_by = 'w', claim_token = gen_random_uuid(),"
        " attempts = 1, lease_until = now() + interval '10 minutes', next_attempt_at = now() + interval '10 minutes'"
        " WHERE id = ANY($1::bigint[])",
        ids,
    )
    rows = await conn.fetch("SELECT id, claim_token FROM physical_copy WHERE id = ANY($1::bigint[]) ORDER BY id", ids)
    return [r["id"] for r in rows], [r["claim_token"] for r in rows]


async def _outcome(conn: Connection, sql: str, *args: Any) -> Any:
    """What `sql` did, inside a savepoint that is rolled back: its rows, or its error."""
    try:
        async with conn.transaction():
            rows = await conn.fetch(sql, *args)
            result: Any = ("ok", sorted(next(iter(r.values())) for r in rows))
            raise _RolledBack
    except _RolledBack:
        return result
    except (asyncpg.PostgresError, OpsdbError) as exc:
        cause = exc.__cause__ if isinstance(exc, OpsdbError) else exc
        assert isinstance(cause, asyncpg.PostgresError)
        return ("refused", type(exc).__name__, cause.sqlstate, str(cause), getattr(cause, "hint", None))


async def _run(conn: Connection, old: bool, ids: list[int], tokens: list[Any]) -> list[Any]:
    """Confirmations and completions under 0028's functions (`old`) or 0030's; what they returned
    and left behind. Nothing is kept."""
    found: list[Any] = []
    last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM state_history")
    try:
        async with conn.transaction():
            if old:
                for name in ("opsdb_guard_deletion", "opsdb_confirm_deletions"):
                    await conn.execute(_old(name))
            await conn.execute("DELETE FROM copy_space_delta; DELETE FROM package_copy_delta")
            # each completion alone, as opsdb.work sends it (judged by the guard, rolled back)
            for copy, token in zip(ids, tokens, strict=True):
                found.append(await _outcome(conn, COMPLETE, [copy], [token]))
            # the whole batch: refused as one (the smallest refused copy named)
            found.append(await _outcome(conn, COMPLETE, ids, tokens))
            # by hand: every claimed copy to deleted at once, a copy being deleted moved back to present
            found.append(
                await _outcome(
                    conn,
                    "UPDATE physical_copy SET status = 'deleted', deleted_at = now() "
                    "WHERE id = ANY($1::bigint[]) RETURNING id",
                    ids,
                )
            )
            found.append(
                await _outcome(
                    conn, "UPDATE physical_copy SET status = 'present' WHERE id = ANY($1::bigint[]) RETURNING id", ids
                )
            )
            # the batch confirmation (a lost claim among them), then the allowed ones completed
            verdicts = await conn.fetch(
                "SELECT copy_id, verdict FROM opsdb_confirm_deletions($1::bigint[], $2::uuid[])",
                [*ids, -1],  # a claim that is not the caller's: no such copy
                [*tokens, tokens[0]],
            )
            found.append([tuple(r) for r in verdicts])
            go = [r["copy_id"] for r in verdicts[: len(ids)] if r["verdict"] == "go"]
            go_tokens = [t for c, t in zip(ids, tokens, strict=True) if c in go]
            found.append(await _outcome(conn, COMPLETE, go, go_tokens))
            done = await conn.fetch(COMPLETE, go, go_tokens)
            found.append(sorted(r["id"] for r in done))
            # the refused ones went back to the queue: by hand, into deletion_in_progress outside a
            # claim (the guard judges them entering)
            back = [r["copy_id"] for r in verdicts[: len(ids)] if r["verdict"] == "refused"]
            for copy in back:
                found.append(
                    await _outcome(
                        conn,
                        "UPDATE physical_copy SET status = 'deletion_in_progress', claim_token = gen_random_uuid(),"
                        " claimed_by = 'hand', lease_until = now() + interval '1 minute',"
                        " next_attempt_at = now() + interval '1 minute' WHERE id = $1 RETURNING id",
                        copy,
                    )
                )
            rows = await conn.fetch(COPIES)
            found.append([tuple(v for k, v in r.items() if k != "claim_token") for r in rows])
            found.append([tuple(r) for r in await conn.fetch(HISTORY, last)])
            found.append([tuple(r) for r in await conn.fetch(DELTAS)])
            found.append([tuple(r) for r in await conn.fetch("SELECT * FROM package_copy_delta ORDER BY 1, 2")])
            found.append(
                [
                    tuple(r)
                    for r in await conn.fetch(
                        "SELECT raw_data_package_id, data_location_id FROM deletion_file_queue ORDER BY 1, 2"
                    )
                ]
            )
            raise _RolledBack
    except _RolledBack:
        pass
    return found


async def test_confirmations_and_completions_judge_as_0028s(db: Database) -> None:
    await rule_world(db)
    async with db.connection() as conn:
        ids, tokens = await _claim_everything(conn)
        new = await _run(conn, False, ids, tokens)
        old = await _run(conn, True, ids, tokens)
        again = await _run(conn, False, ids, tokens)  # a session's later calls (plans cached by now)
    assert new == old == again
    alone = new[: len(ids)]
    assert {o[0] for o in alone} == {"ok", "refused"}  # the world exercises both verdicts
    assert all(
        o[4] == "do not remove its bytes; if they are gone already, mark the copy lost"
        for o in alone
        if o[0] == "refused"
    )
    batch, by_hand, moved_back, verdicts = new[len(ids) : len(ids) + 4]
    assert batch[0] == by_hand[0] == moved_back[0] == "refused"
    assert "deletion_in_progress -> present is not an allowed transition" in moved_back[3]  # (the state machine first)
    assert {v for _, v in verdicts} == {"go", "refused", "lost"}
    allowed = {c for c, o in zip(ids, alone, strict=True) if o[0] == "ok"}
    assert {c for c, v in verdicts[: len(ids)] if v == "go"} == allowed
    assert new[len(ids) + 5] == sorted(allowed)


async def test_only_the_owner_may_ask_the_rules_verdict_function(db: Database, login_as: LoginAs) -> None:
    for role in ("opsdb_writer", "opsdb_deletion_daemon", "opsdb_operator", "opsdb_reader"):
        login = await asyncpg.connect(await login_as(role))
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await login.fetchval("SELECT opsdb_deletable_judged('{}', '{}', '{}', '{}', '{}')")
        finally:
            await login.close()


async def test_the_confirmation_plans_each_call_and_the_verdict_once_per_session(db: Database) -> None:
    async with db.connection() as conn:
        settings = {
            r["proname"]: r["proconfig"]
            for r in await conn.fetch(
                "SELECT proname, proconfig FROM pg_proc "
                "WHERE proname IN ('opsdb_confirm_deletions', 'opsdb_deletable_judged')"
            )
        }
    assert "plan_cache_mode=force_custom_plan" in settings["opsdb_confirm_deletions"]
    assert "plan_cache_mode=force_generic_plan" in settings["opsdb_deletable_judged"]


async def _lock_plans(conn: Connection, ids: list[int], tokens: list[Any]) -> list[str]:
    """The plans (auto_explain) of the confirmation's first statement, the claimed copies locked,
    at a session's first and seventh call (the plan cache may pick a generic plan from the sixth)."""
    plans: list[str] = []
    raw = conn.raw

    def keep(_: Any, message: Any) -> None:
        text = str(message.message)
        if "FOR UPDATE OF c" in text:
            plans.append(text)

    raw.add_log_listener(keep)
    try:
        for call in range(7):
            if call in (0, 6):
                await conn.execute(
                    "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;"
                    " SET auto_explain.log_nested_statements = on; SET auto_explain.log_level = notice"
                )
            else:
                await conn.execute("SET auto_explain.log_min_duration = -1")
            await conn.fetch("SELECT * FROM opsdb_confirm_deletions($1::bigint[], $2::uuid[])", ids, tokens)
    finally:
        await conn.execute("SET auto_explain.log_min_duration = -1")
        raw.remove_log_listener(keep)
    return plans


async def test_the_confirmation_locks_by_a_plan_for_its_batch_from_the_sixth_call_on(db: Database) -> None:
    """0028's confirmation, from a session's sixth call, locked the claimed copies by a generic plan
    that estimated the batch at 10 rows and nested-looped every copy in progress against it
    (quadratic: 77 ms per 1,000 at 200k files); 0030's plans every call for its batch."""
    await rule_world(db)
    async with db.connection() as conn:
        ids, tokens = await _claim_everything(conn)
        for old in (False, True):
            try:
                async with conn.transaction():
                    if old:
                        await conn.execute(_old("opsdb_confirm_deletions"))
                    first, seventh = await _lock_plans(conn, ids, tokens)
                    raise _RolledBack
            except _RolledBack:
                pass
            assert f"rows={len(ids)} " in first.split("Function Scan on u", 1)[1].split("\n", 1)[0]
            seventh_estimate = seventh.split("Function Scan on u", 1)[1].split("\n", 1)[0]
            assert (f"rows={len(ids)} " in seventh_estimate) is not old, (old, seventh_estimate)
