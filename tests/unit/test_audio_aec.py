from __future__ import annotations

import numpy as np
import pytest

from pam.audio.aec import EchoCanceller, ReferenceTap, echo_canceller_for
from pam.audio.ring import SampleRing
from pam.config import AudioConfig

RATE = 16_000
FRAME = 320


def db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-9))


def bursts(seconds: float, seed: int) -> np.ndarray:
    """Noise in syllable-like bursts: broadband, with pauses, like speech to the canceller."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    on = np.sin(2 * np.pi * 2.5 * np.arange(n) / RATE + seed) > -0.2
    return (rng.standard_normal(n) * 3000 * on).astype(np.int16)


def run(aec: EchoCanceller, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return np.concatenate(
        [aec.process(mic[i : i + FRAME], reference[i : i + FRAME]) for i in range(0, len(mic), FRAME)]
    )


def test_echo_is_removed_and_the_user_is_kept() -> None:
    played = bursts(6, seed=1)
    delay = 1500  # ~94 ms, like speaker -> room -> mic
    echo = np.zeros(len(played), dtype=np.int16)
    echo[delay:] = played[:-delay] // 2
    user = np.zeros(len(played), dtype=np.int16)
    user[4 * RATE : 5 * RATE] = bursts(1, seed=2)[:RATE] // 2
    mic = echo + user

    cleaned = run(EchoCanceller(), mic, played)

    settled = slice(2 * RATE, 4 * RATE)  # echo only, after the filter converged
    assert db(mic[settled]) - db(cleaned[settled]) > 20
    talk = slice(4 * RATE + RATE // 4, 5 * RATE)  # double talk: the user's voice must survive
    assert db(cleaned[talk]) > db(user[talk]) - 6


def test_frames_must_be_whole_10ms_subframes_of_equal_length() -> None:
    with pytest.raises(ValueError):
        EchoCanceller().process(np.zeros(320, dtype=np.int16), np.zeros(160, dtype=np.int16))
    with pytest.raises(ValueError):
        EchoCanceller().process(np.zeros(100, dtype=np.int16), np.zeros(100, dtype=np.int16))


def test_reference_tap_keeps_a_fixed_clock_distance() -> None:
    reference = SampleRing(1 << 14)
    reference.write(np.arange(10_000).astype(np.int16))
    # the mic clock is at 4_000 when the output clock is at 10_000: distance 6_000, less the lead
    tap = ReferenceTap(reference, lead=640)
    assert tap.take(3_680, 4_000, FRAME).tolist() == list(range(9_040, 9_360))
    # later frames keep the same distance however late the listener gets to them
    reference.write(np.arange(10_000, 12_000).astype(np.int16))
    assert tap.take(4_000, 5_500, FRAME)[0] == 9_360
    assert tap.take(4_320, 5_500, FRAME)[0] == 9_680
    assert tap.resyncs == 0


def test_reference_tap_measures_again_when_the_clocks_move_apart() -> None:
    reference = SampleRing(1 << 14)
    reference.write(np.arange(10_000).astype(np.int16))
    tap = ReferenceTap(reference, lead=640)
    tap.take(3_680, 4_000, FRAME)
    # the output stalled (an underrun): the mic is now ahead of what was written; a few frames
    # of that is the output's bursty callbacks and gives silence, more is a real shift
    for _ in range(ReferenceTap.PATIENCE - 1):
        assert not tap.take(9_000, 9_320, FRAME).any()
    assert tap.resyncs == 0
    got = tap.take(9_000, 9_320, FRAME)
    assert tap.resyncs == 1
    assert got.tolist() == list(range(10_000 - 640 - FRAME, 10_000 - 640))


def test_config_switches_it_on() -> None:
    assert echo_canceller_for(AudioConfig(echo_cancellation=False)) is None
    assert isinstance(echo_canceller_for(AudioConfig(echo_cancellation=True)), EchoCanceller)
