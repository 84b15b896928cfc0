"""The Listener on real audio (no wake word model): events, their audio, ticks, history, noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pam.audio.files import read_audio
from pam.config import Config, WakeConfig
from pam.listen.endpointer import FRAME_SAMPLES
from pam.listen.events import ListenEvent, SpeechEnded, SpeechPaused, SpeechResumed, SpeechStarted, Tick
from pam.listen.listener import Listener, _History, listen_file
from pam.listen.vad import LevelGate, Vad, partly_digital_silence

JFK = Path("/work/shared/data/real-speech/jfk.flac")
NO_WAKE = Config(wake=WakeConfig(enabled=False))


def feed(listener: Listener, audio: np.ndarray, first_sample: int = 0) -> list[ListenEvent]:
    events: list[ListenEvent] = []
    for offset in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        events.extend(listener.process(first_sample + offset, audio[offset : offset + FRAME_SAMPLES]))
    return events


def noise(seconds: float, dbfs: float, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * 16000)) * 32768 * 10 ** (dbfs / 20)).astype(np.int16)


def test_silence_gives_only_ticks_every_100_ms() -> None:
    events = feed(Listener(NO_WAKE), np.zeros(16000 * 3, dtype=np.int16), first_sample=48_000)
    assert all(isinstance(e, Tick) for e in events)
    assert [e.sample for e in events if isinstance(e, Tick)] == list(range(49_600, 96_001, 1600))


@pytest.mark.parametrize("dbfs", [-60, -40, -20])
def test_steady_noise_is_not_speech(dbfs: float) -> None:
    events = feed(Listener(NO_WAKE), noise(10, dbfs))
    assert [e for e in events if not isinstance(e, Tick)] == []


def test_noise_starting_after_digital_silence_is_not_speech() -> None:
    audio = np.concatenate([np.zeros(16000, dtype=np.int16), noise(5, -30)])
    events = feed(Listener(NO_WAKE), audio)
    assert [e for e in events if not isinstance(e, Tick)] == []


@pytest.mark.skipif(not JFK.exists(), reason="shared speech data not present")
def test_utterance_audio_is_the_captured_audio_from_preroll_to_last_voiced_frame() -> None:
    audio = read_audio(JFK)
    events = feed(Listener(NO_WAKE), np.concatenate([audio, np.zeros(16000, dtype=np.int16)]))
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    started = [e for e in events if isinstance(e, SpeechStarted)]
    assert len(ended) == len(started) >= 4
    padded = np.concatenate([audio, np.zeros(16000, dtype=np.int16)])
    previous_end = 0
    for start, end in zip(started, ended, strict=True):
        assert end.start_sample == max(start.sample - 300 * 16, previous_end)
        assert start.sample < end.sample
        np.testing.assert_array_equal(end.audio, padded[end.start_sample : end.sample])
        previous_end = end.sample
    paused = [e for e in events if isinstance(e, SpeechPaused)]
    assert paused, "every utterance pauses speculate_ms before it ends"
    for pause in paused:
        assert len(pause.audio) == pause.sample - pause.start_sample


@pytest.mark.skipif(not JFK.exists(), reason="shared speech data not present")
def test_events_come_in_a_valid_order() -> None:
    speech = [e for e in listen_file(JFK, NO_WAKE) if not isinstance(e, Tick)]
    open_utterance = False
    paused = False
    for event in speech:
        if isinstance(event, SpeechStarted):
            assert not open_utterance
            open_utterance, paused = True, False
        elif isinstance(event, SpeechPaused):
            assert open_utterance and not paused
            paused = True
        elif isinstance(event, SpeechResumed):
            assert open_utterance and paused
            paused = False
        elif isinstance(event, SpeechEnded):
            assert open_utterance
            open_utterance = False
    assert not open_utterance, "listen_file appends enough silence to end the last utterance"


def test_history_keeps_the_latest_samples_across_the_wrap() -> None:
    history = _History(1000)
    samples = np.arange(2500, dtype=np.int16)
    for start in range(0, 2500, 100):
        history.append(start, samples[start : start + 100])
    start, got = history.slice(1600, 2450)
    assert start == 1600
    np.testing.assert_array_equal(got, samples[1600:2450])
    start, got = history.slice(1000, 1700)
    assert start == 1500, "older samples are gone; the slice says where it really starts"
    np.testing.assert_array_equal(got, samples[1500:1700])


def test_history_fills_lost_samples_with_silence() -> None:
    history = _History(1000)
    history.append(0, np.full(100, 5, dtype=np.int16))
    history.append(300, np.full(100, 7, dtype=np.int16))
    _, got = history.slice(0, 400)
    np.testing.assert_array_equal(got, np.r_[np.full(100, 5), np.zeros(200), np.full(100, 7)].astype(np.int16))


def test_vad_rejects_frames_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="320 samples"):
        Vad(3).is_speech(np.zeros(160, dtype=np.int16))


def test_level_gate_ignores_digital_silence_and_follows_the_floor() -> None:
    gate = LevelGate(margin_db=10)
    assert not gate.loud_enough(np.zeros(FRAME_SAMPLES, dtype=np.int16))
    assert gate.floor_db is None
    quiet = noise(0.02, -50)
    assert not gate.loud_enough(quiet)
    assert gate.loud_enough(noise(0.02, -20))
    assert gate.floor_db is not None and gate.floor_db < 40


def test_level_gate_learns_nothing_from_a_frame_half_digital_silence() -> None:
    gate = LevelGate(margin_db=10)
    room = noise(1.0, -40)
    assert not gate.loud_enough(np.r_[np.zeros(290, dtype=np.int16), room[:30]])
    assert gate.floor_db is None
    heard = [gate.loud_enough(room[i : i + FRAME_SAMPLES]) for i in range(0, len(room), FRAME_SAMPLES)]
    assert not any(heard), "steady room noise is never louder than its own floor"


def test_partly_digital_silence_needs_5_ms_of_it() -> None:
    hiss = noise(0.02, -75)
    assert (hiss == 0).any() and not partly_digital_silence(hiss), "scattered zeros are a quiet microphone"
    # a sound server's gap is not always exact zeros: its resampler leaves a faint tail
    faint = np.r_[np.zeros(160, dtype=np.int16), np.ones(5, dtype=np.int16)]
    assert partly_digital_silence(np.r_[hiss[:-165], faint])
    assert not partly_digital_silence(np.r_[hiss[:-60], np.zeros(60, dtype=np.int16)])


@pytest.mark.skipif(not JFK.exists(), reason="shared speech data not present")
def test_echo_canceller_keeps_pams_own_voice_from_being_heard_as_speech() -> None:
    from pam.audio.aec import EchoCanceller

    played = np.tile(read_audio(JFK), 2)  # 22 s of PAM "talking"
    delay = 800  # 50 ms from speaker to microphone
    echo = np.zeros(len(played))
    echo[delay:] = 0.5 * played[:-delay]
    mic = (echo + np.random.default_rng(1).standard_normal(len(played)) * 30).astype(np.int16)

    def speech_starts(listener: Listener) -> list[int]:
        starts = []
        for offset in range(0, len(mic) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
            frame, reference = mic[offset : offset + FRAME_SAMPLES], played[offset : offset + FRAME_SAMPLES]
            starts += [e.sample for e in listener.process(offset, frame, reference) if isinstance(e, SpeechStarted)]
        return starts

    assert len(speech_starts(Listener(NO_WAKE))) >= 8
    # AEC3 converges within a couple of seconds; after that the echo is no longer speech
    assert [s for s in speech_starts(Listener(NO_WAKE, echo=EchoCanceller())) if s > 3 * 16000] == []
