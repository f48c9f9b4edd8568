"""The invariants a simulated night must keep, checked against the database, and the journal they compare with.

Holds `check_invariants`, `history_invariant`, `InvariantResult` and the `Journal` of claims
and completions the night keeps; the SQL is in `sql/simulate.sql`. Not the night itself.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from opsdb.db import Connection
from opsdb.history import history_check
from opsdb.queries import query
from opsdb.work import Claim


@dataclass(frozen=True)
class InvariantResult:
    name: str
    ok: bool
    detail: str


@dataclass
class JournalEntry:
    claims: int = 0
    completions: int = 0
    token: uuid.UUID | None = None


class Journal:
    """The simulation's own record of every claim and completion, per (kind, item)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, int], JournalEntry] = defaultdict(JournalEntry)

    def claimed(self, claims: Sequence[Claim]) -> None:
        for c in claims:
            self.entries[(c.kind.value, c.item_id)].claims += 1

    def completed(self, claims: Sequence[Claim]) -> None:
        for c in claims:
            entry = self.entries[(c.kind.value, c.item_id)]
            entry.completions += 1
            entry.token = c.token


async def check_invariants(
    conn: Connection, *, journal: Journal | None = None, files_sent: int | None = None
) -> list[InvariantResult]:
    """Check the invariants against the database (plus the journal and counts, when given).

    (a) every deleted source/buffer copy had a present, checksum-verified archive copy of
    each of its packages, created and verified before the deletion; (b) no work item was
    processed twice: no duplicated effects, and (with a journal) each finished item was
    completed exactly once, by the claim whose token the database holds, after as many
    claims as the database counted attempts; (c) nothing lost: every file in an archived
    package, every package with a present verified archive copy, no failed item, and (with
    `files_sent`) as many files as the instruments sent; (d) every package reached the
    archive of every site its bundle was transferred to.
    """
    results = []
    row = await conn.fetchrow(query("simulate_deleted_without_archive"))
    assert row is not None
    results.append(
        InvariantResult(
            "deleted only after a verified archive copy",
            row["violations"] == 0,
            f"{row['deleted']} copies deleted, {row['violations']} without a prior verified archive copy",
        )
    )

    problems = []
    duplicates = await conn.fetchval(query("simulate_duplicate_effects"))
    if duplicates:
        problems.append(f"{duplicates} duplicated transfers or copies")
    done = await conn.fetch(query("simulate_done_items"))
    if journal is not None:
        finished = {(r["kind"], r["id"]): r for r in done}
        twice = [key for key, e in journal.entries.items() if e.completions > 1]
        unrecorded = [key for key in finished if journal.entries.get(key, JournalEntry()).completions != 1]
        unfinished = [key for key, e in journal.entries.items() if e.completions and key not in finished]
        mismatched = [
            key
            for key, r in finished.items()
            if key in journal.entries
            and (journal.entries[key].token != r["claim_token"] or journal.entries[key].claims != r["attempts"])
        ]
        for label, keys in (
            ("completed twice", twice),
            ("finished in the database without exactly one journal completion", unrecorded),
            ("completed in the journal but not finished in the database", unfinished),
            ("token or attempts differ between journal and database", mismatched),
        ):
            if keys:
                problems.append(f"{len(keys)} {label} (e.g. {keys[0][0]} {keys[0][1]})")
    results.append(
        InvariantResult(
            "no item processed twice",
            not problems,
            "; ".join(problems)
            or f"{len(done)} finished items, each completed once"
            + (" (journal and database agree on token and attempts)" if journal is not None else ""),
        )
    )

    lost = await conn.fetchrow(query("simulate_lost"))
    unfinished_row = await conn.fetchrow(query("simulate_unfinished"))
    assert lost is not None and unfinished_row is not None
    problems = [
        f"{lost[key]} {label}"
        for key, label in (
            ("unpackaged_files", "files in no package"),
            ("files_in_unarchived_packages", "files in unarchived packages"),
            ("unarchived_packages", "packages not archived"),
            ("packages_without_archive_copy", "packages without a present verified archive copy"),
        )
        if lost[key]
    ]
    if unfinished_row["failed_items"]:
        problems.append(f"{unfinished_row['failed_items']} failed work items")
    if files_sent is not None and lost["files"] != files_sent:
        problems.append(f"{lost['files']} files registered but {files_sent} sent")
    results.append(
        InvariantResult(
            "nothing lost",
            not problems,
            "; ".join(problems)
            or f"{lost['files']} files in {lost['packages']} archived packages, each with a verified archive copy",
        )
    )
    missing = await conn.fetchval(query("simulate_missing_replicas"))
    results.append(
        InvariantResult(
            "every archive site holds what it received",
            missing == 0,
            f"{missing} (package, site) pairs received but not archived there",
        )
    )
    results.append(await history_invariant(conn))
    return results


async def history_invariant(conn: Connection) -> InvariantResult:
    """(e) every state change left a history row: each item's trail has no gap, and its last
    recorded state is its current state."""
    check = await history_check(conn)
    return InvariantResult(
        "history records every state change",
        check.ok,
        f"{check.items} item states, {check.missing} without history, {check.disagreeing} disagreeing, "
        f"{check.gaps} gaps" + (f" (e.g. {check.example})" if check.example else ""),
    )
