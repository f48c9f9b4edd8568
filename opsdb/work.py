"""The work protocol every daemon uses: claim with a lease, renew, progress, complete, fail, reset.

Here: the protocol and KINDS; not here: its SQL (sql/work.sql), leases (lease.py), new work (pipeline.py).

One protocol for the seven kinds of work (`WorkKind`). A claim is one statement
(`FOR UPDATE SKIP LOCKED`) that also takes items whose lease ran out; each claim carries a
fresh token (a fencing token) and every later write names it, so a worker whose claim was
taken over gets `ClaimLostError` instead of overwriting the new owner's work. A completion
is one statement too: the token-fenced UPDATE with the kind's completion effect (copies,
package states; sql/work.sql, `work_effect_<kind>`) as CTEs, one round trip and one commit;
`complete_many(..., claim_next=N)` also claims the next batch in that statement;
`fail_many` records a batch's failures in one statement too. `listen`
waits for the NOTIFY hint the database sends when work appears, with polling as the
fallback. Claims take the highest priority first (aged by waiting time) and obey the caps in
table work_cap; a claim may record its external job for a successor. Protocol and diagrams:
docs/workflows.md.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, overload
from uuid import UUID

import anyio
import asyncpg

from opsdb.config import redact_dsn
from opsdb.db import Connection, Record, idempotent, init_connection
from opsdb.errors import (
    ClaimLostError,
    ConfigurationError,
    FieldProblem,
    InputValidationError,
    InvalidTransitionError,
    NotFoundError,
)
from opsdb.metrics import observe
from opsdb.queries import query
from opsdb.settings import load_settings, secret, split_dsn_options

log = logging.getLogger("opsdb.work")

CHANNEL = "opsdb_work"
"""The NOTIFY channel; the payload is a WorkKind value."""

MAX_ERROR_LENGTH = 4000
"""Longer error texts are cut (logs belong on disk; data_transfer_log points at them)."""


class WorkKind(StrEnum):
    """Every kind of claimable work; the value is also the NOTIFY payload."""

    RAW_DATA_PACKAGE_BUILD = "raw_data_package_build"
    DATA_TRANSFER_PACKAGE_BUILD = "data_transfer_package_build"
    DATA_TRANSFER = "data_transfer"
    DATA_TRANSFER_UNPACK = "data_transfer_unpack"
    LONG_TERM_ARCHIVE_TRANSFER = "long_term_archive_transfer"
    STAGING_JOB = "staging_job"
    PHYSICAL_COPY_DELETION = "physical_copy_deletion"


@dataclass(frozen=True)
class KindSpec:
    """Where a kind's work lives. Every string here is static SQL, never a value."""

    table: str
    prefix: str
    """Prefix of the work columns ("unpack_" for the unpack step of data_transfer)."""
    location: str
    """The location column the `locations` / `sites` filters of a claim apply to."""
    extra: str
    """Further claimable condition on `t` (static SQL)."""
    pending: str
    running: str
    done: str
    failed: str
    done_sets: str
    """Extra assignments on completion (static SQL)."""
    results: tuple[str, ...]
    """Columns a completion may write (`complete(..., column=value)`)."""
    effect_params: tuple[str, ...] | None
    """Parameters of the kind's completion effect (query work_effect_<kind>), None = no effect."""
    judge: str = "true"
    """A costly per-item claim rule on `id` (static SQL), judged only on the claim's window."""
    window: int = 1
    """How many due items per wanted item the claim looks at (room for `judge` to refuse some)."""
    route: str = "NULL::bigint"
    """The route an item travels (static SQL on `t`): what route caps apply to."""
    size: str = "0"
    """An item's bytes (static SQL on `t`): what byte caps count."""

    def column(self, name: str) -> str:
        return f"{self.prefix}{name}"


_JOB: dict[str, Any] = {"pending": "pending", "running": "in_progress", "done": "completed", "failed": "failed"}
_CHECKSUM = ("size_bytes", "checksum", "checksum_algorithm")
_BUNDLE_SIZE = "(SELECT d.size_bytes FROM data_transfer_package d WHERE d.id = t.data_transfer_package_id)"

KINDS: Mapping[WorkKind, KindSpec] = {
    WorkKind.RAW_DATA_PACKAGE_BUILD: KindSpec(
        table="raw_data_package",
        prefix="",
        location="origin_location_id",
        extra="",
        **_JOB,
        done_sets="",
        results=_CHECKSUM,
        effect_params=("location_id", "verified"),
    ),
    WorkKind.DATA_TRANSFER_PACKAGE_BUILD: KindSpec(
        table="data_transfer_package",
        prefix="",
        location="origin_location_id",
        extra="",
        **_JOB,
        done_sets="",
        results=_CHECKSUM,
        effect_params=("verified",),
    ),
    WorkKind.DATA_TRANSFER: KindSpec(
        table="data_transfer",
        prefix="",
        location="origin_location_id",
        extra="",
        **_JOB,
        done_sets=", completed_at = now()",
        results=("started_at",),
        effect_params=("verified",),
        route="t.data_transfer_route_id",
        size=_BUNDLE_SIZE,
    ),
    WorkKind.DATA_TRANSFER_UNPACK: KindSpec(
        table="data_transfer",
        prefix="unpack_",
        location="destination_location_id",
        extra="AND t.status = 'completed'",
        **_JOB,
        done_sets=", unpacked_at = now()",
        results=(),
        effect_params=("verified",),
        route="t.data_transfer_route_id",
        size=_BUNDLE_SIZE,
    ),
    WorkKind.LONG_TERM_ARCHIVE_TRANSFER: KindSpec(
        table="long_term_archive_transfer",
        prefix="",
        location="destination_location_id",
        extra="",
        **_JOB,
        done_sets=", completed_at = now()",
        results=(),
        effect_params=("verified",),
        size="(SELECT p.size_bytes FROM raw_data_package p WHERE p.id = t.raw_data_package_id)",
    ),
    WorkKind.STAGING_JOB: KindSpec(
        table="staging_job",
        prefix="",
        location="destination_location_id",
        extra="",
        **_JOB,
        done_sets=", completed_at = now()",
        results=("retention_until",),
        effect_params=(),
    ),
    WorkKind.PHYSICAL_COPY_DELETION: KindSpec(
        table="physical_copy",
        prefix="",
        location="data_location_id",
        # archive copies are never deleted, and never locked as work: they are what the rule
        # locks FOR SHARE, so claimers never wait for one another (migrations/0016)
        extra="AND t.data_location_id IN (SELECT l.id FROM data_location l "
        "WHERE l.location_type <> 'long_term_archive')",
        # the safe-deletion rule, judged on the claim's window only (migrations/0009, 0016);
        # opsdb.deletion.claim_deletions judges the whole window in one set-based call
        judge="opsdb_claim_deletable(id)",
        window=4,
        pending="deletion_scheduled",
        running="deletion_in_progress",
        done="deleted",
        failed="deletion_failed",
        done_sets=", deleted_at = now()",
        results=(),
        effect_params=(),
    ),
}
"""WorkKind -> (table, column prefix, claimable condition, location filter column, states)."""

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_NAMED = re.compile(r"\$([a-z][a-z0-9_]*)")
_DECLARED = re.compile(r"^-- params:(.*)$", re.MULTILINE)
_COLUMNS = (
    "status",
    "attempts",
    "max_attempts",
    "last_error",
    "next_attempt_at",
    "claimed_by",
    "claim_token",
    "lease_until",
    "priority",
    "external_job",
)


