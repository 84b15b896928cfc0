"""The settings window's live input level: a second capture of the chosen microphone into a
ring (the audio callback only copies), read and measured by a Qt timer on the main thread."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from pam.audio.capture import MicCapture
from pam.audio.ring import SampleRing
from pam.engines.base import Int16Audio

RATE = 16_000
WINDOW = RATE // 20  # the level of the last 50 ms
FLOOR_DB = -60.0


def level_db(samples: Int16Audio) -> float:
    """RMS level in dBFS, clamped at ``FLOOR_DB`` (digital silence)."""
    if samples.size == 0:
        return FLOOR_DB
    rms = math.sqrt(float(np.mean(np.square(samples.astype(np.float64)))))
    return max(FLOOR_DB, 20 * math.log10(rms / 32768.0)) if rms > 0 else FLOOR_DB


class InputLevel:
    """Open with ``start()`` on a worker thread (opening a stream can take seconds); ``level()``
    is cheap and belongs to one reader thread."""

    def __init__(self, device: str) -> None:
        self.ring = SampleRing(RATE)
        self.capture = MicCapture(self.ring, device, rate=RATE)
        self._window = np.zeros(WINDOW, dtype=np.int16)

    def start(self) -> InputLevel:
        self.capture.start()
        return self

    def level(self) -> float | None:
        """The newest 50 ms in dBFS, or None before that much has arrived."""
        self.ring.skip_to(self.ring.write_pos - WINDOW)
        if self.ring.read_into(self._window) is None:
            return None
        return level_db(self._window)

    def stop(self) -> None:
        self.capture.stop()


class LevelMeter(QWidget):
    """A horizontal bar from ``FLOOR_DB`` to 0 dBFS, green → amber → red."""

    def __init__(self) -> None:
        super().__init__()
        self.db: float | None = None
        self.setMinimumHeight(14)

    def sizeHint(self) -> QSize:
        return QSize(200, 14)

    def set_level(self, db: float | None) -> None:
        self.db = db
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#263238"))
        if self.db is None:
            return
        fraction = (self.db - FLOOR_DB) / -FLOOR_DB
        colour = "#43a047" if self.db < -12 else "#f59e0b" if self.db < -3 else "#e53935"
        p.fillRect(QRectF(0, 0, self.width() * fraction, self.height()), QColor(colour))
        p.setPen(Qt.GlobalColor.white)
        p.drawText(self.rect().adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignRight, f"{self.db:.0f} dB")
