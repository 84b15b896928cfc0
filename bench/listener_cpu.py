"""CPU the always-on listener costs while nobody speaks: the level gate, WebRTC VAD, endpointer and
openWakeWord, run by the real ListenerThread on a ring fed at real-time pace."""

from __future__ import annotations

import time

import numpy as np
import psutil
from scipy.signal import lfilter

from pam.audio.files import FileSource
from pam.audio.ring import SampleRing
from pam.config import Config
from pam.engines.base import Int16Audio
from pam.listen.events import SAMPLE_RATE, ListenEvent, Tick
from pam.listen.listener import Listener, ListenerThread
from pam.listen.wakeword import WakeWordDetector

HOW = """
`listener_cpu_pct`: the listener (level gate, WebRTC VAD, endpointer, openWakeWord with the
configured model, ONNX single-threaded) on its own `ListenerThread`, reading 20 ms frames from a
`SampleRing` that a `FileSource` fills at real-time pace with synthetic room noise (pink-ish noise
at about -50 dBFS plus a faint 60 Hz hum; no speech). The figure is the listener thread's own CPU
time (user + system, from psutil's per-thread counters) per wall-clock second, in % of one core,
after 2 s of warm-up. Model loading is not counted.
"""

WARM_UP_S = 2.0


def room_noise(seconds: float, seed: int = 11) -> Int16Audio:
    """Quiet room: 1/f-ish noise (white noise through a one-pole low-pass) and mains hum."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    rumble = lfilter([1.0], [1.0, -0.95], rng.standard_normal(n))
    t = np.arange(n) / SAMPLE_RATE
    audio = rumble / rumble.std() * 100 + 20 * np.sin(2 * np.pi * 60 * t)
    return audio.astype(np.int16)


def _thread_cpu_s(native_id: int) -> float:
    for thread in psutil.Process().threads():
        if thread.id == native_id:
            return float(thread.user_time + thread.system_time)
    raise RuntimeError("the listener thread is not running")


def run(seconds: float | None = None, quick: bool = False) -> dict[str, float]:
    seconds = seconds or (10.0 if quick else 60.0)
    config = Config()
    listener = Listener(config, WakeWordDetector.from_config(config.wake))
    ring = SampleRing(SAMPLE_RATE * 2)
    heard: list[ListenEvent] = []
    thread = ListenerThread(ring, listener, heard.append).start()
    native_id = thread.native_id
    with FileSource(ring, room_noise(WARM_UP_S + seconds), realtime=True, tail_silence_ms=0):
        time.sleep(WARM_UP_S)
        cpu0, wall0 = _thread_cpu_s(native_id), time.monotonic()
        time.sleep(seconds)
        cpu1, wall1 = _thread_cpu_s(native_id), time.monotonic()
    thread.stop()
    if thread.error is not None:
        raise thread.error
    speech = [e for e in heard if not isinstance(e, Tick)]
    if speech:
        raise RuntimeError(f"the listener heard something in room noise: {speech[:3]}")
    return {"listener_cpu_pct": round(100.0 * (cpu1 - cpu0) / (wall1 - wall0), 2)}


if __name__ == "__main__":
    print(run())
