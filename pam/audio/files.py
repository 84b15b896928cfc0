"""Audio files in and out, and a source that feeds a file into a ring as if a microphone spoke it."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import TracebackType

import numpy as np
import soundfile as sf

from pam.audio.convert import resample, to_int16
from pam.audio.ring import SampleRing
from pam.engines.base import Int16Audio
from pam.errors import InputFileError, PamError

RATE = 16_000


def read_audio(path: str | Path) -> Int16Audio:
    """Any audio file soundfile reads, as 16 kHz mono int16."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"Audio file {path} does not exist; check the path.")
    try:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as err:
        raise InputFileError(f"Cannot read {path} as audio ({_reason(err)}); use a WAV, FLAC or OGG file.") from err
    if data.size == 0:
        raise InputFileError(f"Audio file {path} contains no audio; record it again.")
    return resample(to_int16(data.mean(axis=1)), int(rate), RATE)


def write_wav(path: str | Path, samples: Int16Audio, rate: int = RATE) -> None:
    """Write mono int16 samples as a 16-bit PCM WAV file."""
    path = Path(path)
    if not path.parent.is_dir():
        raise PamError(f"Cannot write {path}: the folder {path.parent} does not exist; create it or pick another.")
    try:
        sf.write(path, np.asarray(samples, dtype=np.int16), rate, subtype="PCM_16", format="WAV")
    except (sf.LibsndfileError, RuntimeError, OSError) as err:
        raise PamError(f"Cannot write {path} ({_reason(err)}); check that you may write there.") from err


def _reason(err: Exception) -> str:
    """libsndfile's own words, without the path it repeats or a closing full stop."""
    text = getattr(err, "error_string", None) or getattr(err, "strerror", None) or str(err)
    return str(text).strip().rstrip(".").lower()


class FileSource:
    """Pushes samples into ``ring`` in 20 ms blocks on a thread, then ``tail_silence_ms`` of zeros,
    so listener code written for the microphone runs unchanged on a file.

    ``realtime=True`` paces blocks at the wall clock (for demos and end-to-end timing); otherwise
    blocks go as fast as the reader keeps up, never lapping it."""

    def __init__(
        self, ring: SampleRing, samples: Int16Audio, realtime: bool = False, tail_silence_ms: int = 1000
    ) -> None:
        self.block = RATE // 50
        if ring.capacity < 2 * self.block:
            raise ValueError("the ring must hold at least two 20 ms blocks")
        tail = np.zeros(RATE * tail_silence_ms // 1000, dtype=np.int16)
        self._audio = np.concatenate([np.asarray(samples, dtype=np.int16), tail])
        self._ring = ring
        self._realtime = realtime
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pam-file-source", daemon=True)
        self.end_sample = ring.write_pos + len(self._audio)

    @property
    def done(self) -> bool:
        """True once every sample (tail included) is in the ring, or after ``stop()``."""
        return self._ring.write_pos >= self.end_sample or self._stop.is_set()

    def start(self) -> FileSource:
        self._thread.start()
        return self

    def wait(self, timeout_s: float | None = None) -> bool:
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        t0 = time.monotonic()
        room = self._ring.capacity - self.block
        for i, offset in enumerate(range(0, len(self._audio), self.block)):
            if self._realtime:
                delay = t0 + i * self.block / RATE - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
            else:
                while self._ring.available() > room:
                    if self._stop.wait(0.002):
                        return
            if self._stop.is_set():
                return
            self._ring.write(self._audio[offset : offset + self.block])

    def __enter__(self) -> FileSource:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
