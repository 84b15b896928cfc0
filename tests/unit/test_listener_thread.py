"""ListenerThread: the consumer of the capture ring gives the same events as the file path."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from pam.audio.files import FileSource, read_audio
from pam.audio.ring import SampleRing
from pam.config import Config, WakeConfig
from pam.listen.endpointer import FRAME_SAMPLES
from pam.listen.events import ListenEvent, SpeechEnded, SpeechPaused, Tick
from pam.listen.listener import Listener, ListenerThread, listen_file

JFK = Path("/work/shared/data/real-speech/jfk.flac")
NO_WAKE = Config(wake=WakeConfig(enabled=False))


def summary(events: list[ListenEvent]) -> list[tuple[str, int, int, int]]:
    """Comparable form: (type, sample, start_sample, checksum of the audio)."""
    out = []
    for e in events:
        if isinstance(e, Tick):
            continue
        if isinstance(e, SpeechPaused | SpeechEnded):
            out.append((type(e).__name__, e.sample, e.start_sample, int(e.audio.astype(np.int64).sum())))
        else:
            out.append((type(e).__name__, e.sample, 0, 0))
    return out


def drain(source: FileSource, ring: SampleRing, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not (source.done and ring.available() < FRAME_SAMPLES):
        assert time.monotonic() < deadline, "the listener thread did not keep up"
        time.sleep(0.01)


@pytest.mark.skipif(not JFK.exists(), reason="shared speech data not present")
def test_thread_over_a_ring_matches_listen_file() -> None:
    events: list[ListenEvent] = []
    ring = SampleRing(16000 * 2)
    thread = ListenerThread(ring, Listener(NO_WAKE), events.append).start()
    with FileSource(ring, read_audio(JFK), tail_silence_ms=1000) as source:
        drain(source, ring)
    thread.stop()
    assert thread.error is None and not thread.alive
    assert thread.lost_samples == 0
    expected = summary(list(listen_file(JFK, NO_WAKE)))
    assert summary(events) == expected
    ticks = [e.sample for e in events if isinstance(e, Tick)]
    assert ticks == list(range(1600, ticks[-1] + 1, 1600))


def test_lost_samples_are_reported_and_the_clock_keeps_running() -> None:
    events: list[ListenEvent] = []
    ring = SampleRing(4096)
    # the capture runs 10 000 samples ahead before the listener starts: the ring kept only 4096
    ring.write(np.zeros(10_000, dtype=np.int16))
    thread = ListenerThread(ring, Listener(NO_WAKE), events.append).start()
    deadline = time.monotonic() + 10
    while ring.available() >= FRAME_SAMPLES and time.monotonic() < deadline:
        time.sleep(0.01)
    thread.stop()
    assert thread.lost_samples == 10_000 - 4096
    ticks = [e.sample for e in events if isinstance(e, Tick)]
    assert ticks and ticks[0] > 10_000 - 4096


def test_stop_is_prompt_when_no_audio_arrives() -> None:
    thread = ListenerThread(SampleRing(4096), Listener(NO_WAKE), lambda e: None).start()
    time.sleep(0.05)
    t0 = time.monotonic()
    thread.stop()
    assert time.monotonic() - t0 < 1.0
    assert not thread.alive


def _echo_scene() -> tuple[np.ndarray, np.ndarray]:
    """PAM's voice as played (the reference) and as the mic hears it 50 ms later, half as loud."""
    played = read_audio(JFK)
    echo = np.zeros(len(played))
    echo[800:] = 0.5 * played[:-800]
    mic = (echo + np.random.default_rng(1).standard_normal(len(played)) * 30).astype(np.int16)
    return played, mic


@pytest.mark.skipif(not JFK.exists(), reason="shared speech data not present")
@pytest.mark.parametrize("reference", ["given", "set_while_running", "none"])
def test_the_echo_reference_reaches_the_canceller(reference: str) -> None:
    from pam.audio.aec import EchoCanceller

    played, mic = _echo_scene()
    mic_ring, reference_ring = SampleRing(16000), SampleRing(16000)
    events: list[ListenEvent] = []
    listener = Listener(NO_WAKE, echo=EchoCanceller())
    given = reference_ring if reference == "given" else None
    # this scene's echo is heard in the very period it is played: no output buffer to lead by
    thread = ListenerThread(mic_ring, listener, events.append, given, reference_lead=0)
    thread.start()
    if reference == "set_while_running":
        thread.reference_ring = reference_ring
    # the output and input callbacks, in step: each block played is heard in the same period
    for offset in range(0, len(mic), FRAME_SAMPLES):
        reference_ring.write(played[offset : offset + FRAME_SAMPLES])
        mic_ring.write(mic[offset : offset + FRAME_SAMPLES])
        while mic_ring.available() > 2 * FRAME_SAMPLES:
            time.sleep(0.001)
    while mic_ring.available() >= FRAME_SAMPLES:
        time.sleep(0.005)
    thread.stop()
    assert thread.error is None
    late_speech = [e for e in events if isinstance(e, SpeechEnded) and e.start_sample > 3 * 16000]
    if reference == "none":
        assert len(late_speech) >= 3, "without its reference the canceller cannot remove the echo"
    else:
        assert late_speech == []
