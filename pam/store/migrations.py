"""Schema migrations, applied in order; ``PRAGMA user_version`` holds how many have run.

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils


def _initial(db: sqlite_utils.Database) -> None:
    db.table("sessions").create(
        {"id": int, "started_at": float, "ended_at": float, "version": str, "engine_mode": str},
        pk="id",
    )
    db.table("turns").create(
        {
            "id": int,
            "session_id": int,
            "started_at": float,
            "ended_at": float,
            "trigger": str,
            "engine": str,
            "transcript": str,
            "reply": str,
            "interrupted": int,
            "played_ms": int,
            "error": str,
            "states": str,
            "latencies": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("turns").create_index(["started_at"])
    db.table("tool_calls").create(
        {"id": int, "turn_id": int, "name": str, "arguments": str, "result": str, "error": str, "ms": float},
        pk="id",
        foreign_keys=[("turn_id", "turns", "id")],
    )
    db.table("telemetry").create(
        {"id": int, "session_id": int, "at": float, "kind": str, "data": str},
        pk="id",
    )
    db.table("telemetry").create_index(["kind", "at"])


def _tools_and_usage(db: sqlite_utils.Database) -> None:
    """The traveller's own data (expenses, budget, places, stops, timers, notes) and the usage ledger."""
    db.table("expenses").create(
        {
            "id": int,
            "logged_at": float,
            "day": str,
            "amount": float,
            "currency": str,
            "category": str,
            "note": str,
        },
        pk="id",
    )
    db.table("expenses").create_index(["day"])
    db.table("budgets").create({"id": int, "set_at": float, "monthly": float}, pk="id")
    db.table("places").create(
        {
            "id": int,
            "key": str,
            "name": str,
            "lat": float,
            "lon": float,
            "region": str,
            "country": str,
            "note": str,
            "saved_at": float,
        },
        pk="id",
    )
    db.table("places").create_index(["key"], unique=True)
    db.table("stops").create(
        {"id": int, "name": str, "lat": float, "lon": float, "day": str, "note": str, "added_at": float},
        pk="id",
    )
    db.table("reminders").create(
        {
            "id": int,
            "kind": str,
            "label": str,
            "created_at": float,
            "due_at": float,
            "fired_at": float,
            "cancelled_at": float,
        },
        pk="id",
    )
    db.table("reminders").create_index(["due_at"])
    db.table("notes").create({"id": int, "at": float, "text": str}, pk="id")
    db.table("usage_events").create(
        {
            "id": int,
            "at": float,
            "day": str,
            "engine": str,
            "turn_id": int,
            "turns": int,
            "voice_seconds": float,
            "tool_calls": int,
            "input_tokens": int,
            "output_tokens": int,
            "tokens": str,
            "cost_usd": float,
        },
        pk="id",
    )
    db.table("usage_events").create_index(["day", "engine"])


def _turn_heard_ms(db: sqlite_utils.Database) -> None:
    """How long the user spoke in each turn (for voice minutes in the usage ledger)."""
    db.table("turns").add_column("heard_ms", int)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_initial, _tools_and_usage, _turn_heard_ms]
