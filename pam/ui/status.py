"""What the tray shows, as a pure reduction of messages to a status, and of a status to a look.

The tray holds no state of its own: everything it shows is folded from the session's messages
(loading, ready, failed, engine and wake word changes) and the controller's (state changes,
mute, finished turns). ``reduce`` and ``look`` take plain values, so they are tested without Qt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Literal

from pam.conversation.messages import MuteChanged, StateChanged
from pam.conversation.states import State


class Look(enum.Enum):
    LOADING = "loading"
    IDLE = "idle"  # ready, wake word off: only push-to-talk starts a turn
    WAITING = "waiting"  # listening for the wake word
    LISTENING = "listening"  # listening to the user
    THINKING = "thinking"
    SPEAKING = "speaking"
    MUTED = "muted"
    ERROR = "error"


# --- what the session tells the tray (besides the controller's own messages) -----------------


@dataclass(frozen=True)
class Loading:
    message: str


@dataclass(frozen=True)
class Progress:
    """A loading step (the offline engine's models); shown only while PAM is loading."""

    message: str


@dataclass(frozen=True)
class Ready:
    engine_mode: str
    active_engine: str
    wake_word: bool
    wake_phrase: str


@dataclass(frozen=True)
class Failed:
    """PAM is not running; ``message`` is one sentence saying why and what to do."""

    message: str


@dataclass(frozen=True)
class EngineChanged:
    engine_mode: str
    active_engine: str  # who answers a turn starting now: "local", "realtime", "canned", "none"


@dataclass(frozen=True)
class WakeWordChanged:
    enabled: bool


@dataclass(frozen=True)
class TrayStatus:
    phase: Literal["loading", "ready", "failed"] = "loading"
    message: str = "Starting PAM…"
    progress: str = ""  # the offline engine's current loading step
    state: State = State.IDLE
    muted: bool = False
    wake_word: bool = True
    wake_phrase: str = ""
    engine_mode: str = ""
    active_engine: str = ""

    @property
    def offline(self) -> bool:
        return self.phase == "ready" and self.active_engine == "local"

    @property
    def ready(self) -> bool:
        return self.phase == "ready"


def reduce(status: TrayStatus, item: object) -> TrayStatus:
    """The status after ``item``; anything the tray does not show leaves it unchanged."""
    match item:
        case Loading(message=message):
            return replace(status, phase="loading", message=message, state=State.IDLE)
        case Progress(message=message) if status.phase == "loading":
            return replace(status, progress=message)
        case Ready():
            return replace(
                status,
                phase="ready",
                message="",
                progress="",
                state=State.IDLE,
                engine_mode=item.engine_mode,
                active_engine=item.active_engine,
                wake_word=item.wake_word,
                wake_phrase=item.wake_phrase,
            )
        case Failed(message=message):
            return replace(status, phase="failed", message=message)
        case StateChanged(transition=step):
            return replace(status, state=step.after)
        case MuteChanged(muted=muted):
            return replace(status, muted=muted)
        case EngineChanged(engine_mode=mode, active_engine=active):
            return replace(status, engine_mode=mode, active_engine=active)
        case WakeWordChanged(enabled=enabled):
            return replace(status, wake_word=enabled)
    return status


def look(status: TrayStatus) -> Look:
    if status.phase == "failed":
        return Look.ERROR
    if status.phase == "loading":
        return Look.LOADING
    if status.muted:
        return Look.MUTED
    return {
        State.IDLE: Look.WAITING if status.wake_word else Look.IDLE,
        State.LISTENING: Look.LISTENING,
        State.SPECULATIVE: Look.LISTENING,  # still the user's turn: nothing is said before COMMITTED
        State.COMMITTED: Look.THINKING,
        State.SPEAKING: Look.SPEAKING,
    }[status.state]


ENGINE_NAMES = {
    "local": "local (offline)",
    "realtime": "OpenAI Realtime (online)",
    "canned": "canned test replies",
    "none": "none: online only and OpenAI is unavailable",
}


def headline(status: TrayStatus) -> str:
    """One line saying what PAM is doing (the tooltip's first line and the menu's status entry)."""
    kind = look(status)
    if kind in (Look.LOADING, Look.ERROR):
        return status.message
    if kind is Look.WAITING:
        return f"Listening for “{status.wake_phrase}”" if status.wake_phrase else "Listening for the wake word"
    return {
        Look.IDLE: "Ready: use Push to talk (wake word off)",
        Look.LISTENING: "Listening to you…",
        Look.THINKING: "Thinking…",
        Look.SPEAKING: "Speaking",
        Look.MUTED: "Microphone muted",
    }[kind]


def tooltip(status: TrayStatus) -> str:
    lines = [f"PAM: {headline(status)}"]
    if status.phase == "loading" and status.progress:
        lines.append(status.progress)
    if status.ready and status.active_engine:
        lines.append(f"Engine: {ENGINE_NAMES.get(status.active_engine, status.active_engine)}")
    return "\n".join(lines)


ENGINE_CHOICES = {
    "auto": "Automatic (online, offline when needed)",
    "local": "Local only (offline)",
    "online": "Online only (OpenAI)",
}
"""The engine modes a user picks from; ``canned`` (test replies) is shown only when running."""
