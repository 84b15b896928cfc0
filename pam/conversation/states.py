"""The turn state machine: pure, clock-free, every transition guarded and recorded with its sample time."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


class State(enum.Enum):
    IDLE = "idle"
    LISTENING = "listening"
    SPECULATIVE = "speculative"
    COMMITTED = "committed"
    SPEAKING = "speaking"


class Trigger(enum.Enum):
    WAKE = "wake"
    PUSH_TO_TALK = "push_to_talk"
    ANNOUNCE = "announce"  # PAM speaks unprompted: a timer or reminder
    FOLLOW_UP = "follow_up"
    PAUSE = "pause"  # silence reached speculate_ms: start work, play nothing
    RESUME = "resume"  # the user went on talking: drop the speculative work
    COMMIT = "commit"  # silence reached commit_ms: the utterance is final
    FIRST_AUDIO = "first_audio"
    BARGE_IN = "barge_in"  # the user spoke while PAM was thinking or talking
    DONE = "done"  # answer finished (played out, or nothing to play)
    TIMEOUT = "timeout"  # nobody spoke
    CANCEL = "cancel"  # mute, stop, shutdown


S, T = State, Trigger
TRANSITIONS: dict[tuple[State, Trigger], State] = {
    (S.IDLE, T.WAKE): S.LISTENING,
    (S.IDLE, T.PUSH_TO_TALK): S.LISTENING,
    (S.IDLE, T.FOLLOW_UP): S.LISTENING,
    (S.IDLE, T.ANNOUNCE): S.COMMITTED,
    (S.LISTENING, T.WAKE): S.LISTENING,
    (S.LISTENING, T.PUSH_TO_TALK): S.LISTENING,
    (S.LISTENING, T.PAUSE): S.SPECULATIVE,
    (S.LISTENING, T.COMMIT): S.COMMITTED,
    (S.LISTENING, T.TIMEOUT): S.IDLE,
    (S.LISTENING, T.CANCEL): S.IDLE,
    (S.SPECULATIVE, T.RESUME): S.LISTENING,
    (S.SPECULATIVE, T.COMMIT): S.COMMITTED,
    (S.SPECULATIVE, T.CANCEL): S.IDLE,
    (S.COMMITTED, T.FIRST_AUDIO): S.SPEAKING,
    (S.COMMITTED, T.DONE): S.IDLE,
    (S.COMMITTED, T.BARGE_IN): S.LISTENING,
    (S.COMMITTED, T.CANCEL): S.IDLE,
    (S.SPEAKING, T.DONE): S.IDLE,
    (S.SPEAKING, T.FOLLOW_UP): S.LISTENING,
    (S.SPEAKING, T.BARGE_IN): S.LISTENING,
    (S.SPEAKING, T.CANCEL): S.IDLE,
}


class InvalidTransition(RuntimeError):
    def __init__(self, state: State, trigger: Trigger) -> None:
        super().__init__(f"no transition from {state.name} on {trigger.name}")
        self.state = state
        self.trigger = trigger


@dataclass(frozen=True)
class Transition:
    before: State
    trigger: Trigger
    after: State
    sample: int


class TurnStateMachine:
    def __init__(self) -> None:
        self.state = State.IDLE
        self.history: list[Transition] = []

    def can(self, trigger: Trigger) -> bool:
        return (self.state, trigger) in TRANSITIONS

    def fire(self, trigger: Trigger, sample: int) -> Transition:
        after = TRANSITIONS.get((self.state, trigger))
        if after is None:
            raise InvalidTransition(self.state, trigger)
        step = Transition(self.state, trigger, after, sample)
        log.info("%s -%s-> %s at sample %d", step.before.name, trigger.name, after.name, sample)
        self.state = after
        self.history.append(step)
        del self.history[:-200]
        return step
