"""Short spoken forms for tool replies: money, lengths of time, clock times, days, distances."""

from __future__ import annotations

from datetime import date, datetime

from pam.tools.geo import KM_PER_MILE

_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "MXN": "$", "EUR": "€", "GBP": "£"}


def money(amount: float, currency: str = "USD") -> str:
    """ "$40", "$12.50", "$1,200" (TTS reads these well); unknown currencies as "40 CHF"."""
    text = f"{amount:,.0f}" if round(amount, 2) == int(amount) else f"{amount:,.2f}"
    symbol = _SYMBOLS.get(currency.upper())
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def duration(seconds: float) -> str:
    """ "10 minutes", "1 hour 30 minutes", "45 seconds" (rounded to what people say)."""
    seconds = round(seconds)
    if seconds < 60:
        return _plural(seconds, "second")
    minutes = round(seconds / 60)
    if minutes < 60:
        return _plural(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours else "")
    return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")


def clock(moment: datetime) -> str:
    """ "5:00 PM"."""
    return moment.strftime("%I:%M %p").lstrip("0")


def day(when: date, today: date) -> str:
    """ "today", "tomorrow", "July 4"."""
    delta = (when - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return f"{when.strftime('%B')} {when.day}"


def on_day(when: date, today: date) -> str:
    """ "today", "tomorrow", "on July 4"."""
    spoken = day(when, today)
    return spoken if spoken in ("today", "tomorrow", "yesterday") else f"on {spoken}"


def distance(km: float, units: str) -> str:
    """ "about 440 miles" / "about 710 km", rounded to 10 beyond 100."""
    value, unit = (km / KM_PER_MILE, "miles") if units == "imperial" else (km, "km")
    shown = round(value, -1) if value >= 100 else round(value)
    return f"about {shown:,.0f} {unit}"


def drive_time(hours: float) -> str:
    """To 5 minutes (more would be false precision); long drives in hours, not days."""
    if hours >= 24:
        return f"{round(hours)} hours"
    return duration(round(hours * 12) * 300)