RESULT_TYPES: Mapping[str, str] = {
    "size_bytes": "bigint",
    "checksum": "text",
    "checksum_algorithm": "text",
    "started_at": "timestamptz",
    "retention_until": "timestamptz",
}
"""SQL type of every result column (for the arrays of a batched completion)."""

EFFECT_TYPES: Mapping[str, str] = {"verified": "boolean", "location_id": "bigint"}
"""SQL type of every effect parameter (one array each in a completion)."""

_EFFECT_DEFAULTS: Mapping[str, Any] = {"verified": False, "location_id": None}


@dataclass(frozen=True)
class Statement:
    """A statement ready to send: `sql` binds `params[i]` as `$i+1` (numbered by `number_params`)."""

    sql: str
    params: tuple[str, ...]

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        """`values` (by parameter name) in the order of the placeholders; every parameter exactly once."""
        if set(values) != set(self.params):
            raise ValueError(f"parameters {sorted(self.params)} expected, got {sorted(values)}")
        return [values[p] for p in self.params]


def number_params(text: str, added: Sequence[str] = ()) -> Statement:
    """Number the `$name` placeholders of `text`: the names of its `-- params:` line first, then `added`.

    Names used but not declared, or declared but not used, are a programming error (ValueError).
    """
    declared = _DECLARED.search(text)
    names = tuple(n.strip() for n in declared.group(1).split(",") if n.strip()) if declared else ()
    params = (*names, *added)
    used = set(_NAMED.findall(text))
    if used != set(params) or len(set(params)) != len(params):
        raise ValueError(f"placeholders {sorted(used)} do not match the declared parameters {list(params)}")
    index = {name: n for n, name in enumerate(params, start=1)}
    return Statement(_NAMED.sub(lambda m: f"${index[m.group(1)]}", text), params)


def _fragment(name: str) -> str:
    """A fragment of sql/work.sql without its description lines (it goes inside a statement)."""
    return "\n".join(line for line in query(name).splitlines() if not line.startswith("--"))


_statement_cache: dict[tuple[str, WorkKind, tuple[tuple[str, str], ...], tuple[str, ...]], Statement] = {}


def kind_statement(name: str, kind: WorkKind, added: Sequence[str] = (), **fills: str) -> Statement:
    """The template `name` of sql/work.sql filled with `kind`'s static names, its placeholders numbered.

    `fills` replace further {placeholders} (static SQL built by this module); `added` names the
    parameters those fills bind, numbered after the declared ones.
    """
    key = (name, kind, tuple(sorted(fills.items())), tuple(added))
    cached = _statement_cache.get(key)
    if cached is not None:
        return cached
    spec = KINDS[kind]
    names = {c: spec.column(c) for c in _COLUMNS}
    names.update(
        kind=kind.value,
        route=spec.route,
        size=spec.size,
        table=spec.table,
        location=spec.location,
        extra=spec.extra,
        judge=spec.judge,
        window=str(spec.window),
        pending=spec.pending,
        running=spec.running,
        done=spec.done,
        failed=spec.failed,
        done_sets=spec.done_sets,
        claim_steps=query("work_claim_steps"),
        # a kind without a claim rule refuses nothing: no UPDATE step that never writes (each
        # is one more result relation to plan and open, with all the table's indexes, per claim)
        deferred="" if spec.judge == "true" else "\n" + _fragment("work_claim_deferred"),
        # nor a lookup of a size the kind does not have (one more scan of the table to plan)
        item_size="0" if spec.size == "0" else _fragment("work_claim_item_size"),
        complete_steps=query("work_complete_steps"),
        result_sets="",
        result_arrays="",
        result_names="",
        effect_returning="",
        effect="",
        selected="d.*",
        after_done="",
    )
    names.update(fills)
    text = query(name)
    while _PLACEHOLDER.search(text):  # fragments hold placeholders of their own
        text = _PLACEHOLDER.sub(lambda m: names[m.group(1)], text)
    statement = number_params(text, added)
    _statement_cache[key] = statement
    return statement


def kind_sql(name: str, kind: WorkKind) -> str:
    """The template `name` of sql/work.sql filled with `kind`'s static names (placeholders numbered)."""
    return kind_statement(name, kind).sql


