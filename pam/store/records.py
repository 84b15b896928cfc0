"""Rows PAM keeps, as immutable values (the store turns them into SQLite rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TurnRecord:
    session_id: int
    started_at: float  # wall clock (epoch seconds) for people; sample times live in `states`
    ended_at: float
    trigger: str  # "wake" | "push_to_talk" | "follow_up" | "text"
    engine: str
    transcript: str = ""
    reply: str = ""
    interrupted: bool = False
    played_ms: int = 0
    heard_ms: int = 0  # how long the user spoke
    error: str = ""
    states: tuple[tuple[str, int], ...] = ()  # (state, capture sample) in order
    latencies: dict[str, float] = field(default_factory=dict)
    tool_calls: tuple[dict[str, Any], ...] = ()
