"""Vacuum debt of the bulk and queue tables, from the catalog, the statistics views and the counters.

Holds the tables the report covers (`TABLES`), PostgreSQL's autovacuum trigger rule
(`assess_table`: when the next autovacuum or autoanalyze is due, from the server's settings
and the table's own storage options), and the live rows each queue-like partial index should
hold, read from the counters the writes keep (`live_rows`: copy_space for `physical_copy`,
state_count for the work tables; never a count over the rows). Pure functions over rows the
statements `report_vacuum_*` (sql/reports.sql) return, shared by `opsdb.reports.vacuum` (the
command) and `opsdb.metrics` (the gauges), which each run those statements their own way.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

TABLES = (
    "physical_copy",
    "raw_data_file",
    "raw_data_package",
    "data_transfer_package",
    "data_transfer",
    "long_term_archive_transfer",
    "staging_job",
    "executed_obs_unit",
    "state_history",
    "deletion_file_queue",
    "copy_size_hint",
    "deletion_claim_verdict",
    "copy_space",
    "copy_space_delta",
    "package_copy_count",
    "package_copy_delta",
    "state_count",
    "state_count_delta",
    "work_cap",
)
"""The bulk tables, the work tables, history, and the small helper, counter and delta tables
whose churn is a queue's (rows inserted and deleted or updated in place all day)."""

STATEMENTS: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("report_vacuum_tables", (list(TABLES),)),
    ("report_vacuum_indexes", (list(TABLES),)),
    ("report_vacuum_counters", ()),
    ("report_vacuum_settings", ()),
)
"""The statements of sql/reports.sql and their arguments whose rows, in this order, `assemble` takes."""

ENTRIES_PER_PAGE = 100
"""Index entries per leaf page assumed for `needed_pages`: fewer than any of these btrees holds
(measured: 123 distinct keys per page in `physical_copy_deletion_work_idx`, more with duplicates)."""

_CONJUNCT = re.compile(r"\((\w+) (=|<>) (?:'((?:[^']|'')*)'::text|ANY \(ARRAY\[([^\]]*)\]\))\)")
_VALUE = re.compile(r"'((?:[^']|'')*)'::text")


def parse_predicate(text: str) -> list[tuple[str, str, frozenset[str]]] | None:
    """A partial index's predicate (pg_get_expr) as (column, '=' or '<>', values) conjuncts;
    None when it is anything else (IS NULL, a boolean column, OR, a comparison)."""
    conjuncts = []
    for m in _CONJUNCT.finditer(text):
        values = [m.group(3)] if m.group(3) is not None else _VALUE.findall(m.group(4))
        conjuncts.append((m.group(1), m.group(2), frozenset(v.replace("''", "'") for v in values)))
    rest = _CONJUNCT.sub("", text)
    if not conjuncts or re.sub(r"[()\s]|AND", "", rest):
        return None
    return conjuncts


def _matches(state: dict[str, str], column: str, op: str, values: frozenset[str]) -> bool:
    return (state[column] in values) == (op == "=")


def live_rows(predicate: str, counters: list[tuple[dict[str, str], int]]) -> tuple[int | None, bool]:
    """Rows the index with `predicate` holds live, from its table's counter rows (state, n):
    (exact count, True) when one counter row set names every column of the predicate;
    (an upper bound, False) when the columns are counted separately (the smallest of the
    conjuncts' counts); (None, False) when the predicate or the table has no counter."""
    conjuncts = parse_predicate(predicate)
    if conjuncts is None or not counters:
        return None, False
    columns = {c for c, _, _ in conjuncts}
    whole = [(s, n) for s, n in counters if columns <= s.keys()]
    if whole:
        return sum(n for s, n in whole if all(_matches(s, *c) for c in conjuncts)), True
    bounds = []
    for conjunct in conjuncts:
        rows = [(s, n) for s, n in counters if conjunct[0] in s]
        if not rows:
            return None, False
        bounds.append(sum(n for s, n in rows if _matches(s, *conjunct)))
    return min(bounds), False


def _number(options: dict[str, str], settings: dict[str, str], name: str) -> float | None:
    text = options.get(name, settings.get(name))
    return None if text is None else float(text)


