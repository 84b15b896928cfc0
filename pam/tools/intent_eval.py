"""Scoring the intent matcher on a phrasing set (tests/data/phrasings*.toml); used by tests and bench."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pam.tools.intents import Intent


@dataclass(frozen=True)
class Phrasing:
    text: str
    tool: str | None  # None: the matcher must decline
    arguments: dict[str, Any] = field(default_factory=dict)


def load(path: Path) -> list[Phrasing]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Phrasing(p["text"], p["tool"] or None, p.get("arguments", {})) for p in data["phrasing"]]


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, int | float) and isinstance(got, int | float):
        return abs(float(got) - float(want)) < 0.005
    if isinstance(want, str) and isinstance(got, str):
        # punctuation is not meaning: "flagstaff, arizona" == "flagstaff arizona"
        return re.sub(r"[^a-z0-9:]+", " ", got.lower()).split() == re.sub(r"[^a-z0-9:]+", " ", want.lower()).split()
    return bool(got == want)


def correct(intent: Intent | None, expected: Phrasing) -> bool:
    """Right tool and exactly the expected arguments (or a refusal where one was expected)."""
    if expected.tool is None or intent is None:
        return expected.tool is None and intent is None
    if intent.tool != expected.tool or set(intent.arguments) != set(expected.arguments):
        return False
    return all(_same(intent.arguments[k], v) for k, v in expected.arguments.items())


@dataclass(frozen=True)
class Score:
    total: int
    right: int
    wrong: tuple[tuple[str, str], ...]  # (text, what the matcher said)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def score(matcher: Callable[[str], Intent | None], phrasings: list[Phrasing]) -> Score:
    wrong = []
    for p in phrasings:
        got = matcher(p.text)
        if not correct(got, p):
            wrong.append((p.text, f"{got.tool} {got.arguments}" if got else "None"))
    return Score(len(phrasings), len(phrasings) - len(wrong), tuple(wrong))
