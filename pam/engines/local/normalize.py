"""Put numbers in one form for intent parsing: Whisper writes "$40" one time and "forty dollars" the next.

``normalize_numbers`` turns spelled-out numbers into digits and symbols into words:
"add forty two dollars" and "add $42" both become "add 42 dollars"; "1,200" becomes "1200";
"two point five" becomes "2.5". A lone "one" after a determiner ("which one") stays a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pam.tools.numbers import SCALES, TEENS, TENS, UNITS  # one vocabulary of number words

_DETERMINERS = frozenset(
    {"which", "this", "that", "the", "any", "every", "each", "no", "another", "some", "other", "last", "next"}
)

_TOKEN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*|\s+|[^A-Za-z\s]+")
_DOLLARS = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")
_PERCENT = re.compile(r"(\d)\s?%")
_DEGREES = re.compile(r"(\d)\s?°\s?([FC]\b)?")
_GROUPED = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")


def normalize_numbers(text: str) -> str:
    text = _words_to_digits(text)
    text = _GROUPED.sub(lambda m: m.group().replace(",", ""), text)
    text = _DOLLARS.sub(lambda m: f"{m.group(1).replace(',', '')} dollars", text)
    text = _PERCENT.sub(r"\1 percent", text)
    return _DEGREES.sub(_degrees, text)


def _degrees(match: re.Match[str]) -> str:
    scale = {"F": " Fahrenheit", "C": " Celsius"}.get(match.group(2) or "", "")
    return f"{match.group(1)} degrees{scale}"


@dataclass
class _Number:
    """A number being read word by word (English rules, enough for spoken amounts)."""

    total: int = 0
    current: int = 0
    last: str = ""  # kind of the last word: unit, teen, ten, hundred, scale

    def add(self, word: str) -> bool:
        """Take ``word`` if it continues the number; False if the number ended before it."""
        if word in UNITS and self.last in ("", "ten", "hundred", "scale"):
            self.current += UNITS[word]
            self.last = "unit"
        elif word in TEENS and self.last in ("", "hundred", "scale"):
            self.current += TEENS[word]
            self.last = "teen"
        elif word in TENS and self.last in ("", "hundred", "scale"):
            self.current += TENS[word]
            self.last = "ten"
        elif word == "hundred" and self.last in ("unit", "teen", "ten") and self.current < 100:
            self.current *= 100
            self.last = "hundred"
        elif word in SCALES and self.last in ("unit", "teen", "ten", "hundred"):
            self.total += self.current * SCALES[word]
            self.current = 0
            self.last = "scale"
        else:
            return False
        return True

    @property
    def value(self) -> int:
        return self.total + self.current


def _starts_number(word: str) -> bool:
    return word in UNITS or word in TEENS or word in TENS


def _words_to_digits(text: str) -> str:
    tokens = _TOKEN.findall(text)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        end, digits = _read_number(tokens, i)
        if digits is None or _is_pronoun_one(tokens, i, end, out):
            out.append(tokens[i])
            i += 1
        else:
            out.append(digits)
            i = end
    return "".join(out)


def _is_pronoun_one(tokens: list[str], start: int, end: int, before: list[str]) -> bool:
    """A lone "one" after "which", "the", ... is a pronoun, not an amount."""
    if end - start != 1 or tokens[start].lower() != "one":
        return False
    previous = [t for t in before if t.strip()]
    return bool(previous) and previous[-1].lower() in _DETERMINERS


def _read_number(tokens: list[str], start: int) -> tuple[int, str | None]:
    """The digits for a spelled number starting at ``tokens[start]`` and the index after it."""
    number = _Number()
    first = tokens[start].lower()
    i = start
    if first == "a" and _next_word(tokens, start) in ("hundred", *SCALES):
        number.current, number.last = 1, "unit"  # "a hundred" = one hundred
        i = _skip_space(tokens, start + 1)
    elif not all(_starts_number(part) for part in first.split("-")):
        return start, None
    end = start
    while i < len(tokens):
        parts = tokens[i].lower().split("-")
        if parts == ["and"] and number.last in ("hundred", "scale") and _starts_number(_next_word(tokens, i)):
            i = _skip_space(tokens, i + 1)
            continue
        if not all(number.add(part) for part in parts):
            break
        end = i + 1
        i = _skip_space(tokens, end)
    digits = str(number.value)
    if _next_word(tokens, end - 1) == "point":
        fraction, after = _read_digits(tokens, _skip_space(tokens, _skip_space(tokens, end) + 1))
        if fraction:
            return after, f"{digits}.{fraction}"
    return end, digits


def _read_digits(tokens: list[str], i: int) -> tuple[str, int]:
    """Digits spoken one by one after "point": "five" "six" -> "56"."""
    digits, end = "", i
    while i < len(tokens) and tokens[i].lower() in UNITS:
        digits += str(UNITS[tokens[i].lower()])
        end = i + 1
        i = _skip_space(tokens, end)
    return digits, end


def _skip_space(tokens: list[str], i: int) -> int:
    """The index after one whitespace token at ``i`` (numbers span single spaces only)."""
    return i + 1 if i < len(tokens) and tokens[i].isspace() else i


def _next_word(tokens: list[str], i: int) -> str:
    j = _skip_space(tokens, i + 1)
    return tokens[j].lower() if j < len(tokens) and j > i + 1 else ""
