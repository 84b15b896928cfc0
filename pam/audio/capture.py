"""The microphone: a PortAudio input stream whose callback only copies each block into a ring."""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

from pam.audio.devices import audio_error, pick_device, sounddevice, stream_closed, stream_opened
from pam.audio.ring import SampleRing
from pam.audio.timing import CallbackTimes
from pam.errors import AudioError


@dataclass(frozen=True)
class CaptureStats:
    callbacks: int
    overflows: int
    callback_us_p50: int
    callback_us_p95: int
    callback_us_p99: int
    callback_us_max: int


class MicCapture:
    """Records 16-bit mono from ``device`` (a name substring; "" = system default) into ``ring``.

    The ring's ``write_pos`` is the capture sample clock: the index of the next sample."""

    def __init__(self, ring: SampleRing, device: str = "", rate: int = 16_000, block_ms: int = 20) -> None:
        self.ring = ring
        self.device = device
        self.rate = rate
        self.blocksize = rate * block_ms // 1000
        self.times = CallbackTimes()
        self._stream: Any = None

    def start(self, timeout_s: float = 5.0) -> MicCapture:
        """Open the stream and return once the first block has arrived (that can take seconds)."""
        sd = sounddevice()
        index = pick_device(self.device, "input")
        try:
            self._stream = sd.InputStream(
                device=index, samplerate=self.rate, channels=1, dtype="int16",
                blocksize=self.blocksize, callback=self._callback,
            )  # fmt: skip
            stream_opened(self._stream)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as err:
            self.stop()
            raise audio_error(err, "input", self.device) from err
        deadline = time.monotonic() + timeout_s
        while self.times.count == 0:
            if time.monotonic() > deadline:
                self.stop()
                raise AudioError(
                    f"The microphone opened but sent no audio within {timeout_s:g} s; check that it "
                    "is not muted or suspended, then run `pam devices`."
                )
            time.sleep(0.005)
        return self

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        start = time.perf_counter_ns()
        self.ring.write(indata[:, 0])
        self.times.record(start, time.perf_counter_ns(), status.input_overflow)

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
            stream_closed(stream)

    def stats(self) -> CaptureStats:
        us = self.times.durations_us()
        p50, p95, p99 = (int(v) for v in np.percentile(us, [50, 95, 99])) if us.size else (0, 0, 0)
        return CaptureStats(
            callbacks=self.times.count,
            overflows=self.times.xruns,
            callback_us_p50=p50,
            callback_us_p95=p95,
            callback_us_p99=p99,
            callback_us_max=int(us.max()) if us.size else 0,
        )

    def __enter__(self) -> MicCapture:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