@cache
def plain_statement(name: str) -> Statement:
    """A statement of sql/work.sql that is no template, its placeholders numbered."""
    return number_params(query(name))


def completion_statement(
    kind: WorkKind, columns: Sequence[str], *, rows: bool = True, claim_next: bool = False
) -> Statement:
    """The completion of a batch writing result `columns`, with the kind's effect, as one statement.

    Binds ids, tokens (then, with `claim_next`, the claim's worker, limit, locations, sites,
    lease_seconds), then one array per result column and per effect parameter. Returns the
    completed rows (`rows`) or only their ids; with `claim_next`, work_complete_claim's rows.
    """
    spec = KINDS[kind]
    effect_params = spec.effect_params or ()
    arrays = (*columns, *effect_params)
    types = {**RESULT_TYPES, **EFFECT_TYPES}
    fills = {
        "result_sets": "".join(f", {c} = c.{c}" for c in columns),
        "result_arrays": "".join(f", ${a}::{types[a]}[]" for a in arrays),
        "result_names": "".join(f", {a}" for a in arrays),
        "effect_returning": "".join(f", c.{p} AS effect_{p}" for p in effect_params),
        "effect": "" if spec.effect_params is None else ",\n" + query(f"work_effect_{kind.value}"),
        "selected": "d.*" if rows else "d.id",
    }
    if not claim_next:
        return kind_statement("work_complete_many", kind, arrays, **fills)
    # `done` runs to its end before the claim's first step (a one-time filter on it): a worker
    # then never waits for a row while it holds rows its claim scan locked (the scan keeps
    # locks on rows that turned out not due), so two such statements cannot deadlock; and the
    # caps' room, counted on a fresh snapshot, no longer counts the items completed here
    fills["after_done"] = "\n      AND (SELECT count(*) FROM done) >= 0"
    return kind_statement("work_complete_claim", kind, arrays, **fills)


def complete_sql(kind: WorkKind, columns: Sequence[str]) -> str:
    """The completion of one claim writing `columns` (the batched statement, with one-item arrays)."""
    return completion_statement(kind, columns).sql


def complete_many_sql(kind: WorkKind, columns: Sequence[str]) -> str:
    """The batched completion writing `columns`, returning the completed rows."""
    return completion_statement(kind, columns).sql


MIN_PRIORITY = -100
MAX_PRIORITY = 100
AGING_SECONDS_PER_POINT = 300
"""A priority point is worth five minutes of waiting (opsdb_work_order, migrations/0020)."""
MAX_EXTERNAL_JOB_BYTES = 7000
"""An external job reference is a handle (ids, host, pid), not a log: at most this much JSON."""


@dataclass(frozen=True)
class ExternalJob:
    """Work running outside opsdb for a claim: a bbcp process, an S3 multipart upload, a tape request.

    Stored on the work item (`external_job`, jsonb) by `record_external_job` under the claim
    token, with the worker and attempt that recorded it; the next claimer receives it.
    """

    ref: Mapping[str, Any]
    """What the worker recorded (e.g. {"tool": "bbcp", "host": ..., "pid": ...})."""
    worker_id: str
    attempt: int
    recorded_at: datetime

    @classmethod
    def from_json(cls, value: Any) -> ExternalJob | None:
        if value is None:
            return None
        return cls(value["ref"], value["worker"], value["attempt"], datetime.fromisoformat(value["recorded_at"]))


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one item: show `token` with every later write."""

    kind: WorkKind
    item_id: int
    token: UUID
    worker_id: str
    lease_until: datetime
    attempt: int
    """1 for the first attempt; abandoned leases count as attempts."""
    item: Mapping[str, Any]
    """The claimed row as it was right after the claim."""
    priority: int = 0
    previous_job: ExternalJob | None = None
    """The external job an earlier attempt recorded (a predecessor whose lease expired, or a
    failed attempt): adopt it (`record_external_job` again under this claim) or cancel it
    before starting anew (docs/workflows.md, "External jobs")."""


@dataclass(frozen=True)
class WorkItem:
    """A work item's protocol columns (what operators and tests look at)."""

    kind: WorkKind
    item_id: int
    status: str
    attempts: int
    max_attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    claimed_by: str | None
    lease_until: datetime | None
    row: Mapping[str, Any]
    priority: int = 0
    external_job: ExternalJob | None = None

    @classmethod
    def from_row(cls, kind: WorkKind, row: Record) -> WorkItem:
        spec = KINDS[kind]
        return cls(
            kind,
            row["id"],
            row[spec.column("status")],
            row[spec.column("attempts")],
            row[spec.column("max_attempts")],
            row[spec.column("last_error")],
            row[spec.column("next_attempt_at")],
            row[spec.column("claimed_by")],
            row[spec.column("lease_until")],
            _row_dict(row),
            row[spec.column("priority")],
            ExternalJob.from_json(row[spec.column("external_job")]),
        )


_NOT_COLUMNS = frozenset({"completed_ids", "claim_row", *(f"effect_{p}" for p in EFFECT_TYPES)})
"""Columns a completion statement adds to the table's (effect parameters, the batch's ids)."""


def _row_dict(row: Record) -> dict[str, Any]:
    """The table's columns of `row`."""
    values = dict(row)
    if not _NOT_COLUMNS.isdisjoint(values):
        for key in _NOT_COLUMNS:
            values.pop(key, None)
    return values


@dataclass(frozen=True)
class Batch:
    """What `complete_many(..., claim_next=N)` returns."""

    completed: list[int]
    """Ids of the items completed (now, or by a retried first attempt of the same claims)."""
    claims: list[Claim]
    """The next claims (at most N; fewer near a cap or when little is due)."""
    lost: list[Claim]
    """Claims no longer the caller's: not completed (with claim_next they are reported, not raised)."""


