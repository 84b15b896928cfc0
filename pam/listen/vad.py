"""Per-frame voice activity: WebRTC VAD, and a level gate that keeps steady room noise out of it.

WebRTC's VAD judges the spectrum, not the loudness, so a real microphone's hiss or crowd murmur
is often called speech (on the JFK recording it flags every pause). The gate only lets a frame
count as voiced when it is clearly louder than the room's recent noise floor.
"""

from __future__ import annotations

import math

import numpy as np
import webrtcvad

from pam.engines.base import Int16Audio
from pam.listen.endpointer import FRAME_MS, FRAME_SAMPLES
from pam.listen.events import SAMPLE_RATE


class Vad:
    """WebRTC VAD on 20 ms int16 frames at 16 kHz; aggressiveness 0 (lenient) to 3 (strict)."""

    def __init__(self, aggressiveness: int) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, frame: Int16Audio) -> bool:
        if frame.shape != (FRAME_SAMPLES,):
            raise ValueError(f"VAD frames must be {FRAME_SAMPLES} samples, got {frame.shape}")
        return bool(self._vad.is_speech(frame.tobytes(), SAMPLE_RATE))


DIGITAL_SILENCE_DB = 10.0
"""below about 3 LSB RMS a frame is not a microphone's noise"""

SILENCE_CHECK_SAMPLES = 80
"""5 ms: any digital silence of 10 ms or more fills one such block of a frame"""


def partly_digital_silence(frame: Int16Audio) -> bool:
    """Whether some 5 ms block of the frame is digital silence: the edge of a muted, resumed or
    just-opened stream, a gap where the sound server ran dry, or padding."""
    blocks = frame[: len(frame) // SILENCE_CHECK_SAMPLES * SILENCE_CHECK_SAMPLES].reshape(-1, SILENCE_CHECK_SAMPLES)
    return any(frame_level_db(block) < DIGITAL_SILENCE_DB for block in blocks)


def frame_level_db(frame: Int16Audio) -> float:
    """RMS level in dB above one LSB (0 for digital silence, about 90 for a full-scale sine)."""
    power = float(np.dot(frame.astype(np.float32), frame.astype(np.float32))) / max(len(frame), 1)
    return 10.0 * math.log10(power + 1.0)


class LevelGate:
    """Tracks the noise floor (falls at once to a quieter frame, rises slowly) and passes frames
    at least ``margin_db`` above it.

    The slow rise lets the floor follow a fan being switched on within seconds, while a few seconds
    of speech cannot lift it to the speech level because the dips between syllables pull it down.
    """

    def __init__(self, margin_db: float = 10.0, rise_db_per_s: float = 3.0) -> None:
        self.margin_db = margin_db
        self._rise_per_frame = rise_db_per_s * FRAME_MS / 1000
        self.floor_db: float | None = None

    def loud_enough(self, frame: Int16Audio) -> bool:
        level = frame_level_db(frame)
        if level < DIGITAL_SILENCE_DB or partly_digital_silence(frame):
            # padding or a muted device says nothing about the room; a frame that straddles its edge
            # would set the floor too low, and the room's noise would then pass as loud for seconds
            return False
        if self.floor_db is None or level < self.floor_db:
            self.floor_db = level
        else:
            self.floor_db += self._rise_per_frame
        return level >= self.floor_db + self.margin_db
