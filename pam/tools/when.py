"""Calendar maths for tools: relative days, budget periods and reminder times, from a given "now"."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

PERIODS = ("today", "yesterday", "week", "month", "last_month", "year", "all")

_RELATIVE_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1}


def check_day(text: str) -> str:
    """Validate a day argument ("today", "yesterday", "tomorrow" or YYYY-MM-DD); returns it cleaned."""
    text = text.strip().lower()
    if text in _RELATIVE_DAYS:
        return text
    date.fromisoformat(text)  # raises ValueError with a clear message
    return text


def resolve_day(text: str, today: date) -> date:
    text = check_day(text)
    if text in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[text])
    return date.fromisoformat(text)


def period_range(period: str, today: date) -> tuple[date, date, str]:
    """First and last day (inclusive) of a budget period and how to say it."""
    if period == "today":
        return today, today, "today"
    if period == "yesterday":
        day = today - timedelta(days=1)
        return day, day, "yesterday"
    if period == "week":
        return today - timedelta(days=today.weekday()), today, "this week"
    if period == "month":
        return today.replace(day=1), today, "this month"
    if period == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last, "last month"
    if period == "year":
        return today.replace(month=1, day=1), today, "this year"
    return date.min, today, "in total"


_AT = re.compile(r"^(?:(?P<tomorrow>tomorrow) )?(?P<h>\d{1,2}):(?P<m>\d{2})$")


def check_at(text: str) -> str:
    """Validate a reminder time: "HH:MM", "tomorrow HH:MM" or an ISO date-time "YYYY-MM-DDTHH:MM"."""
    text = " ".join(text.strip().lower().split())
    m = _AT.match(text)
    if m:
        time(int(m.group("h")), int(m.group("m")))  # raises ValueError for 25:00
        return text
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("use HH:MM, 'tomorrow HH:MM' or YYYY-MM-DDTHH:MM") from None
    return text


def resolve_at(text: str, now: datetime) -> datetime:
    """The moment a reminder is for: "17:00" is the next 17:00 (today, or tomorrow if it has passed)."""
    text = check_at(text)
    m = _AT.match(text)
    if m is None:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)
    clock = time(int(m.group("h")), int(m.group("m")))
    moment = datetime.combine(now.date(), clock, tzinfo=now.tzinfo)
    if m.group("tomorrow"):
        return moment + timedelta(days=1)
    return moment if moment > now else moment + timedelta(days=1)
