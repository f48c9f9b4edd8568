"""The durable site spool: an SQLite file in WAL mode, fsynced at every commit (docs/site.md).

Holds the instrument writes that could not reach the main database, in arrival order
(`entry.seq`), the files of each spooled registration (`spooled_file`), the conflicts and
refusals replay found (`conflict`), and the replay runs (`replay_run`) that `opsdb spool status`
reports. No network, no server: a spooled write is on disk when `append_*` returns.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from opsdb.errors import OpsdbError
from opsdb.registration.records import EMPTY_JSONB, FILE_COLUMNS, Batch, Jsonb

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spool_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entry (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL CHECK (kind IN ('start', 'finish', 'files')),
    execution_id TEXT,             -- start, finish: the execution (32 hex digits)
    location_id  INTEGER,          -- files: the source location of the copies
    payload      TEXT,             -- start, finish: the validated model as JSON
    files        INTEGER NOT NULL DEFAULT 0,
    spooled_at   REAL NOT NULL,
    reason       TEXT,             -- why it was spooled (link error, or "spool not empty")
    state        TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'applied')),
    applied_at   REAL,
    conflicts    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS entry_queued ON entry (seq) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS entry_execution ON entry (execution_id) WHERE execution_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS spooled_file (
    entry                INTEGER NOT NULL REFERENCES entry (seq),
    position             INTEGER NOT NULL,  -- the record's position in its call
    id                   TEXT NOT NULL,     -- 32 hex digits (given or derived)
    instrument_module_id INTEGER NOT NULL,
    executed_obs_unit_id TEXT NOT NULL,     -- 32 hex digits
    name                 TEXT NOT NULL,
    relative_path        TEXT NOT NULL,
    size_bytes           INTEGER NOT NULL,
    checksum_algorithm   TEXT NOT NULL,
    checksum             TEXT NOT NULL,
    file_type            TEXT,
    file_created_at      TEXT,              -- ISO 8601 with offset
    metadata             TEXT,              -- JSON object, NULL when empty
    PRIMARY KEY (entry, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS spooled_file_execution ON spooled_file (executed_obs_unit_id);
CREATE TABLE IF NOT EXISTS conflict (
    entry     INTEGER NOT NULL REFERENCES entry (seq),
    position  INTEGER NOT NULL,   -- the file's position in its call; 0 for a start or finish
    kind      TEXT NOT NULL,      -- start, finish, file
    reason    TEXT NOT NULL,      -- conflict (stored otherwise) or refused (the main database said no)
    record_id TEXT NOT NULL,
    detail    TEXT NOT NULL,
    found_at  REAL NOT NULL,
    PRIMARY KEY (entry, position)
);
CREATE TABLE IF NOT EXISTS replay_run (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    pid        INTEGER NOT NULL,
    started_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    finished_at REAL,
    entries    INTEGER NOT NULL DEFAULT 0,
    files      INTEGER NOT NULL DEFAULT 0,
    conflicts  INTEGER NOT NULL DEFAULT 0,
    error      TEXT
);
"""


class SpoolError(OpsdbError):
    """The spool file cannot be used (unreadable, another version, or busy)."""


@dataclass(frozen=True)
class Entry:
    """One queued write, in arrival order."""

    seq: int
    kind: str
    execution_id: UUID | None
    location_id: int | None
    payload: dict[str, Any] | None
    files: int
    spooled_at: float


@dataclass(frozen=True)
class SpooledConflict:
    """A conflict or refusal found at replay, kept in the spool until someone deals with it."""

    entry: int
    position: int
    kind: str
    reason: str
    record_id: str
    detail: str
    found_at: float


@dataclass
class SpoolStatus:
    """What `opsdb spool status` shows."""

    path: str
    queued_entries: int = 0
    queued_by_kind: dict[str, int] = field(default_factory=dict)
    queued_files: int = 0
    oldest_queued_at: float | None = None
    applied_entries: int = 0
    conflicts: int = 0
    last_run: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def oldest_age_seconds(self) -> float | None:
        return None if self.oldest_queued_at is None else max(0.0, time.time() - self.oldest_queued_at)


def _hex(value: UUID | str) -> str:
    return value.hex if isinstance(value, UUID) else UUID(value).hex


