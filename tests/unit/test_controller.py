"""The controller driven by plain listener events (sample times as numbers), with the real canned
engine (espeak-ng), a file player and a real SQLite store."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pam.audio.player import FilePlayer
from pam.config import ConversationConfig
from pam.conversation.controller import Controller
from pam.conversation.messages import Announce, PushToTalk, StateChanged, StopSpeaking, TurnFinished
from pam.conversation.states import State
from pam.engines.base import AudioChunk, EngineDone, UserInput
from pam.engines.canned import CannedEngine
from pam.listen.events import SpeechEnded, SpeechPaused, SpeechResumed, SpeechStarted, Tick, WakeDetected
from pam.store.db import Store

SECOND = 16_000


class Harness:
    def __init__(self, tmp_path: Path, **conversation: Any) -> None:
        self.engine = CannedEngine()
        self.player = FilePlayer()
        self.store = Store(tmp_path / "pam.sqlite3")
        session = self.store.start_session("canned")
        cfg = ConversationConfig(**{"follow_up_s": 0.0, "chime": False, **conversation})
        self.controller = Controller(self.engine, self.player, self.store, cfg, session)
        self.seen: queue.Queue[Any] = queue.Queue()
        self.log: list[Any] = []
        self.controller.subscribe(self._record)
        self.controller.start()

    def _record(self, item: Any) -> None:
        self.log.append(item)
        self.seen.put(item)

    def wait_for(self, kind: type, timeout: float = 10.0) -> Any:
        while True:
            item = self.seen.get(timeout=timeout)
            if isinstance(item, kind):
                return item

    def states(self) -> list[State]:
        return [i.transition.after for i in self.log if isinstance(i, StateChanged)]


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(tmp_path)
    yield h
    h.controller.stop()
    h.store.close()


def speech(start: int, seconds: float) -> np.ndarray:
    rng = np.random.default_rng(start)
    return (rng.standard_normal(int(seconds * SECOND)) * 3000).astype(np.int16)


def test_push_to_talk_turn_is_answered_and_stored(harness: Harness) -> None:
    c = harness.controller
    c.post(PushToTalk())
    c.post(SpeechStarted(1000))
    audio = speech(1000, 1.0)
    c.post(SpeechEnded(1000 + len(audio), 1000, audio))
    done = harness.wait_for(TurnFinished)
    rec = done.record
    assert rec.trigger == "push_to_talk"
    assert rec.reply == "Okay, I heard you."
    assert rec.engine == "canned"
    assert not rec.interrupted
    assert [s for s, _ in rec.states] == ["listening", "committed", "speaking"]
    assert rec.played_ms > 1000  # the acknowledgement is ~1.4 s of speech
    assert len(harness.player.audio()) > SECOND
    assert harness.store.recent_turns()[-1]["reply"] == "Okay, I heard you."
    assert "first_audio_ms" in rec.latencies


def test_wake_then_timeout_without_speech_returns_to_idle(harness: Harness) -> None:
    c = harness.controller
    c.post(WakeDetected(5 * SECOND, "hey_jarvis", 0.9))
    for t in range(5, 13):
        c.post(Tick(t * SECOND))
    step = harness.wait_for(StateChanged)
    assert step.transition.after is State.LISTENING
    step = harness.wait_for(StateChanged)
    assert step.transition.after is State.IDLE
    assert step.transition.sample >= 11 * SECOND  # 6 s no-speech timeout on the sample clock
    assert harness.store.recent_turns() == []


def test_only_the_wake_phrase_keeps_listening(harness: Harness) -> None:
    c = harness.controller
    c.post(SpeechStarted(SECOND))
    c.post(WakeDetected(SECOND + 9000, "hey_jarvis", 0.9))
    audio = speech(SECOND, 0.6)  # ends 0.04 s after the detection: just "hey PAM"
    c.post(SpeechEnded(SECOND + len(audio), SECOND, audio))
    c.post(Tick(2 * SECOND))
    harness.wait_for(StateChanged)
    assert c.state is State.LISTENING  # still waiting for the request


def test_speculation_is_silent_and_dropped_when_the_user_goes_on(harness: Harness) -> None:
    c = harness.controller
    c.post(PushToTalk())
    c.post(SpeechStarted(0))
    first = speech(0, 1.0)
    c.post(SpeechPaused(SECOND + 2560, 0, first))
    # the speculative answer is produced but must not reach the speaker
    harness.wait_for(StateChanged)  # listening
    harness.wait_for(StateChanged)  # speculative
    c.post(SpeechResumed(SECOND + 4000))
    harness.wait_for(StateChanged)  # back to listening
    assert len(harness.player.audio()) == 0
    whole = speech(0, 2.0)
    c.post(SpeechPaused(2 * SECOND + 2560, 0, whole))
    c.post(SpeechEnded(2 * SECOND, 0, whole))
    rec = harness.wait_for(TurnFinished).record
    assert [s for s, _ in rec.states] == [
        "listening",
        "speculative",
        "listening",
        "speculative",
        "committed",
        "speaking",
    ]
    assert rec.reply == "Okay, I heard you."  # one answer, not two
    assert len(harness.store.recent_turns()) == 1
    chunks_before_commit = []
    committed = False
    for item in harness.log:
        if isinstance(item, StateChanged) and item.transition.after is State.COMMITTED:
            committed = True
        if isinstance(item, AudioChunk) and not committed:
            chunks_before_commit.append(item)
    assert chunks_before_commit == []


def test_user_speech_while_thinking_interrupts_the_turn(harness: Harness) -> None:
    c = harness.controller
    c.post(PushToTalk())
    audio = speech(0, 1.0)
    c.post(SpeechEnded(SECOND, 0, audio))
    c.post(SpeechStarted(SECOND + 1600))  # before espeak-ng can answer
    rec = harness.wait_for(TurnFinished).record
    assert rec.interrupted
    assert rec.played_ms == 0
    assert harness.wait_for(StateChanged).transition.after is State.LISTENING
    assert len(harness.player.audio()) == 0  # late engine audio of the cancelled turn is dropped


def test_stop_speaking_command(harness: Harness) -> None:
    c = harness.controller
    c.post(PushToTalk())
    c.post(SpeechEnded(SECOND, 0, speech(0, 1.0)))
    c.post(StopSpeaking())
    rec = harness.wait_for(TurnFinished).record
    assert rec.interrupted
    assert harness.wait_for(StateChanged).transition.after is State.IDLE


def test_events_of_a_cancelled_engine_turn_are_ignored(harness: Harness) -> None:
    c = harness.controller
    c.post(EngineDone(turn_id=99))
    c.post(AudioChunk(99, np.ones(100, dtype=np.int16), 16000))
    c.post(Tick(SECOND))
    c.post(PushToTalk())
    harness.wait_for(StateChanged)
    assert c.state is State.LISTENING
    assert len(harness.player.audio()) == 0


def test_follow_up_window_listens_without_wake_word(tmp_path: Path) -> None:
    h = Harness(tmp_path, follow_up_s=3.0)
    try:
        c = h.controller
        c.post(PushToTalk())
        c.post(SpeechEnded(SECOND, 0, speech(0, 1.0)))
        h.wait_for(TurnFinished)
        h.wait_for(StateChanged)  # follow-up listening
        assert c.state is State.LISTENING
        for t in range(2, 7):
            c.post(Tick(t * SECOND))
        step = h.wait_for(StateChanged)
        assert step.transition.after is State.IDLE
    finally:
        h.controller.stop()
        h.store.close()


def test_user_input_is_passed_to_the_engine(tmp_path: Path) -> None:
    got: list[UserInput] = []

    class Recording(CannedEngine):
        def respond(self, user: UserInput, emit: Any) -> Any:
            got.append(user)
            return super().respond(user, emit)

    h = Harness(tmp_path)
    h.controller.engine = Recording()
    try:
        audio = speech(0, 1.0)
        h.controller.post(PushToTalk())
        h.controller.post(SpeechEnded(SECOND, 0, audio))
        h.wait_for(TurnFinished)
        assert len(got) == 1 and not got[0].speculative
        assert np.array_equal(got[0].audio, audio)
    finally:
        h.controller.stop()
        h.store.close()


def test_an_announcement_waits_for_idle_and_is_spoken(harness: Harness) -> None:
    c = harness.controller
    c.post(PushToTalk())
    c.post(Announce("Your pasta timer is done."))
    c.post(Tick(SECOND))
    assert harness.wait_for(StateChanged).transition.after is State.LISTENING
    for t in range(2, 9):
        c.post(Tick(t * SECOND))  # nobody speaks: listening times out, then PAM announces
    rec = harness.wait_for(TurnFinished).record
    assert (rec.trigger, rec.reply, rec.interrupted) == ("reminder", "Your pasta timer is done.", False)
    assert [s for s, _ in rec.states] == ["committed", "speaking"]
    assert len(harness.player.audio()) > SECOND // 2
