"""PAM's own earcons, synthesised (no asset licences to track): a rising chime on wake and a soft
falling tone when a turn ends."""

from __future__ import annotations

import numpy as np

from pam.engines.base import Int16Audio

RATE = 16_000


def _tone(freqs: tuple[float, ...], note_s: float, level: float) -> Int16Audio:
    t = np.arange(int(note_s * RATE)) / RATE
    envelope = np.minimum(1.0, t / 0.01) * np.exp(-t * 9.0)  # 10 ms attack, bell-like decay
    notes = [np.sin(2 * np.pi * f * t) * envelope for f in freqs]
    return (np.concatenate(notes) * level * 32767).astype(np.int16)


def wake_chime() -> Int16Audio:
    return _tone((880.0, 1318.5), 0.09, 0.25)


def end_tone() -> Int16Audio:
    return _tone((659.3, 523.3), 0.08, 0.15)