class Spool:
    """The spool file of one site host. Thread-safe; every method is a short blocking call."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = WAL")
            # FULL: the WAL is fsynced at every commit, so an acknowledged append survives a power cut
            self._db.execute("PRAGMA synchronous = FULL")
            # (the REFERENCES clauses document the layout; enforcing them tripled the cost of a
            # spooled file, and only this module writes the file, inside one transaction per call)
            self._db.execute("PRAGMA foreign_keys = OFF")
            self._db.executescript(_SCHEMA)
            found = self._db.execute("SELECT value FROM spool_meta WHERE key = 'version'").fetchone()
            if found is None:
                self._db.execute("INSERT OR IGNORE INTO spool_meta VALUES ('version', ?)", (str(SCHEMA_VERSION),))
            elif int(found[0]) != SCHEMA_VERSION:
                raise SpoolError(f"spool {self.path} has version {found[0]}, this opsdb reads {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise SpoolError(f"cannot open spool {self.path}: {exc}") from None
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate write transaction (committed, and so fsynced, on exit)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- appending ---------------------------------------------------------------------------

    def append_start(self, execution_id: UUID, payload: dict[str, Any], reason: str) -> int:
        """Spool an execution start (validated); returns its entry number."""
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO entry (kind, execution_id, payload, spooled_at, reason) VALUES ('start', ?, ?, ?, ?)",
                (execution_id.hex, json.dumps(payload), time.time(), reason),
            )
            return int(cur.lastrowid or 0)

    def append_finish(self, execution_id: UUID, payload: dict[str, Any], reason: str) -> int:
        """Spool an execution finish (validated); returns its entry number."""
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO entry (kind, execution_id, payload, spooled_at, reason) VALUES ('finish', ?, ?, ?, ?)",
                (execution_id.hex, json.dumps(payload), time.time(), reason),
            )
            return int(cur.lastrowid or 0)

    def append_files(self, location_id: int, batch: Batch, reason: str, in_call: Sequence[Any] = ()) -> int:
        """Spool a validated registration (`records.prepare`'s batch); returns its entry number.

        `in_call` holds conflicts between records of the same call (already known): they are kept
        as conflicts of this entry at once.
        """
        cols = batch.columns
        count = len(batch)
        metadata = cols.get("metadata")
        meta_text = (
            [None if m is None or bytes(m) == b"\x01{}" else bytes(m)[1:].decode() for m in metadata]
            if metadata is not None
            else [None] * count
        )
        rows = zip(
            batch.positions,
            cols["id"],
            cols["instrument_module_id"],
            [_hex(u) for u in cols["executed_obs_unit_id"]],
            cols["name"],
            cols["relative_path"],
            cols["size_bytes"],
            cols["checksum_algorithm"],
            cols["checksum"],
            cols["file_type"],
            [None if c is None else c.isoformat() for c in cols["file_created_at"]],
            meta_text,
            strict=True,
        )
        now = time.time()
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO entry (kind, location_id, files, spooled_at, reason) VALUES ('files', ?, ?, ?, ?)",
                (location_id, count, now, reason),
            )
            seq = int(cur.lastrowid or 0)
            db.executemany(
                f"INSERT INTO spooled_file (entry, position, {', '.join(FILE_COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((seq, *row) for row in rows),
            )
            for c in in_call:
                db.execute(
                    "INSERT OR REPLACE INTO conflict VALUES (?, ?, 'file', 'conflict', ?, ?, ?)",
                    (seq, c.position, c.file_id.hex, str(c), now),
                )
            if in_call:
                db.execute("UPDATE entry SET conflicts = ? WHERE seq = ?", (len(in_call), seq))
            return seq

    # -- replaying ---------------------------------------------------------------------------

    def has_queued(self) -> bool:
        return bool(self._read("SELECT EXISTS (SELECT 1 FROM entry WHERE state = 'queued')")[0][0])

    def queued_window(self, *, max_entries: int, max_files: int) -> list[Entry]:
        """The oldest queued entries, in order, up to `max_entries` and about `max_files` files."""
        rows = self._read(
            "SELECT seq, kind, execution_id, location_id, payload, files, spooled_at FROM entry "
            "WHERE state = 'queued' ORDER BY seq LIMIT ?",
            (max_entries,),
        )
        window: list[Entry] = []
        files = 0
        for seq, kind, execution_id, location_id, payload, count, spooled_at in rows:
            if window and files + count > max_files:
                break
            files += count
            window.append(
                Entry(
                    seq,
                    kind,
                    UUID(execution_id) if execution_id else None,
                    location_id,
                    json.loads(payload) if payload else None,
                    count,
                    spooled_at,
                )
            )
        return window

    def files_of(self, entries: Sequence[int]) -> list[tuple[int, int, dict[str, Any]]]:
        """(entry, position, FileRecord dict) of the given entries, in entry then position order.

        Ids and times stay text (hex, ISO 8601): registration validates them again anyway, and
        building UUID and datetime objects here cost more than the rest of the read.
        """
        out = []
        plain = FILE_COLUMNS[:-1]
        loads = json.loads
        with self._lock:
            for seq in entries:
                cur = self._db.execute(
                    f"SELECT entry, position, {', '.join(FILE_COLUMNS)} FROM spooled_file WHERE entry = ? "
                    "ORDER BY position",
                    (seq,),
                )
                for row in cur:
                    record = dict(zip(plain, row[2:-1], strict=True))
                    if row[-1] is not None:
                        record["metadata"] = loads(row[-1])
                    out.append((row[0], row[1], record))
        return out

    def file_columns(self, entries: Sequence[int]) -> tuple[list[tuple[int, int]], dict[str, list[Any]]]:
        """The entries' files as registration columns (`registration.records.Batch` layout), in id order.

        Returns ([(entry, position)], {column: values}): values as the bulk writer takes them
        (ids as hex, executions as UUIDs, creation times as datetimes, metadata as jsonb bytes;
        "metadata" left out when no file has any). They were validated when spooled.
        """
        marks = ", ".join("?" * len(entries))
        rows = self._read(
            f"SELECT entry, position, {', '.join(FILE_COLUMNS)} FROM spooled_file WHERE entry IN ({marks}) ORDER BY id",
            list(entries),
        )
        if not rows:
            return [], {}
        values = list(zip(*rows, strict=True))
        keys = list(zip(values[0], values[1], strict=True))
        columns = dict(zip(FILE_COLUMNS, (list(v) for v in values[2:]), strict=True))
        units: dict[str, UUID] = {}
        columns["executed_obs_unit_id"] = [
            units.get(u) or units.setdefault(u, UUID(u)) for u in columns["executed_obs_unit_id"]
        ]
        parse = datetime.fromisoformat
        columns["file_created_at"] = [None if c is None else parse(c) for c in columns["file_created_at"]]
        metadata = columns.pop("metadata")
        if any(m is not None for m in metadata):
            columns["metadata"] = [EMPTY_JSONB if m is None else Jsonb(b"\x01" + m.encode()) for m in metadata]
        return keys, columns

    def mark_applied(self, entries: Sequence[int], conflicts: Sequence[SpooledConflict]) -> None:
        """Mark entries applied and keep their conflicts, in one transaction."""
        now = time.time()
        per_entry: dict[int, int] = {}
        for c in conflicts:
            per_entry[c.entry] = per_entry.get(c.entry, 0) + 1
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO conflict VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(c.entry, c.position, c.kind, c.reason, c.record_id, c.detail, c.found_at) for c in conflicts],
            )
            db.executemany(
                "UPDATE entry SET state = 'applied', applied_at = ?, "
                "conflicts = (SELECT count(*) FROM conflict WHERE conflict.entry = entry.seq) "
                "WHERE seq = ? AND state = 'queued'",
                [(now, seq) for seq in entries],
            )

    def begin_run(self) -> int:
        with self._write() as db:
            now = time.time()
            cur = db.execute(
                "INSERT INTO replay_run (pid, started_at, updated_at) VALUES (?, ?, ?)", (os.getpid(), now, now)
            )
            return int(cur.lastrowid or 0)

    def update_run(
        self, run: int, *, entries: int, files: int, conflicts: int, error: str | None = None, finished: bool = False
    ) -> None:
        now = time.time()
        with self._write() as db:
            db.execute(
                "UPDATE replay_run SET updated_at = ?, entries = ?, files = ?, conflicts = ?, error = ?, "
                "finished_at = CASE WHEN ? THEN ? END WHERE id = ?",
                (now, entries, files, conflicts, error, finished, now, run),
            )

    @contextmanager
    def replay_lock(self) -> Iterator[None]:
        """Held by the one replay that may run on this spool (released when its process dies)."""
        lock_path = self.path.with_name(self.path.name + ".replay-lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SpoolError(f"another replay is running on {self.path}") from None
            yield
        finally:
            os.close(fd)

    def purge_applied(self, older_than_seconds: float) -> int:
        """Delete applied entries without conflicts applied longer ago than that; returns how many."""
        cutoff = time.time() - older_than_seconds
        with self._write() as db:
            doomed = "SELECT seq FROM entry WHERE state = 'applied' AND conflicts = 0 AND applied_at < ?"
            db.execute(f"DELETE FROM spooled_file WHERE entry IN ({doomed})", (cutoff,))
            cur = db.execute(
                "DELETE FROM entry WHERE state = 'applied' AND conflicts = 0 AND applied_at < ?", (cutoff,)
            )
            return cur.rowcount

    # -- reading -----------------------------------------------------------------------------

    def status(self, *, recent_errors: int = 5) -> SpoolStatus:
        out = SpoolStatus(path=str(self.path))
        for kind, count, files, oldest in self._read(
            "SELECT kind, count(*), sum(files), min(spooled_at) FROM entry WHERE state = 'queued' GROUP BY kind"
        ):
            out.queued_by_kind[kind] = count
            out.queued_entries += count
            out.queued_files += files or 0
            if oldest is not None and (out.oldest_queued_at is None or oldest < out.oldest_queued_at):
                out.oldest_queued_at = oldest
        out.applied_entries = self._read("SELECT count(*) FROM entry WHERE state = 'applied'")[0][0]
        out.conflicts = self._read("SELECT count(*) FROM conflict")[0][0]
        names = ("id", "pid", "started_at", "updated_at", "finished_at", "entries", "files", "conflicts", "error")
        last = self._read(f"SELECT {', '.join(names)} FROM replay_run ORDER BY id DESC LIMIT 1")
        if last:
            run = dict(zip(names, last[0], strict=True))
            elapsed = max(run["updated_at"] - run["started_at"], 1e-9)
            run["files_per_second"] = run["files"] / elapsed
            out.last_run = run
        for row in self._read(
            f"SELECT {', '.join(names)} FROM replay_run WHERE error IS NOT NULL ORDER BY id DESC LIMIT ?",
            (recent_errors,),
        ):
            out.errors.append(dict(zip(names, row, strict=True)))
        return out

    def conflicts(self, *, limit: int = 1000) -> list[SpooledConflict]:
        rows = self._read(
            "SELECT entry, position, kind, reason, record_id, detail, found_at FROM conflict "
            "ORDER BY entry, position LIMIT ?",
            (limit,),
        )
        return [SpooledConflict(*row) for row in rows]

    def spooled_execution(self, execution_id: UUID) -> tuple[Entry | None, Entry | None]:
        """The spooled (start, finish) of an execution, queued or applied, that replay did not refuse."""
        rows = self._read(
            "SELECT seq, kind, execution_id, location_id, payload, files, spooled_at FROM entry e "
            "WHERE execution_id = ? AND NOT EXISTS (SELECT 1 FROM conflict c WHERE c.entry = e.seq) ORDER BY seq",
            (execution_id.hex,),
        )
        found: dict[str, Entry] = {}
        for seq, kind, eid, loc, payload, files, at in rows:
            found[kind] = Entry(seq, kind, UUID(eid), loc, json.loads(payload) if payload else None, files, at)
        return found.get("start"), found.get("finish")

    def spooled_files_of(self, execution_id: UUID) -> list[tuple[float, dict[str, Any]]]:
        """(spooled_at, FileRecord dict) of the execution's spooled files that replay did not refuse."""
        rows = self._read(
            f"SELECT e.spooled_at, {', '.join('f.' + c for c in FILE_COLUMNS)} FROM spooled_file f "
            "JOIN entry e ON e.seq = f.entry WHERE f.executed_obs_unit_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM conflict c WHERE c.entry = f.entry AND c.position = f.position) ORDER BY f.id",
            (execution_id.hex,),
        )
        return [(row[0], _file_record(row[1:])) for row in rows]

    def spooled_for_check(self) -> tuple[list[Any], list[Any]]:
        """Every spooled file and start/finish that replay did not refuse (for the simulation's invariants).

        Files as (id, module, execution, relative path, size, checksum, location); entries as
        (kind, execution id, payload); ids as hex.
        """
        files = self._read(
            "SELECT f.id, f.instrument_module_id, f.executed_obs_unit_id, f.relative_path, f.size_bytes, "
            "f.checksum, e.location_id FROM spooled_file f JOIN entry e ON e.seq = f.entry WHERE NOT EXISTS "
            "(SELECT 1 FROM conflict c WHERE c.entry = f.entry AND c.position = f.position)"
        )
        entries = self._read(
            "SELECT kind, execution_id, payload FROM entry e WHERE kind IN ('start', 'finish') "
            "AND NOT EXISTS (SELECT 1 FROM conflict c WHERE c.entry = e.seq)"
        )
        return files, entries

    def known_executions(self, ids: Sequence[UUID]) -> set[UUID]:
        """Those of `ids` whose start is in the spool (queued or applied)."""
        found: set[UUID] = set()
        for chunk in range(0, len(ids), 500):
            part = [i.hex for i in ids[chunk : chunk + 500]]
            marks = ", ".join("?" * len(part))
            for (eid,) in self._read(
                f"SELECT execution_id FROM entry WHERE kind = 'start' AND execution_id IN ({marks})", part
            ):
                found.add(UUID(eid))
        return found


def _file_record(values: Sequence[Any]) -> dict[str, Any]:
    record = dict(zip(FILE_COLUMNS, values, strict=True))
    record["id"] = UUID(record["id"])
    record["executed_obs_unit_id"] = UUID(record["executed_obs_unit_id"])
    created = record["file_created_at"]
    record["file_created_at"] = datetime.fromisoformat(created) if created is not None else None
    meta = record.pop("metadata")
    if meta is not None:
        record["metadata"] = json.loads(meta)
    return record
