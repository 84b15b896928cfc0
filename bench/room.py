"""PAM live on a private PulseAudio "room", measured on one sample clock.

PAM plays into the null sink ``speaker`` (the room). The user's voice is played into the same
sink, and a loopback carries the room to the virtual microphone, as air would, ``ECHO_DB``
quieter (a microphone some way from both; the two voices reach it at the same level). Recording
``speaker.monitor`` therefore holds the user and PAM mixed by the sound server on one clock:
knowing the user's clip, its position is found by cross-correlation and subtracting it leaves
PAM's output alone, so onsets, ends and silences are read in samples, not wall time.
"""

from __future__ import annotations

import os
import queue
import subprocess
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np
from scipy import signal

from pam import app
from pam.audio import devices
from pam.audio.testing_pulse import PrivatePulse, Recording
from pam.config import Config
from pam.engines.base import Engine, Int16Audio

RATE = 16_000
ECHO_DB = -10.0
ACTIVE = 400  # |sample| above this is sound (int16); the room is digital silence otherwise


def active_span(audio: Int16Audio, threshold: int = ACTIVE) -> tuple[int, int]:
    """First and one-past-last sample louder than ``threshold`` (0, 0 if none)."""
    loud = np.flatnonzero(np.abs(audio.astype(np.int32)) > threshold)
    return (int(loud[0]), int(loud[-1]) + 1) if len(loud) else (0, 0)


def locate(recording: Int16Audio, clip: Int16Audio) -> int:
    """Where ``clip`` starts inside ``recording`` (best cross-correlation lag)."""
    corr = signal.correlate(recording.astype(np.float64), clip.astype(np.float64), mode="valid", method="fft")
    return int(np.argmax(corr))


def without(recording: Int16Audio, clip: Int16Audio, at: int) -> Int16Audio:
    """The recording with ``clip`` (placed at ``at``) taken out: what PAM played."""
    rest = recording.astype(np.int32)
    end = min(len(rest), at + len(clip))
    rest[at:end] -= clip[: end - at].astype(np.int32)
    return np.clip(rest, -32768, 32767).astype(np.int16)


def silent_from(audio: Int16Audio, start: int, quiet_samples: int = RATE // 5) -> int:
    """Samples from ``start`` until ``audio`` goes quiet for ``quiet_samples`` (200 ms: longer
    than the gaps between words); the length of the rest if it never does."""
    loud = np.abs(audio[start:].astype(np.int32)) > ACTIVE
    last_loud = -1
    for index in np.flatnonzero(loud):
        if index - last_loud > quiet_samples:
            return last_loud + 1
        last_loud = int(index)
    return last_loud + 1 if len(loud) - last_loud > quiet_samples else len(loud)


@dataclass(frozen=True)
class Placed:
    """The user's clip found in a recording, and PAM's output with the clip removed."""

    speech_start: int  # first loud sample of the user's speech
    speech_end: int  # one past its last loud sample
    pam: Int16Audio


def place(recording: Int16Audio, clip: Int16Audio) -> Placed:
    at = locate(recording, clip)
    first, last = active_span(clip)
    return Placed(at + first, at + last, without(recording, clip, at))


class Room:
    def __init__(self, config: Config, engine: Engine | None = None, echo: bool = True) -> None:
        self.config = config
        self.engine = engine
        self.echo = echo
        self.pulse = PrivatePulse()
        self.events: queue.Queue[Any] = queue.Queue()
        self._saved_server = os.environ.get("PULSE_SERVER")

    def __enter__(self) -> Room:
        self.pulse.start()
        if self.echo:
            self.pulse.loopback(True, gain_db=ECHO_DB)
        os.environ["PULSE_SERVER"] = self.pulse.server
        devices.rescan()
        self.pam = app.build_live(self.config, engine=self.engine)
        self.pam.controller.subscribe(self.events.put)
        self.pam.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.pam.stop()
        finally:
            self.pulse.stop()
            if self._saved_server is None:
                os.environ.pop("PULSE_SERVER", None)
            else:
                os.environ["PULSE_SERVER"] = self._saved_server
            devices.rescan()

    def say(self, clip: Int16Audio) -> subprocess.Popen[bytes]:
        """Play the user's voice into the room (heard by the mic through the loopback, or fed
        straight into the mic when the room has no echo path)."""
        return self.pulse.feed(clip, sink="speaker" if self.echo else "mic_feed")

    def record(self) -> Recording:
        return self.pulse.record_speaker()

    def wait_for(self, kind: type | tuple[type, ...], timeout: float = 30.0, where: Any = None) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {kind} within {timeout} s")
            try:
                item = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if isinstance(item, kind) and (where is None or where(item)):
                return item

    def drain(self) -> None:
        while not self.events.empty():
            self.events.get_nowait()
