"""How long the microphone callback takes, and whether blocks are lost, with the CPU under load."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any

from pam.audio.capture import MicCapture
from pam.audio.ring import SampleRing
from pam.audio.testing_pulse import PrivatePulse

HOW = """
A private PulseAudio daemon provides the virtual microphone (pam/audio/testing_pulse.py). PAM's
`MicCapture` records from it at 16 kHz mono in 20 ms blocks (blocksize 320) while two CPU-hog
processes (`while True: pass`) keep both cores busy and a reader thread drains the ring as the
listener would. The callback times itself with `time.perf_counter_ns()` into a preallocated
array; `callback_us` is the distribution of those durations, `overflows` counts the blocks
PortAudio flagged as input overflow. Default run: 600 s (`--quick`: 60 s).
"""


def _drain(ring: SampleRing, stop: threading.Event) -> None:
    while not stop.is_set():
        if ring.read(320) is None:
            time.sleep(0.005)


def run(seconds: float = 600.0, quick: bool = False) -> dict[str, Any]:
    seconds = min(seconds, 60.0) if quick else seconds
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    stop = threading.Event()
    try:
        with PrivatePulse(), MicCapture(SampleRing(16_000 * 8)) as capture:
            reader = threading.Thread(target=_drain, args=(capture.ring, stop), daemon=True)
            reader.start()
            time.sleep(seconds)
            stop.set()
            reader.join()
            stats = capture.stats()
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    return {
        "callback_us": {
            "p50": stats.callback_us_p50,
            "p95": stats.callback_us_p95,
            "p99": stats.callback_us_p99,
            "n": stats.callbacks,
        },
        "overflows": stats.overflows,
    }


if __name__ == "__main__":
    print(run(float(sys.argv[1]) if len(sys.argv) > 1 else 600.0))
