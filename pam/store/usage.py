"""The usage ledger: what PAM did and what it cost, per event, per day, per engine, for life.

Writers add one `UsageEvent` per thing that happened: the controller one per finished turn
(``turns=1``, voice seconds, tool calls), an engine one per `Usage` report (tokens, cost). The
readers sum them by local calendar day — the `day` column is fixed when the event is written —
so the tray's dashboard can plot daily series and `pam usage` can print today and this month.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from pam.engines.base import Usage
from pam.store.db import Store


@dataclass(frozen=True)
class UsageEvent:
    at: float  # epoch seconds
    engine: str
    turn_id: int | None = None
    turns: int = 0
    voice_seconds: float = 0.0  # conversation audio in the turn: the user's speech and PAM's answer
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    tokens: dict[str, int] = field(default_factory=dict)  # the engine's own breakdown, kept as reported
    cost_usd: float = 0.0


def _token_total(tokens: dict[str, int], side: str) -> int:
    """``input_tokens`` when the engine gave a total, else the sum of its ``input_*`` parts."""
    total = tokens.get(f"{side}_tokens")
    if total is not None:
        return int(total)
    return sum(int(v) for k, v in tokens.items() if k.startswith(f"{side}_"))


def from_engine(usage: Usage, at: float, turn_id: int | None = None) -> UsageEvent:
    """The ledger row for an engine's `Usage` event: tokens and cost.

    Its ``audio_seconds`` (what the engine billed) is not voice time: the turn's own event carries
    that, so one conversation is never counted twice.
    """
    return UsageEvent(
        at=at,
        engine=usage.engine,
        turn_id=turn_id,
        input_tokens=_token_total(usage.tokens, "input"),
        output_tokens=_token_total(usage.tokens, "output"),
        tokens=dict(usage.tokens),
        cost_usd=usage.cost_usd,
    )


def local_day(at: float) -> str:
    return datetime.fromtimestamp(at).date().isoformat()


def record(store: Store, event: UsageEvent) -> None:
    row = {f.name: getattr(event, f.name) for f in fields(UsageEvent)}
    row["tokens"] = json.dumps(event.tokens)
    row["day"] = local_day(event.at)
    store.write(lambda db: db.table("usage_events").insert(row))


@dataclass(frozen=True)
class Totals:
    turns: int = 0
    voice_minutes: float = 0.0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class DayUsage:
    day: str
    totals: Totals


_SUMS = (
    "COALESCE(SUM(turns), 0) AS turns, COALESCE(SUM(voice_seconds), 0) / 60.0 AS voice_minutes, "
    "COALESCE(SUM(tool_calls), 0) AS tool_calls, COALESCE(SUM(input_tokens), 0) AS input_tokens, "
    "COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(cost_usd), 0) AS cost_usd"
)


def _totals(row: dict[str, Any]) -> Totals:
    return Totals(
        turns=int(row["turns"]),
        voice_minutes=round(float(row["voice_minutes"]), 3),
        tool_calls=int(row["tool_calls"]),
        input_tokens=int(row["input_tokens"]),
        output_tokens=int(row["output_tokens"]),
        cost_usd=round(float(row["cost_usd"]), 6),
    )


def _where(first: date | None, last: date | None, engine: str | None) -> tuple[str, tuple[Any, ...]]:
    clauses, params = ["1"], []
    if first:
        clauses.append("day >= ?")
        params.append(first.isoformat())
    if last:
        clauses.append("day <= ?")
        params.append(last.isoformat())
    if engine:
        clauses.append("engine = ?")
        params.append(engine)
    return " AND ".join(clauses), tuple(params)


def totals(store: Store, first: date | None = None, last: date | None = None, engine: str | None = None) -> Totals:
    """Sums over days first..last inclusive (open ends = lifetime), optionally for one engine."""
    where, params = _where(first, last, engine)
    return _totals(store.read(f"SELECT {_SUMS} FROM usage_events WHERE {where}", params)[0])


def totals_by_engine(store: Store, first: date | None = None, last: date | None = None) -> dict[str, Totals]:
    where, params = _where(first, last, None)
    rows = store.read(f"SELECT engine, {_SUMS} FROM usage_events WHERE {where} GROUP BY engine ORDER BY engine", params)
    return {r["engine"]: _totals(r) for r in rows}


def daily(store: Store, first: date, last: date, engine: str | None = None) -> list[DayUsage]:
    """One entry per calendar day first..last (days without use are zeros), for plotting."""
    where, params = _where(first, last, engine)
    rows = store.read(f"SELECT day, {_SUMS} FROM usage_events WHERE {where} GROUP BY day", params)
    by_day = {r["day"]: _totals(r) for r in rows}
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [DayUsage(d.isoformat(), by_day.get(d.isoformat(), Totals())) for d in days]


def engines(store: Store) -> list[str]:
    return [r["engine"] for r in store.read("SELECT DISTINCT engine FROM usage_events ORDER BY engine")]


@dataclass(frozen=True)
class Activity:
    """Retention-style figures: a day counts as active when PAM answered at least one turn."""

    first_day: str | None
    active_days: int
    active_last_7: int
    active_last_30: int
    streak: int  # consecutive active days ending today (or yesterday, if today has none yet)


def activity(store: Store, today: date) -> Activity:
    active = {date.fromisoformat(r["day"]) for r in store.read("SELECT DISTINCT day FROM usage_events WHERE turns > 0")}
    dates = sorted(active)

    def within(n: int) -> int:
        return sum(1 for d in dates if today - timedelta(days=n - 1) <= d <= today)

    streak, cursor = 0, today if today in active else today - timedelta(days=1)
    while cursor in active:
        streak += 1
        cursor -= timedelta(days=1)
    return Activity(
        first_day=dates[0].isoformat() if dates else None,
        active_days=len(dates),
        active_last_7=within(7),
        active_last_30=within(30),
        streak=streak,
    )


def report(store: Store, today: date) -> dict[str, Any]:
    """Today, this month and lifetime (each with a per-engine split) plus activity, as plain data."""
    month_start = today.replace(day=1)

    def part(first: date | None, last: date | None) -> dict[str, Any]:
        return {
            "total": totals(store, first, last).__dict__,
            "by_engine": {k: v.__dict__ for k, v in totals_by_engine(store, first, last).items()},
        }

    return {
        "today": {"day": today.isoformat(), **part(today, today)},
        "month": {"first_day": month_start.isoformat(), "last_day": today.isoformat(), **part(month_start, today)},
        "lifetime": part(None, None),
        "activity": activity(store, today).__dict__,
    }
