"""Capture, playback, barge-in stop and echo cancellation on the private PulseAudio's virtual devices."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.signal import correlate

from pam.audio.aec import EchoCanceller, ReferenceTap
from pam.audio.capture import MicCapture
from pam.audio.player import DevicePlayer
from pam.audio.ring import SampleRing
from pam.audio.testing_pulse import PrivatePulse

pytestmark = pytest.mark.e2e
RATE = 16_000


def bursts(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    on = np.sin(2 * np.pi * 2.5 * np.arange(n) / RATE) > -0.2
    return (rng.standard_normal(n) * 3000 * on).astype(np.int16)


def locate(haystack: np.ndarray, needle: np.ndarray) -> tuple[int, float]:
    """Where ``needle`` starts in ``haystack``, and the normalised correlation there."""
    c = correlate(haystack.astype(np.float64), needle.astype(np.float64), mode="valid", method="fft")
    at = int(np.argmax(c))
    window = haystack[at : at + len(needle)].astype(np.float64)
    score = float(c[at] / (np.linalg.norm(window) * np.linalg.norm(needle) + 1e-9))
    return at, score


def db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-9))


def test_audio_fed_into_the_virtual_mic_arrives_in_the_ring(pulse: PrivatePulse) -> None:
    ring = SampleRing(RATE * 8)
    clip = bursts(1.0)
    with MicCapture(ring) as capture:
        pulse.feed(clip).wait(10)
        time.sleep(0.3)
        stats = capture.stats()
    got = ring.read(ring.available())
    assert got is not None
    start, captured = got
    at, score = locate(captured, clip)
    assert score > 0.99
    assert np.array_equal(captured[at : at + len(clip)], clip), "the virtual path is bit-exact"
    assert start == 0 and ring.lost_samples == 0
    assert stats.callbacks > 40 and stats.overflows == 0
    assert capture.blocksize == 320


def test_device_player_output_is_heard_on_the_speaker(pulse: PrivatePulse) -> None:
    clip = bursts(1.0, seed=3)
    player = DevicePlayer()
    recording = pulse.record_speaker()
    try:
        player.begin()
        player.play(clip, RATE)
        deadline = time.monotonic() + 10
        while player.busy and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
    finally:
        heard = recording.stop()
        player.close()
    assert locate(heard, clip)[1] > 0.99
    assert player.played_ms() == 1000
    reference = player.reference.read(min(player.reference.available(), player.reference.capacity))
    assert reference is not None
    assert locate(reference[1], clip)[1] > 0.999, "the reference holds exactly what was played"


def test_stop_silences_the_speaker_within_a_block_plus_device_latency(pulse: PrivatePulse) -> None:
    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(3 * RATE) / RATE)).astype(np.int16)
    player = DevicePlayer()
    recording = pulse.record_speaker()
    try:
        player.begin()
        player.play(tone, RATE)
        time.sleep(0.8)
        pos_at_stop = player.output_pos
        stopped_at = time.monotonic()
        player.stop()
        time.sleep(0.5)
    finally:
        heard = recording.stop()
        player.close()
    silent_at = player.silent_at()
    assert silent_at is not None
    assert 0 <= silent_at - pos_at_stop <= player.blocksize, "the next callback went silent"
    loud = np.flatnonzero(np.abs(heard) > 1000)
    assert len(loud) > 0.5 * RATE
    silence_starts = int(loud[-1]) + 1
    assert not heard[silence_starts:].any(), "nothing plays after the stop"
    latency_ms = (recording.arrived_by(silence_starts) - stopped_at) * 1000
    print(f"stop -> silence on speaker.monitor: {latency_ms:.0f} ms; callback delay {silent_at - pos_at_stop} samples")
    assert latency_ms < 250
    assert not player.busy and abs(player.played_ms() - 800) < 150


def test_echo_canceller_removes_pam_hearing_itself(pulse: PrivatePulse) -> None:
    """Through the room loopback the mic hears the speaker ~95 ms later; the canceller, fed the
    player's reference in step with the mic, removes most of it."""
    played = bursts(5.0, seed=5)
    ring = SampleRing(RATE * 8)
    aec = EchoCanceller()
    raw, cleaned = [], []
    pulse.loopback(True)
    player = DevicePlayer()
    try:
        with MicCapture(ring):
            tap = ReferenceTap(player.reference)
            ring.skip_to(ring.write_pos)
            player.begin()
            player.play(played, RATE)
            deadline = time.monotonic() + 6.0
            while time.monotonic() < deadline:
                got = ring.read(320)
                if got is None:
                    time.sleep(0.005)
                    continue
                raw.append(got[1])
                cleaned.append(aec.process(got[1], tap.take(got[0], ring.write_pos, 320)))
    finally:
        player.close()
        pulse.loopback(False)
    mic, out = np.concatenate(raw), np.concatenate(cleaned)
    settled = slice(2 * RATE, 4 * RATE)
    erle = db(mic[settled]) - db(out[settled])
    print(f"echo return loss enhancement after 2 s: {erle:.1f} dB (resyncs {tap.resyncs})")
    assert db(mic[settled]) > 50, "the loopback carried the echo"
    assert erle > 20
