"""The work protocol against a real PostgreSQL: claims, leases, fencing tokens, retries, reset, NOTIFY."""

from __future__ import annotations

from collections import Counter

import anyio
import pytest

from opsdb import work
from opsdb.db import Database
from opsdb.errors import ClaimLostError, InputValidationError, InvalidTransitionError, NotFoundError
from opsdb.testing import World, add_bundle, add_packages
from opsdb.testing import build_world as _world
from opsdb.work import WorkKind

pytestmark = pytest.mark.anyio

BUILD = WorkKind.RAW_DATA_PACKAGE_BUILD
CHECKSUM = {"size_bytes": 10, "checksum": "c" * 64, "checksum_algorithm": "sha256"}


async def _expire_leases(db: Database, table: str, prefix: str = "") -> None:
    """Move every lease into the past: what a crashed worker's items look like later."""
    async with db.connection() as conn:
        await conn.execute(
            f"UPDATE {table} SET {prefix}lease_until = now() - interval '1 second', "
            f"{prefix}next_attempt_at = now() - interval '1 second' WHERE {prefix}claim_token IS NOT NULL"
        )


async def test_claim_returns_item_with_token_and_lease(db: Database) -> None:
    world = await _world(db)
    (package,) = await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        (claim,) = await work.claim(conn, BUILD, "w1", limit=5, lease_seconds=60)
        item = await work.get(conn, BUILD, package)
    assert claim.item_id == package
    assert claim.attempt == 1
    assert claim.item["name"] == "pkg_1"
    assert item.status == "in_progress"
    assert item.claimed_by == "w1"
    assert item.lease_until == claim.lease_until


async def add_packages_via(db: Database, world: World, count: int, **kwargs: str) -> list[int]:
    async with db.connection() as conn:
        return await add_packages(conn, world, count, **kwargs)