class ClaimsLostError(ClaimLostError):
    """Some claims of a batched renewal were no longer the caller's; the others were renewed."""

    def __init__(self, kind: WorkKind, lost: Sequence[Claim], renewed: Sequence[Claim]) -> None:
        ids = ", ".join(str(c.item_id) for c in lost)
        super().__init__(f"{kind}: claims lost on item(s) {ids}")
        self.lost = list(lost)
        self.renewed = list(renewed)


@cache
def _claim_columns(kind: WorkKind) -> tuple[str, str, str, str, str, str]:
    """The kind's names of a claim's columns: token, worker, lease end, attempts, priority, external job."""
    c = KINDS[kind].column
    return (c("claim_token"), c("claimed_by"), c("lease_until"), c("attempts"), c("priority"), c("external_job"))


def _claim_from_row(kind: WorkKind, row: Record) -> Claim:
    token, worker, lease_until, attempts, priority, job = _claim_columns(kind)
    values = _row_dict(row)  # read from the dict: a Record's lookup by name costs more
    return Claim(
        kind,
        values["id"],
        values[token],
        values[worker],
        values[lease_until],
        values[attempts],
        values,
        values[priority],
        ExternalJob.from_json(values[job]),
    )


def _claim_values(
    worker_id: str, limit: int, lease_seconds: float, sites: Sequence[str] | None, locations: Sequence[int] | None
) -> dict[str, Any]:
    """A claim's parameters, checked."""
    if not worker_id:
        raise ValueError("worker_id must not be empty")
    _positive("limit", limit)
    _positive("lease_seconds", lease_seconds)
    return {
        "worker": worker_id,
        "limit": limit,
        "locations": None if locations is None else list(locations),
        "sites": None if sites is None else list(sites),
        "lease_seconds": float(lease_seconds),
    }


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")


@idempotent  # a claim lost in transit expires with its lease: the statement may run again
async def claim(
    conn: Connection,
    kind: WorkKind,
    worker_id: str,
    limit: int = 1,
    lease_seconds: float = 300.0,
    *,
    sites: Sequence[str] | None = None,
    locations: Sequence[int] | None = None,
) -> list[Claim]:
    """Claim up to `limit` due items of `kind` for `worker_id`, each with its own token.

    Due: pending items whose retry time has come, and items whose lease expired (a crashed
    or stalled worker's), highest priority first, a priority point counting as five minutes
    of waiting. `sites` (site short names) and `locations` (data location ids) narrow the
    items to those whose kind's location column lies there. One statement: concurrent
    claimers skip each other's rows, so every item has exactly one winner, and no cap of
    table work_cap is exceeded (a claim near a cap may return fewer than `limit`). Each
    claim carries the external job an earlier attempt recorded (`Claim.previous_job`).
    """
    stmt = kind_statement("work_claim", kind)
    rows = await conn.fetch(stmt.sql, *stmt.args(_claim_values(worker_id, limit, lease_seconds, sites, locations)))
    observe("claimed", kind.value, len(rows), worker=worker_id)
    return [_claim_from_row(kind, r) for r in rows]


async def renew(conn: Connection, kind: WorkKind, claims: Sequence[Claim], lease_seconds: float = 300.0) -> list[Claim]:
    """Extend the leases of many claims of one kind in one statement.

    Returns the renewed claims (new `lease_until`). Raises ClaimsLostError (a
    ClaimLostError) naming the claims that were no longer the caller's; the others stay
    renewed.
    """
    _positive("lease_seconds", lease_seconds)
    if not claims:
        return []
    if any(c.kind is not kind for c in claims):
        raise ValueError(f"renew: every claim must be of kind {kind}")
    _once_each("renew", claims)
    stmt = kind_statement("work_renew", kind)
    rows = await conn.fetch(
        stmt.sql,
        *stmt.args(
            {
                "ids": [c.item_id for c in claims],
                "tokens": [c.token for c in claims],
                "lease_seconds": float(lease_seconds),
            }
        ),
    )
    leases = {r["id"]: r["lease_until"] for r in rows}
    renewed = [_with_lease(c, leases[c.item_id]) for c in claims if c.item_id in leases]
    lost = [c for c in claims if c.item_id not in leases]
    if lost:
        raise ClaimsLostError(kind, lost, renewed)
    return renewed


def _once_each(operation: str, claims: Sequence[Claim]) -> None:
    """Outcomes are matched to claims by item: a stale claim beside a fresh one of the same item
    would be reported (and its results applied) as if it were the fresh one."""
    if len({c.item_id for c in claims}) != len(claims):
        raise ValueError(f"{operation}: each item at most once (a stale claim beside a fresh one?)")


def _with_lease(c: Claim, lease_until: datetime) -> Claim:
    return replace(c, lease_until=lease_until)


async def progress(
    conn: Connection, claim: Claim, *, lease_seconds: float = 300.0, message: str | None = None
) -> Claim:
    """A sign of life: renew the lease; for transfers and unpacks also log `message`.

    ClaimLostError when the claim is no longer the caller's (nothing is logged then).
    """
    async with conn.transaction():
        try:
            (renewed,) = await renew(conn, claim.kind, [claim], lease_seconds)
        except ClaimsLostError:
            raise ClaimLostError(_lost_message(claim)) from None
        if message and claim.kind in (WorkKind.DATA_TRANSFER, WorkKind.DATA_TRANSFER_UNPACK):
            log_note = plain_statement("work_log_transfer")
            await conn.execute(
                log_note.sql, *log_note.args({"transfer": claim.item_id, "level": "info", "message": message[:1000]})
            )
    return renewed


def _lost_message(claim: Claim) -> str:
    return f"{claim.kind} {claim.item_id}: claim of {claim.worker_id} ({claim.token}) is no longer held"


async def _get_row(conn: Connection, kind: WorkKind, item_id: int) -> Record | None:
    stmt = kind_statement("work_get", kind)
    return await conn.fetchrow(stmt.sql, *stmt.args({"id": item_id}))


