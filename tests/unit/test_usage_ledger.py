"""The usage ledger: events in, daily series, totals by engine, activity figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from pam.engines.base import Usage
from pam.store import usage
from pam.store.db import Store
from pam.store.usage import UsageEvent


def at(day: str, hour: int = 12) -> float:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").timestamp()  # local time, as the ledger's days are


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "pam.sqlite3")
    yield s
    s.close()


def test_engine_usage_becomes_a_row_with_token_totals() -> None:
    detailed = Usage(turn_id=3, engine="realtime", tokens={"input_text": 120, "input_audio": 800, "output_audio": 400})
    event = usage.from_engine(detailed, at=1.0, turn_id=7)
    assert (event.input_tokens, event.output_tokens, event.turn_id) == (920, 400, 7)
    assert event.turns == 0 and event.voice_seconds == 0.0  # turns and voice time come from the turn's own event
    totals = Usage(
        turn_id=3, engine="realtime", tokens={"input_tokens": 50, "input_text_tokens": 50, "output_tokens": 9}
    )
    assert (usage.from_engine(totals, 1.0).input_tokens, usage.from_engine(totals, 1.0).output_tokens) == (50, 9)


def test_daily_series_totals_and_activity(store: Store, tmp_path: Path) -> None:
    usage.record(store, UsageEvent(at("2025-07-01"), "local", turns=1, voice_seconds=30, tool_calls=1))
    usage.record(store, UsageEvent(at("2025-07-01", 18), "realtime", turns=1, voice_seconds=90))
    rt = Usage(turn_id=1, engine="realtime", tokens={"input_tokens": 1000, "output_tokens": 500}, cost_usd=0.12)
    usage.record(store, usage.from_engine(rt, at("2025-07-01", 18)))
    usage.record(store, UsageEvent(at("2025-07-03"), "local", turns=2, voice_seconds=60, tool_calls=2))
    usage.record(store, UsageEvent(at("2025-07-04"), "local", turns=1))
    usage.record(store, UsageEvent(at("2025-06-30"), "local", turns=1))
    store.close()
    store = Store(tmp_path / "pam.sqlite3")  # the ledger is on disk
    try:
        series = usage.daily(store, date(2025, 7, 1), date(2025, 7, 4))
        assert [d.day for d in series] == ["2025-07-01", "2025-07-02", "2025-07-03", "2025-07-04"]
        assert [d.totals.turns for d in series] == [2, 0, 2, 1]
        assert series[0].totals.voice_minutes == 2.0 and series[0].totals.cost_usd == 0.12
        assert [d.totals.turns for d in usage.daily(store, date(2025, 7, 1), date(2025, 7, 2), engine="realtime")] == [
            1,
            0,
        ]
        life = usage.totals(store)
        assert (life.turns, life.tool_calls, life.input_tokens, life.output_tokens) == (6, 3, 1000, 500)
        by_engine = usage.totals_by_engine(store, date(2025, 7, 1), date(2025, 7, 31))
        assert by_engine["realtime"].cost_usd == 0.12 and by_engine["local"].turns == 4
        assert usage.engines(store) == ["local", "realtime"]
        act = usage.activity(store, date(2025, 7, 4))
        assert (act.first_day, act.active_days, act.active_last_7, act.streak) == ("2025-06-30", 4, 4, 2)
        assert usage.activity(store, date(2025, 7, 5)).streak == 2  # today not used yet: yesterday's streak counts
        assert usage.activity(store, date(2025, 7, 6)).streak == 0
        report = usage.report(store, date(2025, 7, 4))
        assert report["today"]["total"]["turns"] == 1
        assert report["month"]["total"]["turns"] == 5 and report["month"]["total"]["cost_usd"] == 0.12
        assert report["lifetime"]["total"]["turns"] == 6
    finally:
        store.close()


def test_empty_ledger(store: Store) -> None:
    assert usage.totals(store) == usage.Totals()
    assert usage.activity(store, date(2025, 7, 4)).first_day is None
    assert usage.daily(store, date(2025, 7, 4), date(2025, 7, 4))[0].totals.turns == 0
