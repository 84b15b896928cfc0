"""The one interface every engine (canned, local, realtime) implements, and the events it emits.

An engine answers one user turn at a time on its own threads and reports back through
``emit``: a stream of small immutable events, the same types for every engine, so the
controller, the store and the UI never care which engine spoke. Each event names its turn,
so anything that arrives after the turn was cancelled is dropped by the controller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Int16Audio = npt.NDArray[np.int16]


@dataclass(frozen=True)
class UserInput:
    """What the user said: 16 kHz mono int16 audio, or text (``pam ask``), or both. ``say`` asks
    for no answer at all, only that exact sentence spoken (a reminder going off)."""

    turn_id: int
    audio: Int16Audio | None = None
    text: str | None = None
    speculative: bool = False
    say: str | None = None


@dataclass(frozen=True)
class Transcript:
    turn_id: int
    text: str
    final: bool = True


@dataclass(frozen=True)
class TextDelta:
    turn_id: int
    text: str


@dataclass(frozen=True)
class AudioChunk:
    turn_id: int
    samples: Int16Audio
    sample_rate: int


@dataclass(frozen=True)
class ToolCall:
    turn_id: int
    name: str
    arguments: dict[str, Any]
    result: dict[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class Usage:
    turn_id: int
    engine: str
    tokens: dict[str, int] = field(default_factory=dict)
    audio_seconds: float = 0.0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class Timing:
    """A named latency part measured inside the engine (stt_ms, llm_first_clause_ms, ...)."""

    turn_id: int
    name: str
    ms: float


@dataclass(frozen=True)
class EngineDone:
    turn_id: int


@dataclass(frozen=True)
class EngineFailed:
    """The turn could not be answered; ``message`` is one sentence for the user."""

    turn_id: int
    message: str


EngineEvent = Transcript | TextDelta | AudioChunk | ToolCall | Usage | Timing | EngineDone | EngineFailed
EventSink = Callable[[EngineEvent], None]


class EngineTurn(Protocol):
    """A turn being answered. A turn that routes between engines may also say, in an ``engine``
    attribute, which one is answering (the turn record names it)."""

    def cancel(self, played_ms: int | None = None) -> None:
        """Stop work for this turn promptly; ``played_ms`` is how much of the answer the user heard."""

    def commit(self) -> None:
        """The user's utterance is final: a speculative turn is kept, and may now act on the world
        (tools with side effects wait for this)."""


class Engine(Protocol):
    name: str

    def respond(self, user: UserInput, emit: EventSink) -> EngineTurn:
        """Start answering ``user`` in the background and return at once."""

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the engine's models are loaded (False on timeout); turns before that wait."""

    def close(self) -> None: ...
