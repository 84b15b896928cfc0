"""PAM's front end: 20 ms frames in, listener events out.

``Listener`` is single-threaded and clock-free (it only sees sample numbers), so the same object
runs on the microphone (``ListenerThread``, the consumer of the capture ring) and on a file
(``listen_file``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from pam.audio.aec import ReferenceTap
from pam.audio.files import read_audio
from pam.audio.ring import SampleRing
from pam.config import Config
from pam.engines.base import Int16Audio
from pam.listen.endpointer import FRAME_SAMPLES, Decision, End, Endpointer, Onset, Pause, Resume
from pam.listen.events import (
    SAMPLE_RATE,
    WAKE_AUDIO_S,
    ListenEvent,
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    Tick,
    WakeDetected,
)
from pam.listen.vad import DIGITAL_SILENCE_DB, LevelGate, Vad, frame_level_db
from pam.listen.wakeword import CHUNK_SAMPLES, Detection, WakeWordDetector

log = logging.getLogger(__name__)

TICK_SAMPLES = SAMPLE_RATE // 10
ECHO_TAIL_FRAMES = 15
"""PAM's voice is taken to be in the mic for 300 ms after the speaker last played something"""


class WakeDetector(Protocol):
    def process(self, chunk: Int16Audio) -> Detection | None: ...


class EchoCanceller(Protocol):
    def process(self, mic_frame: Int16Audio, reference: Int16Audio) -> Int16Audio: ...


class _History:
    """The most recent processed audio, addressed by capture sample number."""

    def __init__(self, capacity: int) -> None:
        self._buf = np.zeros(capacity, dtype=np.int16)
        self._end = 0

    def append(self, start: int, frame: Int16Audio) -> None:
        # samples the ring lost are kept as silence, so positions stay on the capture clock
        if start > self._end:
            self._write(self._end, np.zeros(min(start - self._end, len(self._buf)), dtype=np.int16))
        self._write(start, frame)
        self._end = start + len(frame)

    def _write(self, start: int, samples: Int16Audio) -> None:
        cap = len(self._buf)
        if len(samples) > cap:
            start, samples = start + len(samples) - cap, samples[-cap:]
        slot = start % cap
        first = min(len(samples), cap - slot)
        self._buf[slot : slot + first] = samples[:first]
        self._buf[: len(samples) - first] = samples[first:]

    def slice(self, start: int, end: int) -> tuple[int, Int16Audio]:
        """A copy of ``start:end`` (start clamped to the oldest sample kept) and its real start."""
        start = max(start, self._end - len(self._buf), 0)
        cap = len(self._buf)
        idx = np.arange(start, max(start, end)) % cap
        return start, self._buf[idx]


class Listener:
    """(echo canceller) → level gate + WebRTC VAD → endpointer, and the wake word every 80 ms."""

    def __init__(self, config: Config, wake: WakeDetector | None = None, echo: EchoCanceller | None = None) -> None:
        listen = config.listen
        self.vad = Vad(listen.vad_aggressiveness)
        self.gate = LevelGate()
        self._echo_frames_left = 0
        self.endpointer = Endpointer(listen)
        self.wake = wake
        self.echo = echo
        # an utterance's audio (pre-roll to last voiced frame) is sliced commit_ms after it ends
        keep_ms = listen.preroll_ms + listen.max_utterance_s * 1000 + listen.commit_ms + 1000
        self._history = _History(int(keep_ms * SAMPLE_RATE / 1000))
        self._chunk = np.zeros(CHUNK_SAMPLES, dtype=np.int16)
        self._chunk_fill = 0
        self._silence = np.zeros(FRAME_SAMPLES, dtype=np.int16)

    def process(self, start_sample: int, frame: Int16Audio, reference: Int16Audio | None = None) -> list[ListenEvent]:
        """One 20 ms frame captured at ``start_sample``; ``reference`` is what the speaker played
        meanwhile (used only with an echo canceller; silence if None)."""
        if self.echo is not None:
            frame = self.echo.process(frame, self._silence if reference is None else reference)
        if reference is not None and frame_level_db(reference) > DIGITAL_SILENCE_DB:
            self._echo_frames_left = ECHO_TAIL_FRAMES
        elif self._echo_frames_left:
            self._echo_frames_left -= 1
        end_sample = start_sample + FRAME_SAMPLES
        self._history.append(start_sample, frame)
        loud = self.gate.loud_enough(frame)
        # the VAD sees every frame, even quiet ones, because it adapts to the noise it hears
        voiced = self.vad.is_speech(frame) and loud
        events: list[ListenEvent] = []
        decision = self.endpointer.step(start_sample, voiced, echo=self._echo_frames_left > 0)
        if decision is not None:
            events.append(self._event(decision))
        if self.wake is not None:
            detection = self._feed_wake(frame)
            if detection is not None:
                _, heard = self._history.slice(end_sample - int(WAKE_AUDIO_S * SAMPLE_RATE), end_sample)
                events.append(WakeDetected(end_sample, detection.model, detection.score, heard))
        if end_sample // TICK_SAMPLES > start_sample // TICK_SAMPLES:
            events.append(Tick(end_sample))
        return events

    def _feed_wake(self, frame: Int16Audio) -> Detection | None:
        assert self.wake is not None
        self._chunk[self._chunk_fill : self._chunk_fill + FRAME_SAMPLES] = frame
        self._chunk_fill += FRAME_SAMPLES
        if self._chunk_fill < CHUNK_SAMPLES:
            return None
        self._chunk_fill = 0
        return self.wake.process(self._chunk)

    def _event(self, decision: Decision) -> ListenEvent:
        match decision:
            case Onset(sample=sample):
                return SpeechStarted(sample)
            case Resume(sample=sample):
                return SpeechResumed(sample)
            case Pause(sample=sample, start_sample=start):
                start, audio = self._history.slice(start, sample)
                return SpeechPaused(sample, start, audio)
            case End(sample=sample, start_sample=start):
                start, audio = self._history.slice(start, sample)
                return SpeechEnded(sample, start, audio)
        raise AssertionError(f"unknown decision {decision!r}")