async def _explain_lost(conn: Connection, claim: Claim) -> ClaimLostError | NotFoundError:
    row = await _get_row(conn, claim.kind, claim.item_id)
    if row is None:
        return NotFoundError(KINDS[claim.kind].table, claim.item_id)
    item = WorkItem.from_row(claim.kind, row)
    observe("claim_lost", claim.kind.value, item=claim.item_id, worker=claim.worker_id, claim_token=str(claim.token))
    return ClaimLostError(f"{_lost_message(claim)}: now {item.status}, claimed by {item.claimed_by}")


async def complete(conn: Connection, claim: Claim, **result: Any) -> WorkItem:
    """Finish a claimed item and apply what that means for copies and packages, in one statement.

    `result` holds the kind's result columns (KINDS[kind].results, e.g. size_bytes,
    checksum, checksum_algorithm for builds) and its effect parameters (`location_id` where
    a built package now lies; `verified` when the checksum was checked at the new copy's
    location). Completing the same claim twice is harmless (the second call returns the
    item); a claim taken over by another worker raises ClaimLostError and writes nothing.
    """
    spec = KINDS[claim.kind]
    columns, _ = _check_results(claim.kind, list(result))
    stmt = completion_statement(claim.kind, columns)
    row = await conn.fetchrow(stmt.sql, *stmt.args(_completion_values(claim.kind, [claim], [result], columns)))
    if row is None:
        current = await _get_row(conn, claim.kind, claim.item_id)
        if (
            current is not None
            and current[spec.column("status")] == spec.done
            and current[spec.column("claim_token")] == claim.token
        ):
            return WorkItem.from_row(claim.kind, current)  # already completed by this claim
        raise await _explain_lost(conn, claim)
    observe("completed", claim.kind.value, item=claim.item_id, worker=claim.worker_id)
    return WorkItem.from_row(claim.kind, row)


def _check_results(kind: WorkKind, keys: Sequence[str]) -> tuple[list[str], tuple[str, ...]]:
    """The result columns among `keys` and the kind's effect parameters; InputValidationError for strangers."""
    spec = KINDS[kind]
    effect_params = spec.effect_params or ()
    problems = [
        FieldProblem(0, key, f"not a result of {kind} (allowed: {', '.join(spec.results + effect_params)})")
        for key in keys
        if key not in spec.results and key not in effect_params
    ]
    if problems:
        raise InputValidationError(problems)
    return [k for k in spec.results if k in keys], effect_params


