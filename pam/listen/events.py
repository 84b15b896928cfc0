"""What the listener tells the rest of PAM. ``sample`` is the capture sample clock (16 kHz)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pam.engines.base import Int16Audio

SAMPLE_RATE = 16_000
WAKE_AUDIO_S = 2.0


@dataclass(frozen=True)
class WakeDetected:
    sample: int
    model: str
    score: float
    audio: Int16Audio | None = field(default=None, repr=False, compare=False)
    """the last ``WAKE_AUDIO_S`` before ``sample``, for the second-stage check"""


@dataclass(frozen=True)
class WakeRejected:
    """The second stage did not hear the wake phrase in a detection's audio; ``heard`` is what it heard."""

    sample: int
    model: str
    score: float
    heard: str


@dataclass(frozen=True)
class SpeechStarted:
    """Voice onset; ``sample`` is where the voiced run began (before the trigger window)."""

    sample: int


@dataclass(frozen=True)
class SpeechPaused:
    """Silence has lasted ``speculate_ms``: ``audio`` is the utterance so far, for speculative work."""

    sample: int
    start_sample: int
    audio: Int16Audio


@dataclass(frozen=True)
class SpeechResumed:
    sample: int


@dataclass(frozen=True)
class SpeechEnded:
    """Silence has lasted ``commit_ms``. ``audio`` runs from ``start_sample`` (pre-roll included)
    to the last voiced frame ``sample``."""

    sample: int
    start_sample: int
    audio: Int16Audio


@dataclass(frozen=True)
class Tick:
    """Sent every few frames so timeouts run on the sample clock, not the wall clock."""

    sample: int


ListenEvent = WakeDetected | WakeRejected | SpeechStarted | SpeechPaused | SpeechResumed | SpeechEnded | Tick