async def test_second_claimer_gets_nothing(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        first = await work.claim(conn, BUILD, "w1")
        second = await work.claim(conn, BUILD, "w2")
    assert len(first) == 1
    assert second == []


async def test_concurrent_claimers_each_item_has_exactly_one_winner(db: Database) -> None:
    world = await _world(db)
    packages = await add_packages_via(db, world, 300)
    won: list[tuple[str, int]] = []

    async def worker(name: str) -> None:
        async with db.connection() as conn:
            while claims := await work.claim(conn, BUILD, name, limit=7, lease_seconds=60):
                for c in claims:
                    won.append((name, c.item_id))
                    await work.complete(conn, c, **CHECKSUM)

    async with anyio.create_task_group() as tg:
        for n in range(8):
            tg.start_soon(worker, f"w{n}")
    counts = Counter(item for _, item in won)
    assert sorted(counts) == sorted(packages)
    assert set(counts.values()) == {1}
    assert len({name for name, _ in won}) > 1  # the work really was shared


async def test_crashed_workers_items_come_back_after_the_lease(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 3)
    async with db.connection() as conn:
        crashed = await work.claim(conn, BUILD, "crashed", limit=3, lease_seconds=60)
        assert await work.claim(conn, BUILD, "rescuer", limit=3) == []
    await _expire_leases(db, "raw_data_package")
    async with db.connection() as conn:
        rescued = await work.claim(conn, BUILD, "rescuer", limit=3)
    assert sorted(c.item_id for c in rescued) == sorted(c.item_id for c in crashed)
    assert all(c.attempt == 2 for c in rescued)
    assert all(c.item["last_error"] == "lease of crashed expired" for c in rescued)
    assert {c.token for c in rescued}.isdisjoint({c.token for c in crashed})


async def test_short_lease_expires_for_real(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        (stalled,) = await work.claim(conn, BUILD, "stalled", lease_seconds=0.2)
        await anyio.sleep(0.3)
        (taken,) = await work.claim(conn, BUILD, "other")
    assert taken.item_id == stalled.item_id


async def test_superseded_workers_completion_is_refused(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        (old,) = await work.claim(conn, BUILD, "slow", lease_seconds=60)
    await _expire_leases(db, "raw_data_package")
    async with db.connection() as conn:
        (new,) = await work.claim(conn, BUILD, "fast")
        with pytest.raises(ClaimLostError, match="claimed by fast"):
            await work.complete(conn, old, **CHECKSUM)
        with pytest.raises(ClaimLostError):
            await work.fail(conn, old, "boom")
        with pytest.raises(ClaimLostError):
            await work.progress(conn, old)
        done = await work.complete(conn, new, **CHECKSUM)
    assert done.status == "completed"
    assert done.claimed_by == "fast"
    assert done.row["checksum"] == "c" * 64


async def test_completing_twice_with_the_same_claim_is_harmless(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        (c,) = await work.claim(conn, BUILD, "w")
        first = await work.complete(conn, c, **CHECKSUM)
        again = await work.complete(conn, c, **CHECKSUM)
    assert first.status == again.status == "completed"


async def test_complete_refuses_unknown_result_fields_and_writes_nothing(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        (c,) = await work.claim(conn, BUILD, "w")
        with pytest.raises(InputValidationError, match="colour"):
            await work.complete(conn, c, colour="red")
        assert (await work.get(conn, BUILD, c.item_id)).status == "in_progress"


async def test_batched_renewal_extends_held_leases_and_names_lost_ones(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 3)
    async with db.connection() as conn:
        claims = await work.claim(conn, BUILD, "w", limit=3, lease_seconds=30)
        renewed = await work.renew(conn, BUILD, claims, lease_seconds=600)
        assert all(r.lease_until > c.lease_until for r, c in zip(renewed, claims, strict=True))
        # one item is taken over after its lease ran out
        await conn.execute(
            "UPDATE raw_data_package SET lease_until = now() - interval '1 s', "
            "next_attempt_at = now() - interval '1 s' "
            "WHERE id = $1",
            claims[0].item_id,
        )
        (taken,) = await work.claim(conn, BUILD, "other")
        with pytest.raises(work.ClaimsLostError) as lost:
            await work.renew(conn, BUILD, claims, lease_seconds=600)
    assert [c.item_id for c in lost.value.lost] == [taken.item_id]
    assert sorted(c.item_id for c in lost.value.renewed) == sorted(c.item_id for c in claims[1:])


async def test_a_stale_claim_beside_a_fresh_one_of_the_same_item_is_refused(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        (stale,) = await work.claim(conn, BUILD, "w", lease_seconds=30)
        await conn.execute(
            "UPDATE raw_data_package SET lease_until = now() - interval '1 s', next_attempt_at = now() - interval '1 s'"
        )
        (fresh,) = await work.claim(conn, BUILD, "w")
        assert (fresh.item_id, fresh.token) != (stale.item_id, stale.token) and fresh.item_id == stale.item_id
        with pytest.raises(ValueError, match="at most once"):
            await work.renew(conn, BUILD, [stale, fresh])
        with pytest.raises(ValueError, match="at most once"):
            await work.complete_many(conn, BUILD, [stale, fresh])
        assert (await work.get(conn, BUILD, fresh.item_id)).status == "in_progress"  # nothing written


async def test_failure_retries_with_backoff_then_fails_at_the_cap(db: Database) -> None:
    world = await _world(db)
    (package,) = await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        await conn.execute("UPDATE raw_data_package SET max_attempts = 3 WHERE id = $1", package)
        outcomes = []
        for attempt in range(1, 4):
            (c,) = await work.claim(conn, BUILD, "w")
            assert c.attempt == attempt
            outcomes.append(await work.fail(conn, c, f"tar failed #{attempt}", backoff_seconds=60))
            # backing off: not claimable until its time comes
            assert await work.claim(conn, BUILD, "w") == []
            await conn.execute("UPDATE raw_data_package SET next_attempt_at = now() WHERE id = $1", package)
        assert [o.status for o in outcomes] == ["pending", "pending", "failed"]
        assert outcomes[0].next_attempt_at is not None and outcomes[1].next_attempt_at is not None
        gap0 = outcomes[0].next_attempt_at - outcomes[0].row["updated_at"]
        gap1 = outcomes[1].next_attempt_at - outcomes[1].row["updated_at"]
        assert gap1 > gap0  # exponential backoff
        assert await work.claim(conn, BUILD, "w") == []  # failed stays failed ...
        (failed,) = await work.list_failed(conn, BUILD)  # ... and visible
    assert failed.item_id == package
    assert failed.last_error == "tar failed #3"
    assert failed.attempts == 3


async def test_abandoned_item_with_no_attempts_left_fails_instead_of_looping(db: Database) -> None:
    world = await _world(db)
    (package,) = await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        await conn.execute("UPDATE raw_data_package SET max_attempts = 1 WHERE id = $1", package)
        await work.claim(conn, BUILD, "crashes-every-time")
    await _expire_leases(db, "raw_data_package")
    async with db.connection() as conn:
        assert await work.claim(conn, BUILD, "next") == []
        item = await work.get(conn, BUILD, package)
    assert item.status == "failed"
    assert item.last_error == "lease of crashes-every-time expired; no attempts left"


async def test_permanent_failure_skips_retries(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        (c,) = await work.claim(conn, BUILD, "w")
        outcome = await work.fail(conn, c, "source file missing", permanent=True)
    assert outcome.status == "failed"
    assert outcome.attempts == 1


async def test_operator_reset_makes_a_failed_item_claimable_again(db: Database) -> None:
    world = await _world(db)
    (package,) = await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        (c,) = await work.claim(conn, BUILD, "w")
        await work.fail(conn, c, "disk full", permanent=True)
        reset = await work.reset(conn, BUILD, package)
        (again,) = await work.claim(conn, BUILD, "w2")
    assert reset.status == "pending"
    assert reset.attempts == 0
    assert reset.last_error == "disk full"  # the history stays readable
    assert again.attempt == 1


async def test_reset_refuses_items_that_are_not_failed(db: Database) -> None:
    world = await _world(db)
    (package,) = await add_packages_via(db, world, 1)
    async with db.connection() as conn:
        with pytest.raises(InvalidTransitionError, match="pending -> pending"):
            await work.reset(conn, BUILD, package)
        with pytest.raises(NotFoundError):
            await work.reset(conn, BUILD, 999_999)


async def test_claims_filter_by_site_and_location(db: Database) -> None:
    world = await _world(db)
    at_ccat = await add_packages_via(db, world, 2, origin="ccat_source", name="a")
    at_cologne = await add_packages_via(db, world, 2, origin="cologne_buffer", name="b")
    async with db.connection() as conn:
        us = await work.claim(conn, BUILD, "w", limit=10, sites=["us"])
        cologne = await work.claim(conn, BUILD, "w", limit=10, sites=["cologne"])
        ccat = await work.claim(conn, BUILD, "w", limit=10, locations=[world.locations["ccat_source"]])
    assert us == []
    assert sorted(c.item_id for c in cologne) == at_cologne
    assert sorted(c.item_id for c in ccat) == at_ccat


async def test_unpack_is_claimable_only_after_the_transfer_finished(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        packages = await add_packages(conn, world, 2, status="completed")
        bundle = await add_bundle(conn, world, packages)
        transfer = await conn.fetchval(
            "INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id) "
            "VALUES ($1, $2, $3) RETURNING id",
            bundle,
            world.locations["ccat_buffer"],
            world.locations["cologne_buffer"],
        )
        assert await work.claim(conn, WorkKind.DATA_TRANSFER_UNPACK, "unpacker") == []
        (sending,) = await work.claim(conn, WorkKind.DATA_TRANSFER, "sender", sites=["ccat"])
        await work.progress(conn, sending, message="42% sent")
        await work.complete(conn, sending, verified=True)
        (unpack,) = await work.claim(conn, WorkKind.DATA_TRANSFER_UNPACK, "unpacker", sites=["cologne"])
        assert unpack.item_id == transfer
        await work.complete(conn, unpack, verified=True)
        copies = await conn.fetch(
            "SELECT type, data_location_id, status FROM physical_copy WHERE data_location_id = $1 ORDER BY type",
            world.locations["cologne_buffer"],
        )
        log = await conn.fetchval("SELECT message FROM data_transfer_log WHERE data_transfer_id = $1", transfer)
        row = await conn.fetchrow(
            "SELECT status, unpack_status, unpacked_at FROM data_transfer WHERE id = $1", transfer
        )
    assert [c["type"] for c in copies] == ["data_transfer_package", "raw_data_package", "raw_data_package"]
    assert log == "42% sent"
    assert row is not None and row["unpack_status"] == "completed" and row["unpacked_at"] is not None


async def test_notify_arrives_when_work_appears(db: Database, database_dsn: str) -> None:
    world = await _world(db)
    async with work.listen(database_dsn, [BUILD], poll_interval=5) as hints:
        assert hints.connected
        await add_packages_via(db, world, 3)
        with anyio.fail_after(5):
            got = await hints.wait()
    assert got == {BUILD}


async def test_listener_ignores_other_kinds_and_falls_back_to_polling(db: Database, database_dsn: str) -> None:
    world = await _world(db)
    async with work.listen(database_dsn, [WorkKind.STAGING_JOB], poll_interval=0.2) as hints:
        await add_packages_via(db, world, 1)
        assert await hints.wait() == set()  # only the poll interval passed


async def test_listener_keeps_polling_when_its_connection_dies(db: Database, database_dsn: str) -> None:
    world = await _world(db)
    async with work.listen(database_dsn, [BUILD], poll_interval=0.2) as hints:
        async with db.connection() as conn:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        with anyio.fail_after(5):
            while True:  # the listener notices the loss ...
                if not hints.connected:
                    break
                await anyio.sleep(0.01)
        assert await hints.wait(max_wait=0.2) == set()  # ... the caller polls, the listener reconnects
        assert hints.connected
        await add_packages_via(db, world, 1)
        with anyio.fail_after(5):
            got = await hints.wait(max_wait=2)
    assert got == {BUILD}


async def test_batched_completion_finishes_held_claims_and_names_lost_ones(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 3)
    buffer = world.locations["ccat_buffer"]
    async with db.connection() as conn:
        claims = await work.claim(conn, BUILD, "w", limit=3, lease_seconds=60)
        await conn.execute(
            "UPDATE raw_data_package SET lease_until = now() - interval '1 s', "
            "next_attempt_at = now() - interval '1 s' WHERE id = $1",
            claims[0].item_id,
        )
        (taken,) = await work.claim(conn, BUILD, "other")
        results = [{**CHECKSUM, "size_bytes": n, "location_id": buffer} for n in range(3)]
        with pytest.raises(work.ClaimsLostError) as lost:
            await work.complete_many(conn, BUILD, claims, results)
        rows = await conn.fetch("SELECT id, status, size_bytes FROM raw_data_package ORDER BY id")
        copies = await conn.fetchval("SELECT count(*) FROM physical_copy WHERE data_location_id = $1", buffer)
    assert [c.item_id for c in lost.value.lost] == [taken.item_id]
    assert [(r["status"], r["size_bytes"]) for r in rows[1:]] == [("completed", 1), ("completed", 2)]
    assert rows[0]["status"] == "in_progress"  # the new owner's, untouched
    assert copies == 2


@pytest.mark.parametrize("kind", list(WorkKind))
async def test_every_protocol_statement_prepares_for_every_kind(db: Database, kind: WorkKind) -> None:
    templates = ["work_claim", "work_renew", "work_fail_many", "work_reset", "work_get"]
    templates += ["work_list_failed", "work_set_priority", "work_record_external_job", "work_completed_by"]
    async with db.connection() as conn:
        for name in templates:
            await conn.raw.prepare(work.kind_sql(name, kind))
        columns = work.KINDS[kind].results
        for rows in (True, False):
            await conn.raw.prepare(work.completion_statement(kind, columns, rows=rows).sql)
        await conn.raw.prepare(work.completion_statement(kind, columns, claim_next=True).sql)


async def test_complete_and_claim_next_is_one_statement_with_the_effect(db: Database) -> None:
    world = await _world(db)
    packages = await add_packages_via(db, world, 5)
    buffer = world.locations["ccat_buffer"]
    async with db.connection() as conn:
        first = await work.claim(conn, BUILD, "w", limit=2, lease_seconds=60)
        results = [{**CHECKSUM, "location_id": buffer, "verified": True} for _ in first]
        batch = await work.complete_many(conn, BUILD, first, results, claim_next=2, lease_seconds=90)
        last = await work.complete_many(conn, BUILD, batch.claims, [CHECKSUM for _ in batch.claims], claim_next=9)
        end = await work.complete_many(conn, BUILD, last.claims, [CHECKSUM for _ in last.claims], claim_next=0)
        statuses = dict(await conn.fetch("SELECT id, status FROM raw_data_package"))
        copies = await conn.fetch(
            "SELECT raw_data_package_id, checksum_verified_at IS NOT NULL AS verified FROM physical_copy "
            "WHERE data_location_id = $1 ORDER BY raw_data_package_id",
            buffer,
        )
    assert sorted(batch.completed) == sorted(c.item_id for c in first) and batch.lost == []
    assert len(batch.claims) == 2 and all(c.worker_id == "w" and c.attempt == 1 for c in batch.claims)
    assert not {c.item_id for c in batch.claims} & {c.item_id for c in first}
    assert len(last.claims) == 1 and end.claims == [] and end.completed == [last.claims[0].item_id]
    assert set(statuses.values()) == {"completed"} and sorted(statuses) == sorted(packages)
    assert [(r["raw_data_package_id"], r["verified"]) for r in copies] == [(c.item_id, True) for c in first]


async def test_complete_and_claim_next_reports_lost_claims_and_keeps_the_others(db: Database) -> None:
    world = await _world(db)
    await add_packages_via(db, world, 4)
    async with db.connection() as conn:
        claims = await work.claim(conn, BUILD, "w", limit=2, lease_seconds=60)
        await conn.execute(
            "UPDATE raw_data_package SET lease_until = now() - interval '1 s', "
            "next_attempt_at = now() - interval '1 s' WHERE id = $1",
            claims[0].item_id,
        )
        (taken,) = await work.claim(conn, BUILD, "other")
        batch = await work.complete_many(conn, BUILD, claims, [CHECKSUM, CHECKSUM], claim_next=1)
        again = await work.complete_many(conn, BUILD, claims[1:], [CHECKSUM], claim_next=0)
        owner = await conn.fetchval("SELECT claimed_by FROM raw_data_package WHERE id = $1", taken.item_id)
    assert batch.lost == [claims[0]] and batch.completed == [claims[1].item_id]
    assert len(batch.claims) == 1 and batch.claims[0].item_id not in {claims[0].item_id, claims[1].item_id}
    assert again.completed == [claims[1].item_id]  # a retry recognises its own completion
    assert owner == "other"
