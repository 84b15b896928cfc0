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
    """Pairs each mic frame with what the speaker was given at the same moment, by sample clock.

    Input and output run at the same rate from the same sound server, so the distance between the
    two sample clocks stays put. It is measured once and kept: AEC3 needs the echo to lag its
    reference by a steady delay, and pairing frames by when the listener got to them would make
    that delay jitter with the CPU load. ``lead`` moves the pairing that far into the past, so
    the output's bursty callbacks have written the reference by the time its mic frame is
    processed; it must stay below the echo path (output buffer + room + input block), which a
    lead of the output buffer plus one block does. Only when the clocks really moved apart (an
    underrun, a device change) is the distance measured again, counted in ``resyncs``.
    """

    PATIENCE = 10  # frames in a row without their reference before the distance is measured again

    def __init__(self, reference: SampleRing, lead: int = 1280) -> None:
        self._ring = reference
        self._lead = lead
        self._offset: int | None = None
        self._misses = 0
        self.resyncs = 0

    def take(self, mic_start: int, mic_now: int, n: int) -> Int16Audio:
        """The reference for the ``n`` mic samples from ``mic_start``; ``mic_now`` is the capture
        clock now (the mic ring's write position)."""
        ring = self._ring
        if self._offset is not None:
            want = mic_start + self._offset
            late = want + n > ring.write_pos
            self._misses = self._misses + 1 if late else 0
            if late and self._misses < self.PATIENCE:
                return np.zeros(n, dtype=np.int16)
            if late or want < ring.write_pos - ring.capacity + n:
                self._offset = None
                self.resyncs += 1
        if self._offset is None:
            self._offset = ring.write_pos - mic_now - self._lead
            self._misses = 0
        ring.seek(mic_start + self._offset)
        got = ring.read(n)
        return got[1] if got is not None else np.zeros(n, dtype=np.int16)


def echo_canceller_for(config: AudioConfig) -> EchoCanceller | None:
    """The canceller when ``audio.echo_cancellation`` is on, else None."""
    return EchoCanceller() if config.echo_cancellation else None