class ListenerThread:
    """Reads 20 ms frames from the capture ring on its own thread and hands events to ``sink``."""

    def __init__(
        self,
        ring: SampleRing,
        listener: Listener,
        sink: Callable[[ListenEvent], None],
        reference_ring: SampleRing | None = None,
        reference_lead: int = 1280,
    ) -> None:
        self.ring = ring
        self.reference_lead = reference_lead
        # read afresh at every frame, so the app may swap in a rebuilt listener while running
        self.listener = listener
        self.sink = sink
        self._reference_ring: SampleRing | None = None
        self._reference: ReferenceTap | None = None
        self.reference_ring = reference_ring
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pam-listener", daemon=True)

    @property
    def reference_ring(self) -> SampleRing | None:
        """What the speaker played, for the echo canceller; may be set while running."""
        return self._reference_ring

    @reference_ring.setter
    def reference_ring(self, ring: SampleRing | None) -> None:
        self._reference_ring = ring
        self._reference = None if ring is None else ReferenceTap(ring, self.reference_lead)

    @property
    def lost_samples(self) -> int:
        """Samples the capture overwrote before this thread read them (it fell behind)."""
        return self.ring.lost_samples

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def native_id(self) -> int:
        """The OS thread id (for per-thread CPU accounting); only valid after ``start()``."""
        if self._thread.native_id is None:
            raise RuntimeError("the listener thread has not been started")
        return self._thread.native_id

    def start(self) -> ListenerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                item = self.ring.read(FRAME_SAMPLES)
                if item is None:
                    # sleep until about one frame is due; the audio callback is never waited on
                    missing = FRAME_SAMPLES - self.ring.available()
                    self._stop.wait(max(missing, FRAME_SAMPLES // 8) / SAMPLE_RATE)
                    continue
                start, frame = item
                tap = self._reference
                reference = tap.take(start, self.ring.write_pos, FRAME_SAMPLES) if tap is not None else None
                for event in self.listener.process(start, frame, reference):
                    self.sink(event)
        except Exception as err:
            # recorded for the app's health check; the thread ends rather than spin on a broken part
            self.error = err
            log.exception("the listener thread stopped")


def listen_samples(listener: Listener, samples: Int16Audio) -> Iterator[ListenEvent]:
    """All events for 16 kHz mono audio from sample 0, with ``commit_ms`` and a little more of
    silence appended (rounded up to whole wake word chunks) so speech running to the end of the
    audio is still ended."""
    tail = listener.endpointer.commit + SAMPLE_RATE // 5
    total = -(-(len(samples) + tail) // CHUNK_SAMPLES) * CHUNK_SAMPLES
    audio = np.zeros(total, dtype=np.int16)
    audio[: len(samples)] = samples
    for start in range(0, total, FRAME_SAMPLES):
        yield from listener.process(start, audio[start : start + FRAME_SAMPLES])


def listen_file(path: str | Path, config: Config, wake: WakeDetector | None = None) -> Iterator[ListenEvent]:
    """``listen_samples`` over an audio file (any format soundfile reads; raises InputFileError),
    with the configured wake word detector unless one is given."""
    samples = read_audio(path)
    if wake is None and config.wake.enabled:
        wake = WakeWordDetector.from_config(config.wake)
    return listen_samples(Listener(config, wake), samples)
