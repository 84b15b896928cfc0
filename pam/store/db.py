"""PAM's SQLite database: one file in the XDG data dir, WAL mode, versioned schema.

A turn is written in one transaction when it ends, so a crash loses at most the turn in
progress. If a write fails (disk full), the turn is kept in memory and written with the next
successful save; the caller gets a StoreError sentence to show.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import sqlite_utils

from pam import __version__
from pam.errors import StoreError
from pam.store.migrations import MIGRATIONS
from pam.store.records import TurnRecord


def _sentence(err: sqlite3.Error, path: Path) -> str:
    text = str(err).lower()
    if "full" in text:
        return f"The disk holding PAM's database ({path}) is full; free some space — finished turns are kept in memory until then."
    if "readonly" in text or "unable to open" in text:
        return f"PAM cannot write its database {path}; check the folder's permissions."
    if "not a database" in text or "malformed" in text:
        return f"PAM's database {path} is damaged; move it aside and PAM will start a new one."
    return f"PAM's database {path} failed ({err}); run `pam doctor`."


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # the UI reads while the controller writes
        self._pending: list[TurnRecord] = []
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except (sqlite3.Error, OSError) as err:
            raise StoreError(
                _sentence(err, path)
                if isinstance(err, sqlite3.Error)
                else f"Cannot create {path.parent}; check permissions."
            ) from err

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._transaction():
                migration(self.db)
                self.db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.db.conn.in_transaction:  # SQLite already rolled back on some errors (disk full)
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def write(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(db, *args)`` in one transaction; failures become a StoreError sentence."""
        with self._lock:
            try:
                with self._transaction():
                    return fn(self.db, *args)
            except sqlite3.Error as err:
                raise StoreError(_sentence(err, self.path)) from err

    def read(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            try:
                return list(self.db.query(sql, params))
            except sqlite3.Error as err:
                raise StoreError(_sentence(err, self.path)) from err

    def start_session(self, engine_mode: str) -> int:
        def insert(db: sqlite_utils.Database) -> int:
            row = {"started_at": time.time(), "version": __version__, "engine_mode": engine_mode}
            return _insert(db, "sessions", row)

        return int(self.write(insert))

    def end_session(self, session_id: int) -> None:
        self.write(lambda db: db.table("sessions").update(session_id, {"ended_at": time.time()}))

    def save_turn(self, turn: TurnRecord) -> int:
        """Write the turn (and any kept back by an earlier failure); returns the new turn's id."""
        self._pending.append(turn)
        ids = self.write(lambda db: [_insert_turn(db, t) for t in self._pending])
        self._pending.clear()
        return int(ids[-1])

    @property
    def unsaved_turns(self) -> int:
        return len(self._pending)

    def telemetry(self, session_id: int | None, kind: str, data: dict[str, Any]) -> None:
        row = {"session_id": session_id, "at": time.time(), "kind": kind, "data": json.dumps(data)}
        self.write(lambda db: db.table("telemetry").insert(row))

    def recent_turns(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.read("SELECT * FROM turns ORDER BY id DESC LIMIT ?", (limit,))
        for row in rows:
            row["states"] = json.loads(row["states"] or "[]")
            row["latencies"] = json.loads(row["latencies"] or "{}")
            row["interrupted"] = bool(row["interrupted"])
        return rows[::-1]

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()


def _insert(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    pk = db.table(table).insert(row).last_pk
    assert pk is not None  # every PAM table has an integer rowid key
    return int(pk)


def _insert_turn(db: sqlite_utils.Database, turn: TurnRecord) -> int:
    row = asdict(turn)
    tool_calls = row.pop("tool_calls")
    row["states"] = json.dumps(row["states"])
    row["latencies"] = json.dumps(row["latencies"])
    row["interrupted"] = int(row["interrupted"])
    turn_id = _insert(db, "turns", row)
    for call in tool_calls:
        db.table("tool_calls").insert(
            {
                "turn_id": turn_id,
                "name": call.get("name", ""),
                "arguments": json.dumps(call.get("arguments", {})),
                "result": json.dumps(call.get("result")),
                "error": call.get("error") or "",
                "ms": float(call.get("ms", 0.0)),
            }
        )
    return turn_id
