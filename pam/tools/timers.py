"""Timers and reminders, kept in SQLite so they survive a restart.

The controller (or tray) calls `due(store, now)` about once a second; it returns each timer or
reminder that has come due exactly once — including ones that fell due while PAM was not running —
and PAM speaks `Reminder.announcement`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field, field_validator, model_validator

from pam.store import userdata
from pam.store.db import Store
from pam.store.userdata import Reminder
from pam.tools import say
from pam.tools.registry import Args, Tool, ToolContext, ToolFailed
from pam.tools.when import check_at, resolve_at

MAX_TIMER_S = 24 * 3600
MAX_REMINDER_S = 366 * 24 * 3600


def due(store: Store, now: datetime) -> list[Reminder]:
    """Timers and reminders due by ``now``, each returned once (they are marked fired)."""
    return userdata.take_due_reminders(store, now.timestamp())


class SetTimer(Args):
    seconds: int = Field(gt=0, le=MAX_TIMER_S, description="how long the timer runs, in seconds")
    label: str = Field("", max_length=60, description="what it is for, e.g. 'pasta'; may be empty")


def set_timer(ctx: ToolContext, args: SetTimer) -> dict[str, Any]:
    now = ctx.now()
    label = args.label.strip()
    timer = userdata.add_reminder(
        ctx.store, kind="timer", label=label, due_at=now.timestamp() + args.seconds, at=now.timestamp()
    )
    name = f"{label.capitalize()} timer" if label else "Timer"
    return {"id": timer.id, "due_at": timer.due_at, "reply": f"{name} set for {say.duration(args.seconds)}."}


class SetReminder(Args):
    text: str = Field(min_length=1, max_length=200, description="what to remind the user of")
    in_seconds: int | None = Field(None, gt=0, le=MAX_REMINDER_S, description="remind after this many seconds")
    at: str = Field("", description="or at a time: 'HH:MM' (24 h), 'tomorrow HH:MM' or 'YYYY-MM-DDTHH:MM'")

    @field_validator("at")
    @classmethod
    def known_time(cls, value: str) -> str:
        return check_at(value) if value.strip() else ""

    @model_validator(mode="after")
    def one_time(self) -> SetReminder:
        if (self.in_seconds is None) == (not self.at):
            raise ValueError("give either in_seconds or at")
        return self


def set_reminder(ctx: ToolContext, args: SetReminder) -> dict[str, Any]:
    now = ctx.now()
    when = now + timedelta(seconds=args.in_seconds) if args.in_seconds else resolve_at(args.at, now)
    if when <= now:
        raise ToolFailed("That time has already passed.")
    if (when - now).total_seconds() > MAX_REMINDER_S:
        raise ToolFailed("I can only keep reminders for up to a year.")
    text = args.text.strip().removeprefix("to ").rstrip(".")
    reminder = userdata.add_reminder(
        ctx.store, kind="reminder", label=text, due_at=when.timestamp(), at=now.timestamp()
    )
    spoken = f"in {say.duration(args.in_seconds)}" if args.in_seconds else _at(when, now)
    return {"id": reminder.id, "due_at": reminder.due_at, "reply": f"I'll remind you to {text} {spoken}."}


def _at(when: datetime, now: datetime) -> str:
    day = say.on_day(when.date(), now.date())
    return f"at {say.clock(when)}" + ("" if day == "today" else f" {day}")


def _describe(item: Reminder, now: datetime) -> str:
    if item.kind == "timer":
        left = say.duration(max(0.0, item.due_at - now.timestamp()))
        return f"{item.label + ' ' if item.label else ''}timer, {left} left"
    return f"{item.label} {_at(datetime.fromtimestamp(item.due_at, now.tzinfo), now)}"


class ListTimers(Args):
    pass


def list_timers(ctx: ToolContext, args: ListTimers) -> dict[str, Any]:
    now = ctx.now()
    pending = userdata.pending_reminders(ctx.store)
    items = [
        {
            "id": r.id,
            "kind": r.kind,
            "label": r.label,
            "due_at": r.due_at,
            "seconds_left": round(r.due_at - now.timestamp()),
        }
        for r in pending
    ]
    if not pending:
        return {"items": items, "reply": "You have no timers or reminders."}
    return {"items": items, "reply": "You have: " + "; ".join(_describe(r, now) for r in pending) + "."}


class CancelTimer(Args):
    label: str = Field("", max_length=60, description="which one, by its label or reminder text; empty = the only one")
    all: bool = Field(False, description="cancel every timer and reminder")


def cancel_timer(ctx: ToolContext, args: CancelTimer) -> dict[str, Any]:
    pending = userdata.pending_reminders(ctx.store)
    wanted = args.label.strip().lower()
    if args.all:
        chosen = pending
    elif wanted:
        chosen = [r for r in pending if wanted in r.label.lower()][:1]
    else:
        chosen = pending if len(pending) == 1 else []
    if not pending:
        raise ToolFailed("There are no timers or reminders to cancel.")
    if not chosen:
        if wanted:
            raise ToolFailed(f"I can't find a timer or reminder called {args.label.strip()}.")
        raise ToolFailed(f"You have {len(pending)} timers and reminders; say which one, or 'cancel all'.")
    userdata.cancel_reminders(ctx.store, [r.id for r in chosen], ctx.now().timestamp())
    what = "everything" if args.all and len(chosen) > 1 else _name(chosen[0])
    return {"cancelled": [r.id for r in chosen], "reply": f"Cancelled {what}."}


def _name(item: Reminder) -> str:
    if item.kind == "timer":
        return f"the {item.label} timer" if item.label else "the timer"
    return f"the reminder to {item.label}"


TOOLS = (
    Tool("set_timer", "Start a countdown timer.", SetTimer, set_timer),
    Tool("set_reminder", "Remind the user of something after a while or at a time of day.", SetReminder, set_reminder),
    Tool("list_timers", "List running timers and pending reminders with the time left.", ListTimers, list_timers),
    Tool("cancel_timer", "Cancel a timer or reminder (or all of them).", CancelTimer, cancel_timer),
)
