"""A lock-free single-producer/single-consumer ring of int16 samples with a sample clock.

The producer (an audio callback) must never wait, so it never checks the reader: when the ring
is full it overwrites the oldest samples, and the reader notices. Positions are absolute sample
counts (the sample clock), never wrapped; ``pos & mask`` finds the slot.

Safety without locks rests on CPython's atomic attribute stores and on ordering: the producer
announces the region it is about to overwrite (``_claim_pos``), writes the samples, then
publishes ``write_pos``. The reader copies, then re-reads ``_claim_pos``: if the producer's claim
reached the copied region meanwhile, the copy may be torn and is thrown away.
"""

from __future__ import annotations

import numpy as np

from pam.engines.base import Int16Audio


class SampleRing:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1 sample")
        self.capacity = 1 << (capacity - 1).bit_length()
        self._mask = self.capacity - 1
        self._buf = np.zeros(self.capacity, dtype=np.int16)
        # producer-owned
        self._claim_pos = 0
        self.write_pos = 0
        # consumer-owned
        self.reader_pos = 0
        self.lost_samples = 0
        self.overruns = 0

    # -- producer -------------------------------------------------------------------------------

    def write(self, block: Int16Audio) -> None:
        """Append ``block`` (1-D int16). Never blocks; overwrites the oldest samples when full."""
        n = len(block)
        end = self.write_pos + n
        if n > self.capacity:
            block = block[n - self.capacity :]
            n = self.capacity
        start = end - n
        self._claim_pos = end
        slot = start & self._mask
        first = min(n, self.capacity - slot)
        self._buf[slot : slot + first] = block[:first]
        if first < n:
            self._buf[: n - first] = block[first:]
        self.write_pos = end

    # -- consumer -------------------------------------------------------------------------------

    def available(self) -> int:
        """Samples the reader could read now (may exceed capacity until the reader skips ahead)."""
        return self.write_pos - self.reader_pos

    def read(self, n: int) -> tuple[int, Int16Audio] | None:
        """``(start_sample, n samples)`` in order, or None if fewer than ``n`` are ready."""
        out = np.empty(n, dtype=np.int16)
        start = self.read_into(out)
        return None if start is None else (start, out)

    def read_into(self, out: Int16Audio) -> int | None:
        """Fill ``out`` with the next ``len(out)`` samples; returns their start sample, or None if
        fewer are ready. Allocates nothing, so an audio callback may call it."""
        n = len(out)
        if n > self.capacity:
            raise ValueError(f"cannot read {n} samples from a ring of {self.capacity}")
        while True:
            ready = self.write_pos
            self._skip_overwritten()
            start = self.reader_pos
            if ready - start < n:
                return None
            slot = start & self._mask
            first = min(n, self.capacity - slot)
            out[:first] = self._buf[slot : slot + first]
            if first < n:
                out[first:] = self._buf[: n - first]
            if self._claim_pos - self.capacity <= start:
                self.reader_pos = start + n
                return start

    def seek(self, pos: int) -> None:
        """Move the read position to ``pos``, back or forward (clamped to what was written; a
        position already overwritten is skipped forward on the next read, counted as lost)."""
        self.reader_pos = min(pos, self.write_pos)

    def skip_to(self, pos: int) -> int:
        """Drop unread samples up to ``pos`` (clamped to what was written); returns how many."""
        target = min(pos, self.write_pos)
        dropped = max(0, target - self.reader_pos)
        self.reader_pos += dropped
        return dropped

    def _skip_overwritten(self) -> None:
        oldest = self._claim_pos - self.capacity
        if self.reader_pos < oldest:
            self.lost_samples += oldest - self.reader_pos
            self.overruns += 1
            self.reader_pos = oldest
