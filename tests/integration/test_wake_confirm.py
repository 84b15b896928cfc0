"""The wake word's second stage in the listening path, with the real Whisper model: detections are
judged, the events after one are held back until the verdict and keep their order."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from pam.audio.testing_pulse import spoken
from pam.config import Config, WakeConfig
from pam.engines.base import Int16Audio
from pam.listen.confirm import WakeConfirmer, confirmed, judge
from pam.listen.events import (
    WAKE_AUDIO_S,
    ListenEvent,
    SpeechEnded,
    SpeechStarted,
    Tick,
    WakeDetected,
    WakeRejected,
)
from pam.listen.listener import Listener, listen_samples
from pam.listen.wakeword import WakeWordDetector
from pam.wakeword.verify import Verdict, Verifier, checker_for

pytestmark = pytest.mark.models
RATE = 16_000
JARVIS = WakeConfig(model="hey_jarvis", verify=True)


@pytest.fixture(scope="module")
def checker() -> Verifier:
    found = checker_for(JARVIS)
    assert found is not None
    return found


def with_room(audio: Int16Audio, after_s: float = 1.5) -> Int16Audio:
    quiet = (np.random.default_rng(0).standard_normal(RATE + int(after_s * RATE)) * 60).astype(np.int16)
    return np.concatenate([quiet[:RATE], audio, quiet[RATE:]])


def test_checker_follows_the_configured_wake_word(checker: Verifier) -> None:
    assert checker.names == {"jarvis", "jarviss"} and checker.prompt == "Hey Jarvis."
    assert checker_for(WakeConfig(model="hey_jarvis")) is None
    assert checker_for(WakeConfig(model="hey_jarvis", verify=True, enabled=False)) is None


def test_a_spoken_wake_word_is_confirmed_with_the_audio_before_it(checker: Verifier) -> None:
    audio = with_room(spoken("hey jarvis, what's the weather"))
    listener = Listener(Config(wake=JARVIS), WakeWordDetector.from_config(JARVIS))
    events = list(confirmed(listen_samples(listener, audio), checker))
    wakes = [e for e in events if isinstance(e, WakeDetected | WakeRejected)]
    assert len(wakes) == 1 and isinstance(wakes[0], WakeDetected), wakes
    at = wakes[0].sample
    assert wakes[0].audio is not None and len(wakes[0].audio) == min(at, int(WAKE_AUDIO_S * RATE))
    assert np.array_equal(wakes[0].audio, audio[at - len(wakes[0].audio) : at])


def test_a_detection_without_the_name_in_its_audio_is_rejected(checker: Verifier) -> None:
    """As if the first stage had fired on ordinary speech: the second stage says what it heard."""
    audio = with_room(spoken("turn left at the gas station"), after_s=0)[-2 * RATE :]
    verdict = judge(WakeDetected(5 * RATE, "hey_jarvis", 0.7, audio), checker)
    assert isinstance(verdict, WakeRejected)
    assert (verdict.sample, verdict.model, verdict.score) == (5 * RATE, "hey_jarvis", 0.7)
    assert "gas" in verdict.heard.lower()


def test_the_confirmer_thread_keeps_the_order_while_it_checks(checker: Verifier) -> None:
    wake_audio = with_room(spoken("hey jarvis"), after_s=0.2)[-2 * RATE :]
    sent: list[ListenEvent] = [
        Tick(RATE),
        WakeDetected(2 * RATE, "hey_jarvis", 0.9, wake_audio),
        SpeechStarted(2 * RATE + 100),
        Tick(3 * RATE),
        SpeechEnded(4 * RATE, 2 * RATE, np.zeros(RATE, dtype=np.int16)),
    ]
    got: list[tuple[ListenEvent, float]] = []
    done = threading.Event()

    def sink(event: ListenEvent) -> None:
        got.append((event, time.perf_counter()))
        if len(got) == len(sent):
            done.set()

    confirmer = WakeConfirmer(sink, checker).start()
    t0 = time.perf_counter()
    for event in sent:
        confirmer(event)
    posted = time.perf_counter() - t0
    assert done.wait(30)
    confirmer.stop()
    assert [type(e) for e, _ in got] == [type(e) for e in sent]
    assert [e.sample for e, _ in got] == [e.sample for e in sent]
    # posting never waits for the check; what follows the detection waits for the verdict
    assert posted < 0.05
    assert got[2][1] >= got[1][1]


class Broken:
    def check(self, audio: Int16Audio) -> Verdict:
        raise RuntimeError("the speech model crashed")


def test_a_broken_check_lets_the_detection_through() -> None:
    got: list[ListenEvent] = []
    confirmer = WakeConfirmer(got.append, Broken()).start()
    wake = WakeDetected(RATE, "hey_pam", 0.8, np.zeros(RATE, dtype=np.int16))
    confirmer(wake)
    confirmer.stop()
    assert got == [wake]


def test_pam_listen_says_what_the_second_stage_heard() -> None:
    from pam.commands.listen import _line, describe

    info = describe(WakeRejected(RATE * 3, "hey_pam", 0.61, "Hey Sam."))
    assert info == {"event": "wake_rejected", "t": 3.0, "model": "hey_pam", "score": 0.61, "heard": "Hey Sam."}
    assert _line(info).endswith("wake word hey_pam (score 0.61) rejected: the check heard 'Hey Sam.'")
