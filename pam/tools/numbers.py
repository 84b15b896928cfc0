"""Numbers as people say them: "forty two", "twelve fifty", "half an hour", "5 pm".

Everything here is pure text → value. The speech recogniser writes digits some of the time
("$40", "12:50") and words the rest, so each parser first turns number words into digits
(`digits`) and then reads one normal form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES = {"thousand": 1000, "million": 1_000_000}
_NUMBER_WORDS = {**UNITS, **TEENS, **TENS, "hundred": 100, **SCALES}


@dataclass(frozen=True)
class Found:
    """A value read from text and where it was (character span in the normalised text)."""

    value: float
    start: int
    end: int


def _kind(word: str) -> str:
    if word in UNITS:
        return "unit"
    if word in TEENS:
        return "teen"
    if word in TENS:
        return "tens"
    return word if word == "hundred" else "scale"


# Which kind of number word may follow which inside one number ("forty two" yes, "twelve fifty" no:
# that is two numbers, read later as dollars and cents).
_FOLLOWS = {
    "unit": {"hundred", "scale"},
    "teen": {"hundred", "scale"},
    "tens": {"unit", "scale", "hundred"},
    "hundred": {"unit", "teen", "tens", "scale"},
    "scale": {"unit", "teen", "tens"},
}


def _read_number(words: list[str], i: int) -> tuple[float, int] | None:
    """Read one spoken number starting at words[i]; returns (value, index after it)."""
    total, current, last, j = 0, 0, "", i
    if words[i] in ("a", "an") and i + 1 < len(words) and words[i + 1] in ("hundred", "thousand"):
        current, last, j = 1, "unit", i + 1
    while j < len(words):
        word = words[j]
        if word == "and" and last in ("hundred", "scale") and j + 1 < len(words):
            nxt = words[j + 1]
            if nxt in _NUMBER_WORDS and _kind(nxt) in ("unit", "teen", "tens"):
                j += 1
                continue
        if word not in _NUMBER_WORDS:
            break
        kind = _kind(word)
        if last and kind not in _FOLLOWS[last]:
            break
        if kind == "hundred":
            if current >= 100:
                break
            current = max(current, 1) * 100
        elif kind == "scale":
            total += max(current, 1) * SCALES[word]
            current = 0
        else:
            current += _NUMBER_WORDS[word]
        last, j = kind, j + 1
    if j == i or last == "" or words[i] in ("and",):
        return None
    value = float(total + current)
    # "three point five"
    if j + 1 < len(words) and words[j] == "point" and words[j + 1] in UNITS:
        decimals = ""
        j += 1
        while j < len(words) and words[j] in UNITS:
            decimals += str(UNITS[words[j]])
            j += 1
        value = float(f"{int(value)}.{decimals}")
    return value, j


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def normalise(text: str) -> str:
    """Lower case, plain spaces, no filler punctuation; keeps $ . : and digits."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"(?<!\d)-|-(?!\d)", " ", text)  # forty-two → forty two; 2025-07-04 stays
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,200 → 1200
    text = re.sub(r"\b([ap])\.m\.?", r"\1m", text)  # p.m. → pm
    text = re.sub(r"[^\w$.:'/ -]+", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # sentence dots, not decimal points
    return re.sub(r"\s+", " ", text).strip()


def digits(text: str) -> str:
    """Normalise ``text`` and write every spoken number as digits ("forty two" → "42")."""
    words = normalise(text).split(" ")
    out: list[str] = []
    i = 0
    while i < len(words):
        read = _read_number(words, i) if words[i] in _NUMBER_WORDS or words[i] in ("a", "an") else None
        if read is None:
            out.append(words[i])
            i += 1
        else:
            out.append(_format(read[0]))
            i = read[1]
    return " ".join(w for w in out if w)


_AMOUNT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\$ ?(\d+(?:\.\d{1,2})?)(?: (\d{2})\b(?! (?:minute|hour|second|day)))?"), "dollar_sign"),
    (re.compile(r"\b(\d+) (?:dollars?|bucks?) (?:and )?(\d{1,2}) cents?\b"), "dollars_cents"),
    (re.compile(r"\b(\d+(?:\.\d{1,2})?) (?:dollars?|bucks?|usd)\b"), "dollars"),
    (re.compile(r"\b(\d{1,2}) cents?\b"), "cents"),
    (re.compile(r"\b(\d{1,3}) (\d{2})\b(?! (?:minute|hour|second|day|pm|am))"), "dollars_cents_spoken"),
    (re.compile(r"(?<![\d:-])\b(\d+(?:\.\d{1,2})?)\b(?![:-])"), "bare"),
)


