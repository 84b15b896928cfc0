"""Echo cancellation: remove what PAM itself played from the microphone (WebRTC AEC3).

The reference is the exact samples the output callback wrote (``DevicePlayer.reference``).
AEC3 finds the echo delay itself, but the reference must never arrive after its echo does, so
``ReferenceTap`` hands out reference samples in step with the mic frames and keeps them near
the newest output, where they lead the echo by the output + capture latency.
"""

from __future__ import annotations

import numpy as np
import pywebrtc_audio

from pam.audio.ring import SampleRing
from pam.config import AudioConfig
from pam.engines.base import Int16Audio

RATE = 16_000
SUBFRAME = RATE // 100  # AEC3 works on 10 ms frames


class EchoCanceller:
    """Not thread-safe: one instance, used by the one front-end thread."""

    def __init__(self, stream_delay_ms: int = 0) -> None:
        self._aec = pywebrtc_audio.EchoCanceller(sample_rate=RATE, num_channels=1, stream_delay_ms=stream_delay_ms)

    def process(self, mic: Int16Audio, reference: Int16Audio) -> Int16Audio:
        """The mic frame with the echo of ``reference`` removed. Both are 16 kHz int16 of the same
        length, a whole number of 10 ms sub-frames (the library pads a partial one, which would
        shift its state)."""
        if len(mic) != len(reference) or len(mic) % SUBFRAME:
            raise ValueError(f"mic and reference must be equal multiples of {SUBFRAME} samples")
        return self._aec.process(mic, reference)

    def reset(self) -> None:
        self._aec.reset()


class ReferenceTap:
    """Reads the player's reference ring one mic frame at a time, keeping at most ``max_lag``
    samples behind the newest output (more would make the reference late for its echo)."""

    def __init__(self, reference: SampleRing, max_lag: int = 3 * 320) -> None:
        self._ring = reference
        self._max_lag = max_lag
        self.resyncs = 0
        self.starved = 0

    def take(self, n: int) -> Int16Audio:
        if self._ring.available() > n + self._max_lag:
            self._ring.skip_to(self._ring.write_pos - n)
            self.resyncs += 1
        got = self._ring.read(n)
        if got is None:
            self.starved += 1
            return np.zeros(n, dtype=np.int16)
        return got[1]


def echo_canceller_for(config: AudioConfig) -> EchoCanceller | None:
    """The canceller when ``audio.echo_cancellation`` is on, else None."""
    return EchoCanceller() if config.echo_cancellation else None
