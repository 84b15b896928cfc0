"""Timers going off through the controller's inbox, and the usage ledger fed from its events."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pam.conversation.ledger import UsageRecorder
from pam.conversation.messages import Announce, Notice, TurnFinished
from pam.conversation.reminders import ReminderClock
from pam.engines.base import Usage
from pam.store import usage, userdata
from pam.store.db import Store
from pam.store.records import TurnRecord


def test_a_due_timer_is_announced_once_even_after_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "pam.sqlite3"
    store = Store(db)
    now = datetime(2026, 11, 21, 12, 0).timestamp()
    userdata.add_reminder(store, kind="timer", label="pasta", due_at=now + 60, at=now)
    store.close()  # PAM stops before the timer is due

    store = Store(db)
    posted: list[object] = []
    clock = ReminderClock(store, posted.append)
    clock.check(datetime.fromtimestamp(now + 30))
    assert posted == []
    clock.check(datetime.fromtimestamp(now + 61))
    assert posted == [Notice("Your pasta timer is done."), Announce("Your pasta timer is done.")]
    clock.check(datetime.fromtimestamp(now + 62))
    assert len(posted) == 2


def test_turns_and_engine_usage_reach_the_ledger(tmp_path: Path) -> None:
    store = Store(tmp_path / "pam.sqlite3")
    recorder = UsageRecorder(store)
    rec = TurnRecord(
        session_id=store.start_session("realtime"),
        started_at=1000.0,
        ended_at=1010.0,
        trigger="wake",
        engine="realtime",
        played_ms=3000,
        heard_ms=2000,
        tool_calls=({"name": "add_expense"},),
    )
    recorder(TurnFinished(rec, 1))
    recorder(Usage(1, "realtime", {"input_tokens": 120, "output_tokens": 80}, cost_usd=0.0123))
    totals = usage.totals(store)
    assert totals.turns == 1
    assert totals.voice_minutes == round(5.0 / 60, 3)  # 2 s heard + 3 s played
    assert totals.tool_calls == 1
    assert round(totals.cost_usd, 4) == 0.0123