def find_amount(text: str, bare: bool = True) -> Found | None:
    """Money in already-``digits`` text: "$40", "40 dollars", "12 50" (twelve fifty), "9 dollars 75 cents".

    ``bare`` also accepts a lone number ("spent 28") where the sentence is known to be about money.
    """
    for pattern, kind in _AMOUNT_PATTERNS:
        if kind == "bare" and not bare:
            continue
        m = pattern.search(text)
        if not m:
            continue
        if kind == "cents":
            value = int(m.group(1)) / 100
        elif kind in ("dollars_cents", "dollars_cents_spoken") or (kind == "dollar_sign" and m.group(2)):
            if "." in m.group(1):
                continue
            value = int(m.group(1)) + int(m.group(2)) / 100
        else:
            value = float(m.group(1))
        return Found(round(value, 2), m.start(), m.end())
    return None


_DURATION_UNITS = {
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
}
_UNIT_RE = "|".join(sorted(_DURATION_UNITS, key=len, reverse=True))
_COUNT_RE = r"\d+(?:\.\d+)?|an?|a couple of|a few|half an?|half|a half|a quarter of an?|a quarter|quarter of an?"
_PIECE = re.compile(rf"\b(?P<count>{_COUNT_RE})(?P<half1> and a half)? ?(?P<unit>{_UNIT_RE})\b(?P<half2> and a half)?")
_COUNTS = {
    "a": 1.0,
    "an": 1.0,
    "a couple of": 2.0,
    "a few": 3.0,
    "half": 0.5,
    "half a": 0.5,
    "half an": 0.5,
    "a half": 0.5,
    "a quarter": 0.25,
    "a quarter of a": 0.25,
    "a quarter of an": 0.25,
    "quarter of a": 0.25,
    "quarter of an": 0.25,
}


def find_duration(text: str) -> Found | None:
    """A length of time in ``digits`` text, in seconds: "30 minutes", "half an hour", "1 hour and 15 minutes"."""
    pieces = list(_PIECE.finditer(text))
    if not pieces:
        return None
    first = pieces[0]
    total, end = 0.0, first.start()
    for m in pieces:
        gap = text[end : m.start()].strip()
        if m is not first and gap not in ("", "and", ","):
            break
        count_text = m.group("count")
        count = _COUNTS.get(count_text)
        if count is None:
            count = float(count_text)
        if m.group("half1") or m.group("half2"):
            count += 0.5
        total += count * _DURATION_UNITS[m.group("unit")]
        end = m.end()
    return Found(total, first.start(), end)


_CLOCK = re.compile(
    r"\b(?:(?P<h>\d{1,2})(?::(?P<m>\d{2})| (?P<m2>\d{2}))?(?: ?(?P<ampm>am|pm)| o'?clock)?|(?P<word>noon|midnight))\b"
)


def find_clock(text: str) -> tuple[str, int, int] | None:
    """A time of day after "at" (or "by" with am/pm or minutes) in ``digits`` text, as 24-hour "HH:MM" with its span.

    Without am/pm, 1–6 o'clock means the afternoon and 7–11 the morning (nobody sets a 3 am reminder
    by voice), so the result needs no clock to compute.
    """
    for prefix in re.finditer(r"\b(?:at|by) ", text):
        m = _CLOCK.match(text, prefix.end())
        if not m:
            continue
        if m.group("word"):
            return ("12:00" if m.group("word") == "noon" else "00:00"), prefix.start(), m.end()
        hour = int(m.group("h"))
        minute = int(m.group("m") or m.group("m2") or 0)
        ampm = m.group("ampm")
        explicit = m.group("m") or ampm or "clock" in m.group(0) or prefix.group(0) == "at "
        if not explicit or hour > 23 or minute > 59:
            continue
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        elif ampm is None and 1 <= hour <= 6:
            hour += 12
        return f"{hour:02d}:{minute:02d}", prefix.start(), m.end()
    return None