def assess_table(row: dict[str, Any], settings: dict[str, str]) -> dict[str, Any]:
    """One table's line of the report: its statistics, and the autovacuum rule of the server it
    is on (PostgreSQL 18's src/backend/postmaster/autovacuum.c, relation_needs_vacanalyze):
    vacuum when dead tuples exceed threshold + scale factor x reltuples (at most the max
    threshold, PostgreSQL 18), or inserts since the last vacuum exceed the insert threshold +
    insert scale factor x reltuples x the unfrozen share of pages; analyze when changes since
    the last analyze exceed its threshold + scale factor x reltuples; and vacuum whatever the
    settings once the transaction ID age passes autovacuum_freeze_max_age."""
    options = row["options"] if isinstance(row["options"], dict) else json.loads(row["options"])
    reltuples = max(float(row["reltuples"]), 0.0)
    pages = int(row["pages"])
    enabled = (
        settings.get("autovacuum", "on") == "on"
        and settings.get("track_counts", "on") == "on"
        and options.get("autovacuum_enabled", "true").lower() not in ("false", "off", "no", "0")
    )
    vac_base = _number(options, settings, "autovacuum_vacuum_threshold") or 0.0
    vac_scale = _number(options, settings, "autovacuum_vacuum_scale_factor") or 0.0
    vac_max = _number(options, settings, "autovacuum_vacuum_max_threshold")
    vacuum_threshold = vac_base + vac_scale * reltuples
    if vac_max is not None and vac_max >= 0:
        vacuum_threshold = min(vacuum_threshold, vac_max)
    ins_base = _number(options, settings, "autovacuum_vacuum_insert_threshold")
    ins_scale = _number(options, settings, "autovacuum_vacuum_insert_scale_factor") or 0.0
    unfrozen = 1.0
    frozen = row.get("all_frozen_pages")
    if frozen is not None and pages > 0:
        unfrozen = 1.0 - min(int(frozen), pages) / pages
    insert_threshold = None if ins_base is None or ins_base < 0 else ins_base + ins_scale * reltuples * unfrozen
    anl_base = _number(options, settings, "autovacuum_analyze_threshold") or 0.0
    anl_scale = _number(options, settings, "autovacuum_analyze_scale_factor") or 0.0
    analyze_threshold = anl_base + anl_scale * reltuples
    freeze_max = _number({}, settings, "autovacuum_freeze_max_age")
    if "autovacuum_freeze_max_age" in options and freeze_max is not None:
        freeze_max = min(freeze_max, float(options["autovacuum_freeze_max_age"]))
    dead = int(row["n_dead_tup"])
    inserted = int(row["n_ins_since_vacuum"])
    modified = int(row["n_mod_since_analyze"])
    reason = None
    if freeze_max is not None and int(row["xid_age"]) > freeze_max:
        reason = "wraparound"
    elif dead > vacuum_threshold:
        reason = "dead tuples"
    elif insert_threshold is not None and inserted > insert_threshold:
        reason = "inserts"
    live = int(row["n_live_tup"])
    return {
        "table": row["table_name"],
        "pages": pages,
        "live_tuples": live,
        "dead_tuples": dead,
        "dead_fraction": round(dead / (live + dead), 4) if live + dead else 0.0,
        "inserted_since_vacuum": inserted,
        "modified_since_analyze": modified,
        "last_vacuum": row["last_vacuum"],
        "last_autovacuum": row["last_autovacuum"],
        "last_analyze": row["last_analyze"],
        "last_autoanalyze": row["last_autoanalyze"],
        "vacuums": int(row["vacuum_count"]) + int(row["autovacuum_count"]),
        "autovacuum_enabled": enabled,
        "index_cleanup": options.get("vacuum_index_cleanup", "auto").lower(),
        "vacuum_threshold": math.ceil(vacuum_threshold),
        "insert_threshold": None if insert_threshold is None else math.ceil(insert_threshold),
        "analyze_threshold": math.ceil(analyze_threshold),
        "vacuum_due": reason is not None,
        "vacuum_due_because": reason,
        "dead_until_vacuum": max(0, math.floor(vacuum_threshold) - dead + 1),
        "analyze_due": modified > analyze_threshold,
        "xid_age": int(row["xid_age"]),
        "unlogged": bool(row["unlogged"]),
    }


def counters_by_table(rows: list[dict[str, Any]]) -> dict[str, list[tuple[dict[str, str], int]]]:
    """report_vacuum_counters' rows as table -> [(state, live rows)]."""
    out: dict[str, list[tuple[dict[str, str], int]]] = {}
    for r in rows:
        state = r["state"] if isinstance(r["state"], dict) else json.loads(r["state"])
        out.setdefault(r["table_name"], []).append((state, int(r["n"])))
    return out


def assess_index(row: dict[str, Any], counters: dict[str, list[tuple[dict[str, str], int]]]) -> dict[str, Any]:
    """One partial index: its pages against the pages its live rows need (`excess_pages` is
    room left by entries that died: dead entries still there, or pages a vacuum emptied)."""
    live, exact = live_rows(row["predicate"], counters.get(row["table_name"], []))
    pages = int(row["pages"])
    needed = None if live is None else 2 + math.ceil(live / ENTRIES_PER_PAGE)
    tuples = float(row["index_tuples"])
    return {
        "table": row["table_name"],
        "index": row["index_name"],
        "pages": pages,
        "live_rows": live,
        "live_exact": exact,
        "needed_pages": needed,
        "excess_pages": None if needed is None else max(0, pages - needed),
        "index_tuples": None if tuples < 0 else int(tuples),
        "scans": int(row["idx_scan"] or 0),
        "predicate": row["predicate"],
    }


@dataclass(frozen=True)
class VacuumReport:
    """Per table: dead tuples, last (auto)vacuum and analyze, whether autovacuum is due; per
    queue-like partial index: its pages against its live rows."""

    tables: list[dict[str, Any]] = field(default_factory=list)
    indexes: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def assemble(
    tables: list[dict[str, Any]],
    indexes: list[dict[str, Any]],
    counters: list[dict[str, Any]],
    settings: list[dict[str, Any]],
) -> VacuumReport:
    """The report from the rows of report_vacuum_tables, _indexes, _counters and _settings."""
    server = {r["name"]: r["setting"] for r in settings}
    by_table = counters_by_table(counters)
    return VacuumReport([assess_table(r, server) for r in tables], [assess_index(r, by_table) for r in indexes], server)
