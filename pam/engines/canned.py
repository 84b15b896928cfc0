"""The minimal built-in engine: acknowledges the user with espeak-ng, so the whole loop runs
before (or without) the real brains. It understands nothing; its transcript stays empty."""

from __future__ import annotations

import io
import shutil
import subprocess
import threading

import numpy as np
import soundfile as sf

from pam.engines.base import (
    AudioChunk,
    EngineDone,
    EngineFailed,
    EventSink,
    Int16Audio,
    TextDelta,
    UserInput,
)

ACKNOWLEDGEMENT = "Okay, I heard you."


def espeak(text: str, voice: str = "en-us", words_per_minute: int = 175) -> tuple[Int16Audio, int]:
    """Speak ``text`` with espeak-ng; returns (int16 samples, sample rate). Raises OSError if it fails."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise OSError("espeak-ng is not installed")
    proc = subprocess.run(
        [exe, "-v", voice, "-s", str(words_per_minute), "--stdout", text],
        capture_output=True,
        timeout=10,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout:
        raise OSError(f"espeak-ng failed: {proc.stderr.decode(errors='replace').strip()}")
    samples, rate = sf.read(io.BytesIO(proc.stdout), dtype="int16")
    return np.ascontiguousarray(samples), int(rate)


class _CannedTurn:
    def __init__(self) -> None:
        self.cancelled = threading.Event()

    def cancel(self, played_ms: int | None = None) -> None:
        self.cancelled.set()

    def commit(self) -> None:
        pass  # it says the same thing either way


class CannedEngine:
    name = "canned"

    def __init__(self, reply: str = ACKNOWLEDGEMENT, chunk_ms: int = 200) -> None:
        self.reply = reply
        self.chunk_ms = chunk_ms

    def respond(self, user: UserInput, emit: EventSink) -> _CannedTurn:
        turn = _CannedTurn()
        threading.Thread(target=self._speak, args=(user, emit, turn), name="pam-canned", daemon=True).start()
        return turn

    def _speak(self, user: UserInput, emit: EventSink, turn: _CannedTurn) -> None:
        reply = user.say or self.reply
        try:
            samples, rate = espeak(reply)
        except (OSError, subprocess.TimeoutExpired) as err:
            emit(EngineFailed(user.turn_id, f"PAM could not speak ({err}); install espeak-ng."))
            return
        emit(TextDelta(user.turn_id, reply))
        step = rate * self.chunk_ms // 1000
        for start in range(0, len(samples), step):
            if turn.cancelled.is_set():
                return
            emit(AudioChunk(user.turn_id, samples[start : start + step], rate))
        emit(EngineDone(user.turn_id))

    def wait_ready(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        pass
