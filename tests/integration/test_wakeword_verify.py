"""The second-stage check with the real Whisper tiny.en model."""

from __future__ import annotations

import numpy as np
import pytest

from pam.wakeword.verify import Verifier, buffered
from pam.wakeword.voices import Synthesizer, Voice

pytestmark = pytest.mark.models
RATE = 16_000


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier()


@pytest.fixture(scope="module")
def synth() -> Synthesizer:
    return Synthesizer()


def padded(audio: np.ndarray) -> np.ndarray:
    quiet = np.zeros(RATE // 2, dtype=np.int16)
    return np.concatenate([quiet, audio, quiet[: RATE // 5]])


def test_confirms_a_clear_hey_pam(verifier: Verifier, synth: Synthesizer) -> None:
    audio = padded(synth.speak(Voice("piper", "joe"), "Hey Pam!"))
    verdict = verifier.check(audio)
    assert verdict.confirmed, verdict.text
    assert verifier.confirm(audio)
    assert verdict.seconds > 0


@pytest.mark.parametrize("text", ["what time is it", "turn left at the gas station", "hey man"])
def test_rejects_speech_without_the_name(verifier: Verifier, synth: Synthesizer, text: str) -> None:
    verdict = verifier.check(padded(synth.speak(Voice("piper", "joe"), text)))
    assert not verdict.confirmed, verdict.text


def test_rejects_silence_and_noise(verifier: Verifier) -> None:
    assert not verifier.confirm(np.zeros(2 * RATE, dtype=np.int16))
    noise = (np.random.default_rng(0).standard_normal(2 * RATE) * 1500).astype(np.int16)
    assert not verifier.confirm(noise)


def test_buffered_takes_the_audio_before_the_detection() -> None:
    audio = np.arange(5 * RATE, dtype=np.int64).astype(np.int16)
    got = buffered(audio, 3 * RATE)
    assert len(got) == 2 * RATE and got[-1] == audio[3 * RATE - 1]
    assert len(buffered(audio, RATE // 2)) == RATE // 2
