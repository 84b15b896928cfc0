"""Playing answers, and stopping them at once on barge-in.

``play()`` resamples in the caller's thread and queues the samples in a ring; the output callback
only moves samples from that ring to the device and into ``reference`` (the exact samples it
output, for the echo canceller). ``stop()`` only sets a flag: the next output block is silence
and the queue is dropped, so stop latency is at most one block plus the device latency.

Threads: call ``play()``/``begin()`` from one thread (the ring has one producer); ``stop()`` may
come from any thread.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from pam.audio.convert import resample
from pam.audio.devices import audio_error, pick_device, sounddevice, stream_closed, stream_opened
from pam.audio.files import write_wav
from pam.audio.ring import SampleRing
from pam.audio.timing import CallbackTimes
from pam.engines.base import Int16Audio
from pam.errors import AudioError


class Player(Protocol):
    rate: int

    def play(self, samples: Int16Audio, sample_rate: int) -> None: ...
    def begin(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def busy(self) -> bool: ...
    def played_ms(self) -> int: ...
    def silent_at(self) -> int | None: ...
    @property
    def output_pos(self) -> int: ...
    def close(self) -> None: ...


class DevicePlayer:
    """Plays through a PortAudio output stream that stays open, writing zeros when idle.

    Runs at 16 kHz mono by default (the sound server resamples for the device), so what the
    callback writes is exactly the echo reference the capture side needs."""

    def __init__(
        self,
        device: str = "",
        rate: int = 16_000,
        block_ms: int = 20,
        latency_ms: int = 60,
        gain: float = 1.0,
        queue_seconds: float = 120.0,
        start_timeout_s: float = 5.0,
    ) -> None:
        self.rate = rate
        self.gain = gain
        self.blocksize = rate * block_ms // 1000
        self.reference = SampleRing(rate * 8)
        self.times = CallbackTimes()
        self._queue = SampleRing(int(rate * queue_seconds))
        self._chunk = rate // 2
        # written by the caller's thread only
        self._stopped = False
        self._stop_count = 0
        self._drop_until = 0
        self._played_base = 0
        self._closed = False
        # written by the callback only
        self._stops_seen = 0
        self._silent_at: int | None = None
        self._played_total = 0

        sd = sounddevice()
        index = pick_device(device, "output")
        try:
            self._stream: Any = sd.OutputStream(
                device=index, samplerate=rate, channels=1, dtype="int16", blocksize=self.blocksize,
                latency=latency_ms / 1000, callback=self._callback,
            )  # fmt: skip
        except (sd.PortAudioError, ValueError) as err:
            raise audio_error(err, "output", device) from err
        stream_opened(self._stream)
        try:
            self._stream.start()
            self._wait_running(start_timeout_s)
        except (sd.PortAudioError, AudioError) as err:
            self.close()
            if isinstance(err, AudioError):
                raise
            raise audio_error(err, "output", device) from err

    def _wait_running(self, timeout_s: float) -> None:
        """Return once the device consumes blocks, not just the ones that prefill its buffer
        (a sound server may sit on those for a second or two before starting)."""
        prefill = math.ceil(self._stream.latency * self.rate / self.blocksize) + 1
        deadline = time.monotonic() + timeout_s
        while self.times.count <= prefill + 1:
            if time.monotonic() > deadline:
                self.close()
                raise AudioError(
                    f"The speaker opened but took no audio within {timeout_s:g} s; check that it is "
                    "not suspended or held by another program, then run `pam devices`."
                )
            time.sleep(0.005)

    def play(self, samples: Int16Audio, sample_rate: int) -> None:
        """Queue audio. Waits only if over ``queue_seconds`` of audio is already waiting."""
        if self._stopped:
            return
        audio = resample(samples, sample_rate, self.rate, self.gain)
        for offset in range(0, len(audio), self._chunk):
            part = audio[offset : offset + self._chunk]
            while self._queue.capacity - self._queue.available() < len(part) and not self._cut_off():
                time.sleep(0.01)
            if self._cut_off():
                return
            self._queue.write(part)

    def _cut_off(self) -> bool:
        return self._stopped or self._closed

    def begin(self) -> None:
        self._played_base = self._played_total
        self._stopped = False

    def stop(self) -> None:
        self._stopped = True
        self._drop_until = self._queue.write_pos
        self._stop_count += 1

    @property
    def busy(self) -> bool:
        return not self._stopped and self._queue.available() > 0

    def played_ms(self) -> int:
        return (self._played_total - self._played_base) * 1000 // self.rate

    def silent_at(self) -> int | None:
        return self._silent_at

    @property
    def output_pos(self) -> int:
        return self.reference.write_pos

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        start_ns = time.perf_counter_ns()
        out = outdata[:, 0]
        stops = self._stop_count
        if stops != self._stops_seen:
            self._stops_seen = stops
            self._silent_at = self.reference.write_pos
            self._queue.skip_to(self._drop_until)
        if self._stopped:
            self._queue.skip_to(self._queue.write_pos)
        n = min(self._queue.available(), frames)
        if n:
            self._queue.read_into(out[:n])
        out[n:] = 0
        self._played_total += n
        self.reference.write(out)
        self.times.record(start_ns, time.perf_counter_ns(), status.output_underflow)

    def close(self) -> None:
        self._closed = True
        self._stream.close()
        stream_closed(self._stream)


class FilePlayer:
    """The same protocol, "playing" instantly into memory (``pam talk --out`` and tests)."""

    def __init__(self, rate: int = 16_000) -> None:
        self.rate = rate
        self._chunks: list[Int16Audio] = []
        self._stopped = False
        self._played_base = 0
        self._silent_at: int | None = None
        self._pos = 0

    def play(self, samples: Int16Audio, sample_rate: int) -> None:
        if self._stopped:
            return
        audio = resample(samples, sample_rate, self.rate)
        self._chunks.append(audio)
        self._pos += len(audio)

    def begin(self) -> None:
        self._played_base = self._pos
        self._stopped = False

    def stop(self) -> None:
        self._stopped = True
        self._silent_at = self._pos

    @property
    def busy(self) -> bool:
        return False

    def played_ms(self) -> int:
        return (self._pos - self._played_base) * 1000 // self.rate

    def silent_at(self) -> int | None:
        return self._silent_at

    @property
    def output_pos(self) -> int:
        return self._pos

    def audio(self) -> Int16Audio:
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)

    def write(self, path: str | Path) -> None:
        write_wav(path, self.audio(), self.rate)

    def close(self) -> None:
        pass
