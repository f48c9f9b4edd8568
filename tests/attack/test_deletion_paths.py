"""Attack: delete the last verified copy by every path; each is refused and nothing changes.

The package's only verified archive copy loses its verification (or is lost); then a writer
login and the public API try to start or finish deleting its buffer copies: direct UPDATEs,
`work.complete`, the pipeline calls, a forged confirmation, and a claim+complete racing the
withdrawal. The database is checked in SQL afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import anyio
import asyncpg
import pytest

from opsdb import deletion, evidence, pipeline, work
from opsdb.db import Connection, Database
from opsdb.errors import DeletionRefusedError, InvalidTransitionError
from opsdb.schemas.enums import PhysicalCopyStatus
from opsdb.testing import World, add_package_copy, add_packages
from tests import roles_support
from tests.roles_support import LoginAs

pytestmark = pytest.mark.anyio
login_as = roles_support.login_as  # the fixture

COPIES = (
    "SELECT array_agg((id, status, deleted_at, claim_token, checksum_verified_at) ORDER BY id)::text FROM physical_copy"
)


@pytest.fixture
async def writer(login_as: LoginAs) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(await login_as("opsdb_writer"))
    yield conn
    await conn.close()


async def _package(conn: Connection, world: World, name: str = "pkg") -> tuple[int, int, int]:
    """(archive copy, ccat buffer copy, cologne buffer copy) of one archived package."""
    (package,) = await add_packages(conn, world, 1, status="completed", state="archived", name=name)
    archive = await add_package_copy(conn, package, world.locations["cologne_lta"], verified=True)
    ccat = await add_package_copy(conn, package, world.locations["ccat_buffer"])
    cologne = await add_package_copy(conn, package, world.locations["cologne_buffer"])
    return archive, ccat, cologne


async def _in_progress(conn: Connection, world: World) -> tuple[int, work.Claim, int]:
    """(archive copy, the claim deleting the ccat copy, the cologne copy, scheduled) while backed."""
    archive, ccat, _cologne = await _package(conn, world)
    await pipeline.schedule_deletions(conn)
    (claim,) = await deletion.claim_deletions(conn, "deleter", limit=1, locations=[world.locations["ccat_buffer"]])
    assert claim.item_id == ccat
    return archive, claim, _cologne


async def test_a_writer_cannot_start_or_finish_a_deletion_by_direct_update(
    db: Database, world: World, writer: asyncpg.Connection
) -> None:
    async with db.connection() as conn:
        archive, claim, cologne = await _in_progress(conn, world)
        await evidence.withdraw_verification(conn, archive)
        before = await conn.fetchval(COPIES)
    statements = [
        # finish the claimed deletion
        ("UPDATE physical_copy SET status = 'deleted', deleted_at = now() WHERE id = $1", claim.item_id),
        # start one on the scheduled copy, with a made-up claim
        (
            "UPDATE physical_copy SET status = 'deletion_in_progress', claimed_by = 'me', "
            "claim_token = gen_random_uuid(), lease_until = now() + interval '1 hour' WHERE id = $1",
            cologne,
        ),
        # take the running claim over
        ("UPDATE physical_copy SET claim_token = gen_random_uuid(), claimed_by = 'me' WHERE id = $1", claim.item_id),
        # the archive copy itself
        (
            "UPDATE physical_copy SET status = 'deletion_in_progress', claimed_by = 'me', "
            "claim_token = gen_random_uuid(), lease_until = now() + interval '1 hour' WHERE id = $1",
            archive,
        ),
    ]
    for statement, copy in statements:
        with pytest.raises(asyncpg.PostgresError, match=f"physical_copy {copy}") as err:
            await writer.execute(statement, copy)
        assert err.value.sqlstate in {"OP001", "OPS01"}, err.value
    async with db.connection() as conn:
        assert await conn.fetchval(COPIES) == before


async def test_the_api_refuses_every_path_once_the_backing_is_withdrawn(db: Database, world: World) -> None:
    async with db.connection() as conn:
        archive, claim, cologne = await _in_progress(conn, world)
        await evidence.mark_lost(conn, archive)
        before = await conn.fetchval(COPIES)
        with pytest.raises(DeletionRefusedError):
            await work.complete(conn, claim)
        with pytest.raises(DeletionRefusedError):
            await work.complete_many(conn, claim.kind, [claim])
        with pytest.raises(InvalidTransitionError):
            await pipeline.set_copy_status(
                conn, claim.item_id, PhysicalCopyStatus.DELETION_IN_PROGRESS, PhysicalCopyStatus.DELETED
            )
        assert await pipeline.deletion_candidates(conn) == []
        assert await pipeline.schedule_deletions(conn) == []
        assert await deletion.claim_deletions(conn, "deleter", limit=10) == []
        assert await work.claim(conn, claim.kind, "deleter", 10) == []
        after_claims = await conn.fetchval(COPIES)
        # a forged confirmation is "lost", never "go"
        forged = await conn.fetchval("SELECT opsdb_confirm_deletion($1, gen_random_uuid())", claim.item_id)
        assert forged == "lost"
        # the genuine one refuses and hands the copy back to the queue
        assert await deletion.confirm_deletion(conn, claim) is False
        statuses = await conn.fetch("SELECT id, status FROM physical_copy ORDER BY id")
    assert after_claims == before  # statuses, tokens, dates and verifications as they were
    assert {r["id"]: r["status"] for r in statuses} == {
        archive: "lost",
        claim.item_id: "deletion_scheduled",
        cologne: "deletion_scheduled",
    }


async def test_claim_and_complete_racing_a_withdrawal_never_delete_unbacked(db: Database, world: World) -> None:
    """Each round: a deleter completes its claim while another session withdraws the backing.
    Whichever wins, the history shows the deletion recorded before the withdrawal, or none."""
    rounds = 12
    claims: list[tuple[int, work.Claim]] = []
    async with db.connection() as conn:
        for n in range(rounds):
            archive, _, _ = await _package(conn, world, f"round{n}")
            await pipeline.schedule_deletions(conn, locations=[world.locations["ccat_buffer"]])
            (claim,) = await deletion.claim_deletions(conn, "d", limit=1, locations=[world.locations["ccat_buffer"]])
            claims.append((archive, claim))

    async def complete(claim: work.Claim) -> None:
        async with db.connection() as conn:
            with contextlib.suppress(DeletionRefusedError):
                await work.complete(conn, claim)

    async def withdraw(archive: int, n: int) -> None:
        async with db.connection() as conn:
            if n % 2:
                await evidence.withdraw_verification(conn, archive)
            else:
                await evidence.mark_corrupt(conn, archive)

    for n, (archive, claim) in enumerate(claims):
        async with anyio.create_task_group() as tg:
            tg.start_soon(complete, claim)
            tg.start_soon(withdraw, archive, n)
    async with db.connection() as conn:
        # per round: the deletion's history row (if any) and the withdrawal's
        rows = await conn.fetch(
            "SELECT d.id AS deleted, w.id AS withdrawn FROM unnest($1::bigint[], $2::bigint[]) AS r(copy, archive) "
            "LEFT JOIN state_history d ON d.table_name = 'physical_copy' AND d.item_id = r.copy::text "
            "     AND d.to_state = 'deleted' "
            "JOIN state_history w ON w.table_name = 'physical_copy' AND w.item_id = r.archive::text "
            "     AND w.to_state IN ('unverified', 'corrupt')",
            [c.item_id for _, c in claims],
            [a for a, _ in claims],
        )
        statuses = {
            r["status"]
            for r in await conn.fetch(
                "SELECT status FROM physical_copy WHERE id = ANY($1)", [c.item_id for _, c in claims]
            )
        }
    assert len(rows) == rounds
    assert all(r["deleted"] is None or r["deleted"] < r["withdrawn"] for r in rows)
    assert statuses <= {"deleted", "deletion_in_progress"}


@pytest.mark.parametrize(
    "call",
    [
        "SELECT * FROM opsdb_withdraw_verification($1)",
        "SELECT * FROM opsdb_schedule_deletions(NULL, 10 + 0 * $1)",
        "SELECT opsdb_confirm_deletion($1, gen_random_uuid())",
        "SELECT opsdb_lock_deletion_backing(ARRAY[$1]::bigint[])",
    ],
)
async def test_a_reader_can_neither_withdraw_evidence_nor_schedule_nor_lock(
    db: Database, world: World, login_as: LoginAs, call: str
) -> None:
    async with db.connection() as conn:
        archive, _, _ = await _package(conn, world)
        before = await conn.fetchval(COPIES)
    reader = await asyncpg.connect(await login_as("opsdb_reader"))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await reader.execute(call, archive)
    finally:
        await reader.close()
    async with db.connection() as conn:
        assert await conn.fetchval(COPIES) == before


# -- the claim's verdicts (migration 0021) ------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO deletion_claim_verdict (copy_id) VALUES ($1)",
        "UPDATE deletion_claim_verdict SET copy_id = $1",
        "DELETE FROM deletion_claim_verdict WHERE copy_id = $1",
    ],
)
async def test_no_login_can_forge_a_claim_verdict(
    db: Database, world: World, login_as: LoginAs, statement: str
) -> None:
    async with db.connection() as conn:
        _archive, ccat, _ = await _package(conn, world)
    for role in ("opsdb_writer", "opsdb_deletion_daemon", "opsdb_operator", "opsdb_reader"):
        login = await asyncpg.connect(await login_as(role))
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await login.execute(statement, ccat)
        finally:
            await login.close()
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM deletion_claim_verdict") == 0


async def test_a_claim_leaves_no_verdict_behind_so_later_updates_are_judged_again(
    db: Database, world: World, writer: asyncpg.Connection
) -> None:
    """Verdicts live only inside opsdb_claim_deletions: a claim in the same transaction leaves none
    behind, so a later direct UPDATE of the writer is judged again, and refused."""
    async with db.connection() as conn:
        archive, ccat, cologne = await _package(conn, world)
        await pipeline.schedule_deletions(conn)
    async with writer.transaction():
        claimed = await writer.fetch(
            "SELECT id FROM opsdb_claim_deletions('w', 1, $1::bigint[], NULL, 60)", [world.locations["ccat_buffer"]]
        )
        assert [r["id"] for r in claimed] == [ccat]
        assert await writer.fetchval("SELECT count(*) FROM deletion_claim_verdict") == 0
        # back to the queue, the backing withdrawn, then straight back in: judged, refused
        await writer.execute(
            "UPDATE physical_copy SET status = 'deletion_scheduled', claim_token = NULL WHERE id = $1", ccat
        )
        await writer.execute("SELECT opsdb_withdraw_verification($1)", archive)
        for copy in (ccat, cologne):
            with pytest.raises(asyncpg.PostgresError, match=f"physical_copy {copy}") as err:
                async with writer.transaction():
                    await writer.execute(
                        "UPDATE physical_copy SET status = 'deletion_in_progress', claimed_by = 'me', "
                        "claim_token = gen_random_uuid(), lease_until = now() + interval '1 hour' WHERE id = $1",
                        copy,
                    )
            assert err.value.sqlstate == "OP001", err.value
        # and the claim function itself now refuses both
        assert await writer.fetch("SELECT id FROM opsdb_claim_deletions('w', 10, NULL, NULL, 60)") == []
    async with db.connection() as conn:
        # the writer's transaction committed: the withdrawal holds, nothing was deleted or claimed
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM physical_copy WHERE status IN ('deletion_in_progress', 'deleted')"
            )
            == 0
        )
        assert await conn.fetchval("SELECT checksum_verified_at FROM physical_copy WHERE id = $1", archive) is None


@pytest.mark.parametrize(
    "role", ["opsdb_reader", "opsdb_packager", "opsdb_transfer_daemon", "opsdb_archive_daemon", "opsdb_staging_daemon"]
)
async def test_only_the_deletion_daemon_may_claim_or_confirm_deletions(
    db: Database, world: World, login_as: LoginAs, role: str
) -> None:
    async with db.connection() as conn:
        _archive, ccat, _ = await _package(conn, world)
        await pipeline.schedule_deletions(conn)
        before = await conn.fetchval(COPIES)
    login = await asyncpg.connect(await login_as(role))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await login.fetch("SELECT * FROM opsdb_claim_deletions('x', 10, NULL, NULL, 60)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await login.fetch(
                "SELECT * FROM opsdb_confirm_deletions(ARRAY[$1]::bigint[], ARRAY[gen_random_uuid()])", ccat
            )
    finally:
        await login.close()
    async with db.connection() as conn:
        assert await conn.fetchval(COPIES) == before


async def test_a_batch_confirmation_after_a_withdrawal_refuses_and_deletes_nothing(db: Database, world: World) -> None:
    async with db.connection() as conn:
        archive, claim, _cologne = await _in_progress(conn, world)
        await evidence.withdraw_verification(conn, archive)
        async with deletion.deleting_many(conn, [claim]) as confirmed:
            assert confirmed.go == [] and confirmed.refused == [claim]
        assert await conn.fetchval("SELECT status FROM physical_copy WHERE id = $1", claim.item_id) == (
            "deletion_scheduled"
        )
        assert await conn.fetchval("SELECT count(*) FROM physical_copy WHERE status = 'deleted'") == 0
