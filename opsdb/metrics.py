"""Prometheus metrics (the optional extra `opsdb[metrics]`): queue health and copy counters
from the database, and the work events of this process.

`DatabaseCollector` runs the cheap, index-backed report queries at every scrape (queue depth,
oldest queued age, expired leases, failed items per kind and location; copies and bytes per
location and status; registered files; at-risk packages) and the vacuum debt of the bulk and
queue tables (`opsdb.vacuum`: dead tuples, last vacuum and analyze, whether autovacuum is due;
pages of each partial index against its live rows). `EVENTS` counts what this process's
workers did (claims, refusals, lost claims, retries, failures); `opsdb.work` records into it
without needing prometheus-client. `serve(dsn, port)` exposes both over HTTP
(`opsdb metrics serve`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

EVENT_NAMES = ("claimed", "refused", "claim_lost", "retried", "failed", "completed")


class Events:
    """Thread-safe counts of work events per (event, kind) in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def record(self, event: str, kind: str, n: int = 1) -> None:
        if n:
            with self._lock:
                self._counts[(event, kind)] += n

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)


EVENTS = Events()
"""The process-wide event counts (work.claim/complete/fail record here)."""


class DatabaseCollector:
    """A prometheus-client collector that queries the database at each scrape (psycopg, sync)."""

    def __init__(self, dsn: str, *, queues_sql: str, timeout_seconds: float = 10.0) -> None:
        self.dsn = dsn
        self.queues_sql = queues_sql
        """`opsdb.reports.QUEUES_SQL`, passed in: opsdb.work records into this module, so it cannot import it."""
        self.timeout_seconds = timeout_seconds

    def collect(self) -> Iterator[Any]:
        import psycopg
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
        from psycopg.rows import dict_row

        from opsdb.queries import query

        up = GaugeMetricFamily("opsdb_database_up", "1 when the last scrape could query the database")
        labels = ["kind", "site", "location"]
        queued = GaugeMetricFamily("opsdb_queue_items", "work items queued or running", labels=[*labels, "state"])
        oldest = GaugeMetricFamily("opsdb_queue_oldest_seconds", "age of the oldest queued item", labels=labels)
        expired = GaugeMetricFamily(
            "opsdb_queue_expired_leases", "running items whose lease ran out (lost claims)", labels=labels
        )
        failed = GaugeMetricFamily("opsdb_failed_items", "items failed for good (need an operator)", labels=labels)
        copies = GaugeMetricFamily("opsdb_copies", "physical copies", labels=["site", "location", "type", "status"])
        copy_bytes = GaugeMetricFamily(
            "opsdb_copy_bytes", "bytes of physical copies", labels=["site", "location", "type", "status"]
        )
        registered = CounterMetricFamily(
            "opsdb_files_registered", "raw data files registered (rate() gives the registration rate)"
        )
        at_risk = GaugeMetricFamily(
            "opsdb_at_risk_packages", "packages with at most one verified copy", labels=["verified"]
        )
        vacuum = _vacuum_families()
        try:
            with psycopg.connect(self.dsn, autocommit=True, connect_timeout=int(self.timeout_seconds)) as conn:
                conn.execute(
                    "SELECT set_config('statement_timeout', %s, false)", (f"{int(self.timeout_seconds * 1000)}ms",)
                )
                conn.execute(query("report_fold"))
                conn.execute(query("status_fold_states"))  # keeps the state deltas small between summaries
                cur = conn.cursor(row_factory=dict_row)
                for r in cur.execute(self.queues_sql).fetchall():
                    key = [r["kind"], r["site"], r["location"]]
                    if r["failed"]:
                        failed.add_metric(key, r["failed"])
                        continue
                    queued.add_metric([*key, "queued"], r["queued"])
                    queued.add_metric([*key, "running"], r["running"])
                    expired.add_metric(key, r["expired_leases"])
                    if r["oldest_seconds"] is not None:
                        oldest.add_metric(key, r["oldest_seconds"])
                files = 0
                for r in cur.execute(query("report_space")).fetchall():
                    key = [r["site"], r["location"], r["type"], r["status"]]
                    copies.add_metric(key, r["copies"])
                    copy_bytes.add_metric(key, r["bytes"])
                    if r["type"] == "raw_data_file" and r["location_type"] == "source":
                        files += r["copies"]
                registered.add_metric([], files)
                risk: Counter[int] = Counter()
                for r in cur.execute(query("report_at_risk_packages")).fetchall():
                    risk[r["verified"]] += r["packages"]
                for verified in (0, 1):
                    at_risk.add_metric([str(verified)], risk[verified])
                _vacuum_metrics(conn, vacuum)
            up.add_metric([], 1)
        except psycopg.Error:
            up.add_metric([], 0)
        yield from (up, queued, oldest, expired, failed, copies, copy_bytes, registered, at_risk)
        yield from vacuum.values()


