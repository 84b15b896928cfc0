"""What the controller accepts besides listener and engine events, and what it tells subscribers."""

from __future__ import annotations

from dataclasses import dataclass

from pam.conversation.states import Transition
from pam.store.records import TurnRecord


@dataclass(frozen=True)
class PushToTalk:
    """Start a turn without the wake word (tray menu, hotkey, `pam talk`)."""


@dataclass(frozen=True)
class StopSpeaking:
    """Stop the current answer (tray menu, "stop" tool)."""


@dataclass(frozen=True)
class SetMuted:
    """Mute or unmute the microphone: while muted the turn in progress ends and nothing heard counts."""

    muted: bool


@dataclass(frozen=True)
class Announce:
    """Say ``text`` unprompted (a timer or reminder going off), as soon as PAM is idle."""

    text: str


@dataclass(frozen=True)
class Shutdown:
    pass


Command = PushToTalk | Announce | StopSpeaking | SetMuted | Shutdown


@dataclass(frozen=True)
class StateChanged:
    transition: Transition


@dataclass(frozen=True)
class TurnFinished:
    record: TurnRecord
    turn_id: int  # the store's id, or 0 if the store could not take it yet


@dataclass(frozen=True)
class MuteChanged:
    muted: bool


@dataclass(frozen=True)
class Notice:
    """One sentence for the user (tray notification, stderr in headless mode)."""

    message: str
