"""Spending categories and the words people use for them (shared by the budget tool and the matcher)."""

from __future__ import annotations

import re
from typing import Literal, get_args

Category = Literal[
    "fuel",
    "groceries",
    "dining",
    "camping",
    "propane",
    "repairs",
    "supplies",
    "fun",
    "tolls",
    "laundry",
    "other",
]
CATEGORIES: tuple[str, ...] = get_args(Category)

# Longest phrases are tried first, so "gas station" beats "gas" and "rv park" beats "park".
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "fuel": ("fuel", "gas", "gasoline", "diesel", "petrol", "fill up", "filled up", "fuel up"),
    "groceries": ("groceries", "grocery", "grocery store", "supermarket", "food shopping", "food", "walmart"),
    "dining": (
        "dining",
        "restaurant",
        "dinner",
        "lunch",
        "breakfast",
        "brunch",
        "coffee",
        "takeout",
        "take out",
        "pizza",
        "eating out",
        "meal",
        "drinks",
        "ice cream",
    ),
    "camping": (
        "camping",
        "campground",
        "campsite",
        "camp site",
        "rv park",
        "site fee",
        "hookups",
        "hookup",
        "dump station",
        "boondocking",
        "parking",
    ),
    "propane": ("propane", "lpg", "lp gas"),
    "repairs": (
        "repairs",
        "repair",
        "maintenance",
        "mechanic",
        "oil change",
        "tires",
        "tire",
        "tyres",
        "tyre",
        "service",
        "parts",
    ),
    "supplies": ("supplies", "hardware", "hardware store", "toilet paper", "household"),
    "fun": ("fun", "entertainment", "tickets", "museum", "tour", "park pass", "entrance fee", "souvenirs"),
    "tolls": ("tolls", "toll", "ferry", "bridge toll"),
    "laundry": ("laundry", "laundromat", "washing"),
    "other": ("other", "misc", "miscellaneous"),
}
_WORD_TO_CATEGORY = {w: c for c, words in _SYNONYMS.items() for w in words}
_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(_WORD_TO_CATEGORY, key=len, reverse=True)) + r")\b"
)


def category_of(text: str) -> str | None:
    """The category a word or phrase names ("diesel" → "fuel"); None when it names none."""
    return _WORD_TO_CATEGORY.get(" ".join(text.lower().split()))


def find_category(text: str) -> tuple[str, int, int] | None:
    """The first category word in lower-case ``text``, with its span."""
    m = _PATTERN.search(text)
    return (_WORD_TO_CATEGORY[m.group(1)], m.start(), m.end()) if m else None
