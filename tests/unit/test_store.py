import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pam.errors import StoreError
from pam.store.db import Store
from pam.store.migrations import MIGRATIONS
from pam.store.records import TurnRecord


def turn(session: int, n: int) -> TurnRecord:
    return TurnRecord(
        session_id=session,
        started_at=1000.0 + n,
        ended_at=1001.0 + n,
        trigger="wake",
        engine="canned",
        transcript=f"question {n}",
        reply=f"answer {n}",
        states=(("listening", 10), ("committed", 20)),
        latencies={"first_audio_ms": 512.5},
        tool_calls=({"name": "add_expense", "arguments": {"amount": 40}, "result": {"ok": True}},),
    )


def test_schema_is_versioned_and_wal(tmp_path: Path) -> None:
    store = Store(tmp_path / "pam.sqlite3")
    assert store.schema_version == len(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    # reopening runs no migration twice
    again = Store(tmp_path / "pam.sqlite3")
    assert again.schema_version == len(MIGRATIONS)


def test_turn_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "pam.sqlite3")
    session = store.start_session("canned")
    turn_id = store.save_turn(turn(session, 1))
    rows = store.recent_turns()
    assert [r["id"] for r in rows] == [turn_id]
    assert rows[0]["states"] == [["listening", 10], ["committed", 20]]
    assert rows[0]["latencies"] == {"first_audio_ms": 512.5}
    calls = store.read("SELECT * FROM tool_calls WHERE turn_id = ?", (turn_id,))
    assert json.loads(calls[0]["arguments"]) == {"amount": 40}


CRASHER = """
import os, sys
from pathlib import Path
from pam.store.db import Store
from pam.store.records import TurnRecord
store = Store(Path(sys.argv[1]))
session = store.start_session("canned")
for n in range(3):
    store.save_turn(TurnRecord(session, 1.0, 2.0, "wake", "canned", f"q{n}", f"a{n}"))
# a turn in progress: its transaction is open when the process dies
store.db.execute("BEGIN IMMEDIATE")
store.db["turns"].insert({"session_id": session, "transcript": "unfinished"})
os._exit(9)
"""


def test_crash_mid_turn_loses_no_finished_turn(tmp_path: Path) -> None:
    db = tmp_path / "pam.sqlite3"
    proc = subprocess.run([sys.executable, "-c", CRASHER, str(db)], check=False)
    assert proc.returncode == 9
    rows = Store(db).recent_turns()
    assert [r["transcript"] for r in rows] == ["q0", "q1", "q2"]


def test_failed_write_keeps_the_turn_for_the_next_save(tmp_path: Path) -> None:
    store = Store(tmp_path / "pam.sqlite3")
    session = store.start_session("canned")
    # the disk is full: SQLite refuses to grow the file past max_page_count
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    big = TurnRecord(session, 1.0, 2.0, "wake", "canned", "x" * 200_000, "y")
    with pytest.raises(StoreError, match="full"):
        store.save_turn(big)
    assert store.unsaved_turns == 1
    store.db.execute("PRAGMA max_page_count = 1073741823")
    store.save_turn(turn(session, 2))
    assert [r["transcript"][:1] for r in store.recent_turns()] == ["x", "q"]
    assert store.unsaved_turns == 0


def test_damaged_database_gives_a_sentence(tmp_path: Path) -> None:
    db = tmp_path / "pam.sqlite3"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="damaged"):
        Store(db)


def test_unwritable_folder_gives_a_sentence(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/pam-cannot-be-here/pam.sqlite3")
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        target = ro / "sub" / "pam.sqlite3"
    with pytest.raises(StoreError):
        Store(target)