def _vacuum_families() -> dict[str, Any]:
    from prometheus_client.core import GaugeMetricFamily

    table, index = ["table"], ["table", "index"]
    return {
        "live": GaugeMetricFamily("opsdb_table_live_tuples", "live tuples (statistics views)", labels=table),
        "dead": GaugeMetricFamily(
            "opsdb_table_dead_tuples", "dead tuples a vacuum would remove (statistics views)", labels=table
        ),
        "threshold": GaugeMetricFamily(
            "opsdb_table_vacuum_threshold", "dead tuples past which autovacuum vacuums the table", labels=table
        ),
        "due": GaugeMetricFamily(
            "opsdb_table_vacuum_due", "1 when autovacuum's rule says the table is due a vacuum", labels=table
        ),
        "analyze_due": GaugeMetricFamily(
            "opsdb_table_analyze_due", "1 when autovacuum's rule says the table is due an analyze", labels=table
        ),
        "vacuumed": GaugeMetricFamily(
            "opsdb_table_last_vacuum_timestamp_seconds", "last vacuum, manual or auto (unix time)", labels=table
        ),
        "analyzed": GaugeMetricFamily(
            "opsdb_table_last_analyze_timestamp_seconds", "last analyze, manual or auto (unix time)", labels=table
        ),
        "pages": GaugeMetricFamily("opsdb_index_pages", "pages of a partial index (its file)", labels=index),
        "rows": GaugeMetricFamily(
            "opsdb_index_live_rows", "rows a partial index holds live, from the counters", labels=index
        ),
        "excess": GaugeMetricFamily(
            "opsdb_index_excess_pages",
            "pages of a partial index beyond what its live rows need (dead entries, or pages emptied for reuse)",
            labels=index,
        ),
    }


def _vacuum_metrics(conn: Any, families: dict[str, Any]) -> None:
    """Fill `families` from report_vacuum_* (catalog, statistics views and counters only)."""
    from psycopg import RawCursor
    from psycopg.rows import dict_row

    from opsdb.queries import query
    from opsdb.vacuum import STATEMENTS, assemble

    cur = RawCursor(conn, row_factory=dict_row)
    rows = [cur.execute(query(name), args).fetchall() for name, args in STATEMENTS]
    report = assemble(*rows)
    for t in report.tables:
        key = [t["table"]]
        families["live"].add_metric(key, t["live_tuples"])
        families["dead"].add_metric(key, t["dead_tuples"])
        families["threshold"].add_metric(key, t["vacuum_threshold"])
        families["due"].add_metric(key, int(t["vacuum_due"]))
        families["analyze_due"].add_metric(key, int(t["analyze_due"]))
        last = {"vacuumed": ("last_vacuum", "last_autovacuum"), "analyzed": ("last_analyze", "last_autoanalyze")}
        for family, names in last.items():
            times = [t[n] for n in names if t[n] is not None]
            if times:
                families[family].add_metric(key, max(times).timestamp())
    for i in report.indexes:
        key = [i["table"], i["index"]]
        families["pages"].add_metric(key, i["pages"])
        if i["live_rows"] is not None:
            families["rows"].add_metric(key, i["live_rows"])
            families["excess"].add_metric(key, i["excess_pages"])


class EventCollector:
    """Exports `EVENTS` as `opsdb_work_events_total{event,kind}`."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily

        family = CounterMetricFamily(
            "opsdb_work_events",
            "work events of this process: claimed, refused, claim_lost, retried, failed, completed",
            labels=["event", "kind"],
        )
        for (event, kind), n in sorted(EVENTS.snapshot().items()):
            family.add_metric([event, kind], n)
        yield family


def registry(dsn: str, *, queues_sql: str) -> Any:
    """A prometheus-client registry with the database and event collectors."""
    from prometheus_client import CollectorRegistry

    reg = CollectorRegistry()
    reg.register(DatabaseCollector(dsn, queues_sql=queues_sql))
    reg.register(EventCollector())
    return reg


def serve(dsn: str, port: int, address: str = "127.0.0.1", *, queues_sql: str) -> tuple[Any, Any]:
    """Serve /metrics in a background thread; returns (server, thread)."""
    from prometheus_client import start_http_server

    server, thread = start_http_server(port, addr=address, registry=registry(dsn, queues_sql=queues_sql))
    return server, thread


def observe(event: str, kind: str, n: int = 1, **fields: Any) -> None:
    """Count a work event and log it (one line per call, i.e. per batch, never per file)."""
    import logging

    EVENTS.record(event, kind, n)
    logger = logging.getLogger("opsdb.work")
    if logger.isEnabledFor(logging.INFO):
        level = logging.WARNING if event in ("claim_lost", "failed") else logging.INFO
        logger.log(level, "work %s", event, extra={"kind": kind, "count": n, **fields})
