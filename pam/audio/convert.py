"""Sample format and rate conversions shared by file reading and playback."""

from __future__ import annotations

from math import gcd

import numpy as np
import numpy.typing as npt
from scipy.signal import resample_poly

from pam.engines.base import Int16Audio


def to_int16(samples: npt.NDArray[np.floating]) -> Int16Audio:
    """Float samples in [-1, 1] to int16, clipping instead of wrapping around."""
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)


def resample(samples: Int16Audio, from_rate: int, to_rate: int, gain: float = 1.0) -> Int16Audio:
    """Polyphase resampling (and an optional gain) of mono int16 audio."""
    if from_rate == to_rate and gain == 1.0:
        return np.asarray(samples, dtype=np.int16)
    x = samples.astype(np.float32) / 32768.0
    if from_rate != to_rate:
        g = gcd(from_rate, to_rate)
        x = resample_poly(x, to_rate // g, from_rate // g)
    return to_int16(x * gain)
