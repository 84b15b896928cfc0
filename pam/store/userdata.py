"""The traveller's own data in PAM's database: expenses, budget, places, trip stops, timers, notes.

Plain functions over a `Store`; each write is one transaction. Times are epoch seconds; calendar
days are local ISO dates ("2025-07-04") chosen by the caller, so nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from pam.store.db import Store


@dataclass(frozen=True)
class Expense:
    id: int
    logged_at: float
    day: str
    amount: float
    currency: str
    category: str
    note: str


@dataclass(frozen=True)
class Place:
    """A place with coordinates; ``key`` is the name as matched (lower case, ASCII)."""

    name: str
    lat: float
    lon: float
    region: str = ""
    country: str = ""
    key: str = ""
    note: str = ""


@dataclass(frozen=True)
class Stop:
    id: int
    name: str
    lat: float
    lon: float
    day: str
    note: str


@dataclass(frozen=True)
class Reminder:
    """A timer ("pasta", due in 10 minutes) or a reminder ("call the campground" at 17:00)."""

    id: int
    kind: str  # "timer" | "reminder"
    label: str
    created_at: float
    due_at: float

    @property
    def announcement(self) -> str:
        """What PAM says when it goes off."""
        if self.kind == "timer":
            return f"Your {self.label} timer is done." if self.label else "Your timer is done."
        return f"Reminder: {self.label}."


@dataclass(frozen=True)
class Note:
    id: int
    at: float
    text: str


def _expense(row: dict[str, Any]) -> Expense:
    return Expense(**{k: row[k] for k in Expense.__dataclass_fields__})


def add_expense(
    store: Store, *, amount: float, category: str, note: str, day: str, currency: str, at: float
) -> Expense:
    row: dict[str, Any] = {
        "logged_at": at,
        "day": day,
        "amount": amount,
        "currency": currency,
        "category": category,
        "note": note,
    }
    pk = store.write(lambda db: db.table("expenses").insert(row).last_pk)
    return Expense(id=int(pk), **row)


def undo_last_expense(store: Store) -> Expense | None:
    """Delete the most recently logged expense and return it (None when there is none)."""

    def undo(db: sqlite_utils.Database) -> dict[str, Any] | None:
        rows = list(db.query("SELECT * FROM expenses ORDER BY id DESC LIMIT 1"))
        if rows:
            db.table("expenses").delete(rows[0]["id"])
        return rows[0] if rows else None

    row = store.write(undo)
    return _expense(row) if row else None


def spending_by_category(store: Store, first_day: str, last_day: str) -> dict[str, float]:
    """Totals per category for days first_day..last_day inclusive, largest first."""
    rows = store.read(
        "SELECT category, SUM(amount) AS total FROM expenses WHERE day BETWEEN ? AND ? "
        "GROUP BY category ORDER BY total DESC",
        (first_day, last_day),
    )
    return {r["category"]: round(float(r["total"]), 2) for r in rows}


def expenses(store: Store) -> list[Expense]:
    return [_expense(r) for r in store.read("SELECT * FROM expenses ORDER BY day, id")]


def set_monthly_budget(store: Store, amount: float, at: float) -> None:
    store.write(lambda db: db.table("budgets").insert({"set_at": at, "monthly": amount}))


def monthly_budget(store: Store) -> float | None:
    """The budget the user last set by voice, if any (the config's value applies otherwise)."""
    rows = store.read("SELECT monthly FROM budgets ORDER BY id DESC LIMIT 1")
    return float(rows[0]["monthly"]) if rows else None


def save_place(store: Store, place: Place, at: float) -> None:
    """Save or replace the place called ``place.key``."""
    row = {
        "key": place.key,
        "name": place.name,
        "lat": place.lat,
        "lon": place.lon,
        "region": place.region,
        "country": place.country,
        "note": place.note,
        "saved_at": at,
    }

    def upsert(db: sqlite_utils.Database) -> None:
        db.execute("DELETE FROM places WHERE key = ?", [place.key])
        db.table("places").insert(row)

    store.write(upsert)


def _place(row: dict[str, Any]) -> Place:
    return Place(**{k: row[k] for k in Place.__dataclass_fields__})


def saved_place(store: Store, key: str) -> Place | None:
    rows = store.read("SELECT * FROM places WHERE key = ?", (key,))
    return _place(rows[0]) if rows else None


def saved_places(store: Store) -> list[Place]:
    return [_place(r) for r in store.read("SELECT * FROM places ORDER BY name")]


def add_stop(store: Store, place: Place, day: str, note: str, at: float) -> Stop:
    row = {"name": place.name, "lat": place.lat, "lon": place.lon, "day": day, "note": note, "added_at": at}
    pk = store.write(lambda db: db.table("stops").insert(row).last_pk)
    return Stop(id=int(pk), name=place.name, lat=place.lat, lon=place.lon, day=day, note=note)


def _stop(row: dict[str, Any]) -> Stop:
    return Stop(**{k: row[k] for k in Stop.__dataclass_fields__})


def upcoming_stops(store: Store, today: str) -> list[Stop]:
    """Stops dated today or later, then undated ones in the order they were added."""
    rows = store.read(
        "SELECT * FROM stops WHERE day = '' OR day >= ? ORDER BY day = '', day, id",
        (today,),
    )
    return [_stop(r) for r in rows]


def stops(store: Store) -> list[Stop]:
    return [_stop(r) for r in store.read("SELECT * FROM stops ORDER BY id")]


def _reminder(row: dict[str, Any]) -> Reminder:
    return Reminder(**{k: row[k] for k in Reminder.__dataclass_fields__})


def add_reminder(store: Store, *, kind: str, label: str, due_at: float, at: float) -> Reminder:
    row = {"kind": kind, "label": label, "created_at": at, "due_at": due_at, "fired_at": None, "cancelled_at": None}
    pk = store.write(lambda db: db.table("reminders").insert(row).last_pk)
    return Reminder(id=int(pk), kind=kind, label=label, created_at=at, due_at=due_at)


def pending_reminders(store: Store) -> list[Reminder]:
    """Timers and reminders not yet fired or cancelled, soonest first."""
    rows = store.read("SELECT * FROM reminders WHERE fired_at IS NULL AND cancelled_at IS NULL ORDER BY due_at, id")
    return [_reminder(r) for r in rows]


def cancel_reminders(store: Store, ids: list[int], at: float) -> None:
    def cancel(db: sqlite_utils.Database) -> None:
        for rid in ids:
            db.table("reminders").update(rid, {"cancelled_at": at})

    store.write(cancel)


def take_due_reminders(store: Store, now: float) -> list[Reminder]:
    """Mark every pending reminder due by ``now`` as fired and return them (each is returned once)."""

    def take(db: sqlite_utils.Database) -> list[dict[str, Any]]:
        rows = list(
            db.query(
                "SELECT * FROM reminders WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= ? "
                "ORDER BY due_at, id",
                [now],
            )
        )
        for row in rows:
            db.table("reminders").update(row["id"], {"fired_at": now})
        return rows

    return [_reminder(r) for r in store.write(take)]


def add_note(store: Store, text: str, at: float) -> Note:
    pk = store.write(lambda db: db.table("notes").insert({"at": at, "text": text}).last_pk)
    return Note(id=int(pk), at=at, text=text)


def notes(store: Store) -> list[Note]:
    """All notes, newest first."""
    return [Note(id=r["id"], at=r["at"], text=r["text"]) for r in store.read("SELECT * FROM notes ORDER BY id DESC")]


def turns(store: Store) -> list[dict[str, Any]]:
    """The conversation history (every turn, oldest first), for export."""
    return store.read("SELECT * FROM turns ORDER BY id")