def _completion_values(
    kind: WorkKind, claims: Sequence[Claim], results: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> dict[str, Any]:
    """A completion's parameters: ids, tokens, one array per result column and per effect parameter."""
    values: dict[str, Any] = {"ids": [c.item_id for c in claims], "tokens": [c.token for c in claims]}
    for c in columns:
        values[c] = [r[c] for r in results]
    for p in KINDS[kind].effect_params or ():
        values[p] = [r.get(p, _EFFECT_DEFAULTS[p]) for r in results]
    return values


@overload
async def complete_many(
    conn: Connection, kind: WorkKind, claims: Sequence[Claim], results: Sequence[Mapping[str, Any]] | None = None
) -> list[WorkItem]: ...


@overload
async def complete_many(
    conn: Connection,
    kind: WorkKind,
    claims: Sequence[Claim],
    results: Sequence[Mapping[str, Any]] | None = None,
    *,
    claim_next: int,
    worker_id: str | None = None,
    lease_seconds: float = 300.0,
    sites: Sequence[str] | None = None,
    locations: Sequence[int] | None = None,
) -> Batch: ...


async def complete_many(
    conn: Connection,
    kind: WorkKind,
    claims: Sequence[Claim],
    results: Sequence[Mapping[str, Any]] | None = None,
    *,
    claim_next: int | None = None,
    worker_id: str | None = None,
    lease_seconds: float = 300.0,
    sites: Sequence[str] | None = None,
    locations: Sequence[int] | None = None,
) -> list[WorkItem] | Batch:
    """Finish many claims of one kind in one statement: the UPDATE for all, with their effects.

    `results[i]` holds claim i's results and effect parameters (all with the same keys).
    Without `claim_next`: returns the completed items; claims no longer the caller's are left
    alone, and ClaimsLostError names them after the others committed (`renewed` holds the
    completed ones' claims).

    With `claim_next=N` (the fast path): the same statement also claims up to N next items
    for `worker_id` (default: the claims' worker) exactly as `claim` does (priorities, caps,
    `sites`, `locations`, `lease_seconds`); returns a `Batch` of completed ids, the next
    claims and the lost claims (reported, not raised: the next claims are already held).
    `claim_next=0` completes only, returning ids instead of decoded rows.
    """
    if any(c.kind is not kind for c in claims):
        raise ValueError(f"complete_many: every claim must be of kind {kind}")
    _once_each("complete_many", claims)
    rows_results: Sequence[Mapping[str, Any]] = results if results is not None else [{} for _ in claims]
    if len(rows_results) != len(claims):
        raise ValueError("complete_many: one result mapping per claim")
    keys = list(rows_results[0]) if rows_results else []
    for position, r in enumerate(rows_results):
        if list(r) != keys:
            raise InputValidationError([FieldProblem(position, ",".join(r), f"every result needs the keys {keys}")])
    columns, _ = _check_results(kind, keys)
    values = _completion_values(kind, claims, rows_results, columns)
    if claim_next is None:
        if not claims:
            return []
        stmt = completion_statement(kind, columns)
        rows = await conn.fetch(stmt.sql, *stmt.args(values))
        before = await _completed_before(conn, kind, claims, {r["id"] for r in rows})
        finished = {r["id"] for r in [*rows, *before]}
        lost = [c for c in claims if c.item_id not in finished]
        if lost:
            raise ClaimsLostError(kind, lost, [c for c in claims if c.item_id in finished])
        return [WorkItem.from_row(kind, r) for r in [*rows, *before]]
    if claim_next < 0:
        raise ValueError(f"claim_next must not be negative, got {claim_next!r}")
    if claim_next == 0:
        if not claims:
            return Batch([], [], [])
        stmt = completion_statement(kind, columns, rows=False)
        done = [r["id"] for r in await conn.fetch(stmt.sql, *stmt.args(values))]
        next_rows: list[Record] = []
    else:
        worker = worker_id or (claims[0].worker_id if claims else "")
        values.update(_claim_values(worker, claim_next, lease_seconds, sites, locations))
        stmt = completion_statement(kind, columns, claim_next=True)
        got = await conn.fetch(stmt.sql, *stmt.args(values))
        done = list(got[0]["completed_ids"] or []) if got else []
        next_rows = [r for r in got if r["id"] is not None]
        observe("claimed", kind.value, len(next_rows), worker=worker)
    before = await _completed_before(conn, kind, claims, set(done))
    finished = {*done, *(r["id"] for r in before)}
    return Batch(
        [c.item_id for c in claims if c.item_id in finished],
        [_claim_from_row(kind, r) for r in next_rows],
        [c for c in claims if c.item_id not in finished],
    )


async def _completed_before(conn: Connection, kind: WorkKind, claims: Sequence[Claim], done: set[int]) -> list[Record]:
    """Of the claims not in `done`, the items these very tokens completed already (a retry whose
    first commit went through; its effects were applied then), as `complete` recognises for one."""
    missing = [c for c in claims if c.item_id not in done]
    if not missing:
        return []
    stmt = kind_statement("work_completed_by", kind)
    return await conn.fetch(
        stmt.sql, *stmt.args({"ids": [c.item_id for c in missing], "tokens": [c.token for c in missing]})
    )


async def fail(
    conn: Connection,
    claim: Claim,
    error: str,
    *,
    permanent: bool = False,
    backoff_seconds: float = 30.0,
    max_backoff_seconds: float = 3600.0,
) -> WorkItem:
    """Record a failed attempt: retry after an exponential backoff, or fail for good.

    The retry waits `backoff_seconds * 2**(attempts-1)`, at most `max_backoff_seconds`.
    With no attempts left, or when `permanent`, the item is failed (deletion: deletion_failed)
    and stays visible until an operator resets it. ClaimLostError when the claim is no
    longer the caller's.
    """
    stmt = kind_statement("work_fail_many", claim.kind)  # a batch of one: the same statement as fail_many
    values = {
        "ids": [claim.item_id],
        "tokens": [claim.token],
        "errors": [(error or "unknown error")[:MAX_ERROR_LENGTH]],
        "backoff_seconds": float(backoff_seconds),
        "max_backoff_seconds": float(max_backoff_seconds),
        "permanent": permanent,
    }
    row = await conn.fetchrow(stmt.sql, *stmt.args(values))
    if row is None:
        raise await _explain_lost(conn, claim)
    failed = WorkItem.from_row(claim.kind, row)
    observe("failed" if failed.status == KINDS[claim.kind].failed else "retried", claim.kind.value, item=claim.item_id)
    return failed


async def fail_many(
    conn: Connection,
    kind: WorkKind,
    claims: Sequence[Claim],
    errors: str | Sequence[str],
    *,
    permanent: bool = False,
    backoff_seconds: float = 30.0,
    max_backoff_seconds: float = 3600.0,
) -> list[WorkItem]:
    """Record failed attempts of many claims of one kind in one statement, each as `fail` records one.

    `errors[i]` is claim i's error (one string: the same for all). Each item is retried after
    `backoff_seconds * 2**(attempts-1)` (at most `max_backoff_seconds`), or failed with no
    attempts left or when `permanent`. Returns the recorded items in the claims' order; claims
    no longer the caller's are left alone, and ClaimsLostError (a ClaimLostError) names them
    after the others were recorded (`renewed` holds the recorded ones' claims), as
    `complete_many` does: inside a transaction, catch it to keep the others. InputValidationError
    (nothing written) when `errors` does not hold one string per claim.
    """
    if any(c.kind is not kind for c in claims):
        raise ValueError(f"fail_many: every claim must be of kind {kind}")
    _once_each("fail_many", claims)
    texts = [errors] * len(claims) if isinstance(errors, str) else list(errors)
    problems = [
        FieldProblem(position, "errors", f"{kind} {claims[position].item_id}: must be a string, got {type(e).__name__}")
        for position, e in enumerate(texts[: len(claims)])
        if e is not None and not isinstance(e, str)
    ]
    if len(texts) != len(claims):
        problems.insert(0, FieldProblem(0, "errors", f"one error per claim: {len(claims)} claims, {len(texts)} errors"))
    if problems:
        raise InputValidationError(problems)
    if not claims:
        return []
    stmt = kind_statement("work_fail_many", kind)
    values = {
        "ids": [c.item_id for c in claims],
        "tokens": [c.token for c in claims],
        "errors": [(e or "unknown error")[:MAX_ERROR_LENGTH] for e in texts],
        "backoff_seconds": float(backoff_seconds),
        "max_backoff_seconds": float(max_backoff_seconds),
        "permanent": permanent,
    }
    rows = {r["id"]: r for r in await conn.fetch(stmt.sql, *stmt.args(values))}
    items = [WorkItem.from_row(kind, rows[c.item_id]) for c in claims if c.item_id in rows]
    failed = sum(1 for i in items if i.status == KINDS[kind].failed)
    if failed:
        observe("failed", kind.value, failed)
    if len(items) > failed:
        observe("retried", kind.value, len(items) - failed)
    lost = [c for c in claims if c.item_id not in rows]
    if lost:
        observe("claim_lost", kind.value, len(lost), items=[c.item_id for c in lost])
        raise ClaimsLostError(kind, lost, [c for c in claims if c.item_id in rows])
    return items


async def reset(conn: Connection, kind: WorkKind, item_id: int) -> WorkItem:
    """Operator action: put a failed item back to pending, due now, with fresh attempts.

    InvalidTransitionError when the item is not failed; NotFoundError when it does not exist.
    """
    stmt = kind_statement("work_reset", kind)
    row = await conn.fetchrow(stmt.sql, *stmt.args({"id": item_id}))
    if row is not None:
        return WorkItem.from_row(kind, row)
    current = await get(conn, kind, item_id)
    spec = KINDS[kind]
    raise InvalidTransitionError(f"{spec.table} {item_id} ({kind})", current.status, spec.pending)


async def get(conn: Connection, kind: WorkKind, item_id: int) -> WorkItem:
    """One work item of a kind; NotFoundError when absent."""
    row = await _get_row(conn, kind, item_id)
    if row is None:
        raise NotFoundError(KINDS[kind].table, item_id)
    return WorkItem.from_row(kind, row)


async def list_failed(conn: Connection, kind: WorkKind, *, after_id: int = 0, limit: int = 100) -> list[WorkItem]:
    """Failed items of a kind (id order, keyset-paged): they stay until an operator acts."""
    _positive("limit", limit)
    stmt = kind_statement("work_list_failed", kind)
    rows = await conn.fetch(stmt.sql, *stmt.args({"after_id": after_id, "limit": min(limit, 10_000)}))
    return [WorkItem.from_row(kind, r) for r in rows]


async def set_priority(conn: Connection, kind: WorkKind, item_id: int, priority: int) -> WorkItem:
    """Operator action: change the priority of an item that waits or runs (-100..100, higher first).

    The next claim orders by it at once; a running item keeps its claim. InputValidationError
    for a priority out of range, InvalidTransitionError for a finished or failed item (reset
    it first), NotFoundError for an item that does not exist.
    """
    spec = KINDS[kind]
    if isinstance(priority, bool) or not isinstance(priority, int) or not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise InputValidationError(
            [
                FieldProblem(
                    0,
                    spec.column("priority"),
                    f"{spec.table} {item_id}: must be an integer from {MIN_PRIORITY} to {MAX_PRIORITY}, "
                    f"got {priority!r}",
                )
            ]
        )
    stmt = kind_statement("work_set_priority", kind)
    row = await conn.fetchrow(stmt.sql, *stmt.args({"id": item_id, "priority": priority}))
    if row is not None:
        return WorkItem.from_row(kind, row)
    current = await get(conn, kind, item_id)
    raise InvalidTransitionError(f"{spec.table} {item_id} ({kind})", current.status, f"priority {priority}")


async def record_external_job(conn: Connection, claim: Claim, ref: Mapping[str, Any] | None) -> Claim:
    """Record (or with None clear) the external job doing `claim`'s work, fenced by its token.

    Record the handle as soon as the job exists (a bbcp pid, an S3 upload id, a tape request
    id), before waiting for it: whoever takes the item over after this claim's lease ran out
    receives it as `Claim.previous_job` and can adopt or cancel it. ClaimLostError (nothing
    written) when the claim is no longer the caller's; InputValidationError for a reference
    that is not a JSON object of at most MAX_EXTERNAL_JOB_BYTES.
    """
    spec = KINDS[claim.kind]
    if ref is not None:
        field = spec.column("external_job")
        item = f"{spec.table} {claim.item_id}"
        if not isinstance(ref, Mapping):
            raise InputValidationError([FieldProblem(0, field, f"{item}: must be a mapping, got {type(ref).__name__}")])
        try:
            size = len(json.dumps(ref, allow_nan=False).encode("utf-8"))
        except (TypeError, ValueError) as exc:
            raise InputValidationError([FieldProblem(0, field, f"{item}: not JSON: {exc}")]) from None
        if size > MAX_EXTERNAL_JOB_BYTES:
            raise InputValidationError(
                [FieldProblem(0, field, f"{item}: {size} bytes of JSON, at most {MAX_EXTERNAL_JOB_BYTES}")]
            )
    stmt = kind_statement("work_record_external_job", claim.kind)
    row = await conn.fetchrow(
        stmt.sql, *stmt.args({"id": claim.item_id, "token": claim.token, "ref": None if ref is None else dict(ref)})
    )
    if row is None:
        raise await _explain_lost(conn, claim)
    return replace(claim, lease_until=row[spec.column("lease_until")])


@dataclass(frozen=True)
class WorkCap:
    """At most `max_items` items / `max_bytes` bytes of `kind` in progress at a location or on a route."""

    cap_id: int
    kind: WorkKind
    location_id: int | None
    route_id: int | None
    max_items: int | None
    max_bytes: int | None
    room_items: int | None = None
    """Items that may still start now (list_caps only)."""
    room_bytes: int | None = None

    @classmethod
    def from_row(cls, row: Record) -> WorkCap:
        room_bytes = row.get("room_bytes")
        return cls(
            row["id"],
            WorkKind(row["kind"]),
            row["data_location_id"],
            row["data_transfer_route_id"],
            row["max_items"],
            row["max_bytes"],
            row.get("room_items"),
            None if room_bytes is None else int(room_bytes),
        )


async def set_cap(
    conn: Connection,
    kind: WorkKind,
    *,
    location_id: int | None = None,
    route_id: int | None = None,
    max_items: int | None = None,
    max_bytes: int | None = None,
) -> WorkCap:
    """Cap `kind` at a location (its kind's location column) or on a route (transfers, unpacks).

    Stored in the database (table work_cap), so every daemon obeys the same numbers from its
    next claim on; setting a cap again replaces its numbers. Items already in progress above
    a lowered cap keep running; no new one starts until the count is below it.
    """
    problems = []
    if (location_id is None) == (route_id is None):
        problems.append(FieldProblem(0, "location_id/route_id", f"{kind} cap: give exactly one of the two"))
    if route_id is not None and kind not in (WorkKind.DATA_TRANSFER, WorkKind.DATA_TRANSFER_UNPACK):
        problems.append(FieldProblem(0, "route_id", f"{kind} cap: only transfers and unpacks travel a route"))
    if max_items is None and max_bytes is None:
        problems.append(FieldProblem(0, "max_items/max_bytes", f"{kind} cap: give at least one limit"))
    for name, value in (("max_items", max_items), ("max_bytes", max_bytes)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            problems.append(FieldProblem(0, name, f"{kind} cap: must be a non-negative integer, got {value!r}"))
    if max_bytes is not None and KINDS[kind].size == "0":
        problems.append(FieldProblem(0, "max_bytes", f"{kind} cap: items of this kind have no size to count"))
    if problems:
        raise InputValidationError(problems)
    limits = {"kind": kind.value, "max_items": max_items, "max_bytes": max_bytes}
    if location_id is not None:
        stmt = plain_statement("work_cap_set_location")
        row = await conn.fetchrow(stmt.sql, *stmt.args({**limits, "location": location_id}))
    else:
        stmt = plain_statement("work_cap_set_route")
        row = await conn.fetchrow(stmt.sql, *stmt.args({**limits, "route": route_id}))
    assert row is not None  # an upsert returns its row
    return WorkCap.from_row(row)


async def remove_cap(conn: Connection, cap_id: int) -> None:
    """Remove a cap (NotFoundError when there is none with that id)."""
    stmt = plain_statement("work_cap_remove")
    if await conn.fetchrow(stmt.sql, *stmt.args({"id": cap_id})) is None:
        raise NotFoundError("work_cap", cap_id)


async def list_caps(conn: Connection) -> list[WorkCap]:
    """Every cap with its room now (items and bytes that may still start)."""
    return [WorkCap.from_row(r) for r in await conn.fetch(plain_statement("work_cap_list").sql)]


class WorkListener:
    """Waits for NOTIFY hints on a dedicated, direct connection; falls back to polling.

    A hint only says "look now": the caller always claims (a lost hint costs at most one
    poll interval, and a hint without work costs one empty claim). LISTEN needs a session of
    its own: behind a transaction pooler it would hear nothing, so a pooled DSN is detected
    (the backend pid differs from the start-up one), logged, and the listener polls;
    `problem` then says why.
    """

    def __init__(self, dsn: str, kinds: Sequence[WorkKind], poll_interval: float) -> None:
        self._dsn, _ = split_dsn_options(dsn)
        self._kinds = frozenset(kinds)
        self._poll_interval = poll_interval
        self._conn: asyncpg.Connection | None = None
        self._pending: set[WorkKind] = set()
        self._event = anyio.Event()
        self.problem: str | None = None
        """Why the listener only polls (unreachable, or behind a pooler); None while it listens."""

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            kind = WorkKind(payload)
        except ValueError:
            return
        if kind in self._kinds:
            self._pending.add(kind)
            self._event.set()

    def _on_terminate(self, _conn: object) -> None:
        self._conn = None
        self._event.set()  # wake the waiter: it reconnects or polls

    async def _connect(self) -> None:
        """(Re)open the dedicated connection; on failure, or behind a pooler, stay in polling mode."""
        try:
            conn = await asyncpg.connect(
                self._dsn, statement_cache_size=0, server_settings={"application_name": "opsdb-listen"}
            )
        except Exception as exc:
            self._conn = None
            self.problem = f"cannot connect ({type(exc).__name__}): polling every {self._poll_interval:g} s"
            return
        try:
            if await conn.fetchval("SELECT pg_backend_pid()") != conn.get_server_pid():
                self.problem = (
                    f"{redact_dsn(self._dsn)} goes through a connection pooler, where LISTEN hears nothing: "
                    f"set OPSDB_LISTEN_DSN to a direct connection; polling every {self._poll_interval:g} s"
                )
                log.warning("work listener: %s", self.problem)
                await conn.close()
                return
            await init_connection(conn)
            await conn.add_listener(CHANNEL, self._on_notify)
            conn.add_termination_listener(self._on_terminate)
        except Exception as exc:
            self._conn = None
            self.problem = f"cannot listen ({type(exc).__name__}): polling every {self._poll_interval:g} s"
            with suppress(Exception):
                await conn.close()
            return
        self._conn = conn
        self.problem = None

    async def wait(self, max_wait: float | None = None) -> set[WorkKind]:
        """The kinds hinted since the last call; empty when `max_wait` (default: the poll interval) passed first.

        Either way the caller should then claim.
        """
        if not self.connected:
            await self._connect()
        if not self._pending:
            with anyio.move_on_after(self._poll_interval if max_wait is None else max_wait):
                await self._event.wait()
        hinted, self._pending = self._pending, set()
        self._event = anyio.Event()
        return hinted

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(Exception):
                await conn.close()


def listen_dsn() -> str:
    """Where LISTEN connects: `OPSDB_LISTEN_DSN`, else `OPSDB_DSN` (checked: not a pooler)."""
    settings = load_settings()
    dsn = secret(settings.listen_dsn) or secret(settings.dsn)
    if not dsn:
        raise ConfigurationError("no database configured for LISTEN: set OPSDB_LISTEN_DSN or OPSDB_DSN")
    return dsn


@asynccontextmanager
async def listen(
    dsn: str | None = None, kinds: Sequence[WorkKind] = tuple(WorkKind), *, poll_interval: float = 30.0
) -> AsyncIterator[WorkListener]:
    """A WorkListener on its own direct connection to `dsn` (default: `listen_dsn()`).

    Typical daemon loop::

        async with listen(None, [WorkKind.DATA_TRANSFER]) as hints:
            while True:
                claims = await claim(conn, WorkKind.DATA_TRANSFER, me, limit=4)
                if not claims:
                    await hints.wait()
                ...
    """
    _positive("poll_interval", poll_interval)
    listener = WorkListener(dsn or listen_dsn(), kinds, poll_interval)
    await listener._connect()
    try:
        yield listener
    finally:
        await listener.close()
