"""Callback durations recorded from inside an audio callback without locks or allocation."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


class CallbackTimes:
    """The last ``capacity`` callback durations (µs) plus overflow/underflow counts.

    Only the callback thread writes; readers take a snapshot, which may miss the entry being
    written at that instant (harmless for statistics)."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._us = np.zeros(capacity, dtype=np.int32)
        self._capacity = capacity
        self.count = 0
        self.xruns = 0

    def record(self, start_ns: int, end_ns: int, xrun: bool) -> None:
        self._us[self.count % self._capacity] = (end_ns - start_ns) // 1000
        if xrun:
            self.xruns += 1
        self.count += 1

    def durations_us(self) -> npt.NDArray[np.int32]:
        """A copy of the recorded durations (the newest ``capacity`` of them)."""
        return self._us[: min(self.count, self._capacity)].copy()
