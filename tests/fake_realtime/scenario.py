"""Scripts for the fake Realtime server: what each ``response.create`` gets back, step by step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

TEST_KEY = "sk-test-FAKEREALTIME0123456789abcdef"


@dataclass(frozen=True)
class Audio:
    """``ms`` of a 440 Hz tone as ``response.output_audio.delta`` events of ``chunk_ms`` each."""

    ms: int = 400
    chunk_ms: int = 40
    pace_s: float = 0.0  # pause after each delta (the real API streams faster than real time)


@dataclass(frozen=True)
class Say:
    """The answer transcript, one ``response.output_audio_transcript.delta`` per word."""

    text: str


@dataclass(frozen=True)
class Call:
    """A function call; ``arguments`` as a dict, or a string to send it verbatim (broken JSON)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    call_id: str = "call_1"


@dataclass(frozen=True)
class Raw:
    """A message sent verbatim (malformed events)."""

    text: str


@dataclass(frozen=True)
class Fail:
    """An ``error`` event."""

    type: str = "server_error"
    code: str = "server_error"
    message: str = "The server had an error while processing your request."


@dataclass(frozen=True)
class Drop:
    """Abort the TCP connection with no close frame (a dropped socket)."""


@dataclass(frozen=True)
class Pause:
    seconds: float


Step = Audio | Say | Call | Raw | Fail | Drop | Pause

DEFAULT_USAGE: dict[str, Any] = {
    "total_tokens": 180,
    "input_tokens": 120,
    "output_tokens": 60,
    "input_token_details": {
        "text_tokens": 100,
        "audio_tokens": 20,
        "cached_tokens": 0,
        "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0},
    },
    "output_token_details": {"text_tokens": 15, "audio_tokens": 45},
}


@dataclass(frozen=True)
class Reply:
    steps: Sequence[Step] = (Say("Okay."), Audio())
    usage: dict[str, Any] | None = field(default_factory=lambda: dict(DEFAULT_USAGE))
    status: str = "completed"
    status_error: dict[str, Any] | None = None  # status_details.error of a "failed" response


@dataclass
class Scenario:
    replies: Sequence[Reply] = ()
    api_key: str = TEST_KEY
    reject_status: int | None = None  # refuse the WebSocket upgrade with this HTTP status
    retry_after: str | None = None  # Retry-After header of that refusal
    user_transcript: str | None = "how far is the next campground"
    transcript_usage: dict[str, Any] | None = field(
        default_factory=lambda: {
            "type": "tokens",
            "input_tokens": 30,
            "output_tokens": 8,
            "total_tokens": 38,
            "input_token_details": {"text_tokens": 0, "audio_tokens": 30},
        }
    )
