"""Turns per-frame voiced flags into utterance decisions. Pure: no audio, no clock, only sample numbers.

Rules (all lengths from ``ListenConfig``, frames are 20 ms):

* Onset: a run of ``speech_start_ms`` worth of voiced frames (``barge_in_ms`` while PAM's own
  voice may be in the mic, where a burst of echo the canceller missed must not pass for the
  user), in which one isolated unvoiced
  frame is tolerated (VAD drops single frames inside real syllables). Shorter voiced runs are
  noise blips: they neither start an utterance nor keep one alive. The utterance's audio starts
  ``preroll_ms`` before the run, but never before the previous utterance ended.
* Silence is counted from the end of the last frame of a confirmed run. At ``speculate_ms`` a
  ``Pause`` is reported (once; held back while a voiced run is forming on the current frame),
  at ``commit_ms`` the utterance ``End``s. A confirmed run after a ``Pause`` is reported as
  ``Resume``; before it, nothing needs saying.
* An utterance that reaches ``max_utterance_s`` from its onset is ended on that frame (``forced``);
  speech that goes on starts a new utterance by the onset rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pam.config import ListenConfig
from pam.listen.events import SAMPLE_RATE

FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000


@dataclass(frozen=True)
class Onset:
    sample: int
    """first sample of the voiced run that confirmed speech"""
    start_sample: int
    """where the utterance's audio starts (pre-roll included)"""


@dataclass(frozen=True)
class Pause:
    sample: int
    """end of the last voiced frame; the utterance so far is ``start_sample:sample``"""
    start_sample: int


@dataclass(frozen=True)
class Resume:
    sample: int
    """first sample of the voiced run that ended the pause"""


@dataclass(frozen=True)
class End:
    sample: int
    """end of the last voiced frame (or of the frame that hit the length limit)"""
    start_sample: int
    forced: bool = False


Decision = Onset | Pause | Resume | End


def _samples(ms: float) -> int:
    return round(ms * SAMPLE_RATE / 1000)


@dataclass
class _Run:
    """A voiced run being watched: where it began, how many voiced frames, whether its gap is used."""

    start: int
    voiced: int = 1
    gap_used: bool = False
    last_voiced: bool = True
    confirmed: bool = False


class Endpointer:
    def __init__(self, config: ListenConfig) -> None:
        self.start_frames = max(1, -(-config.speech_start_ms // FRAME_MS))
        self.barge_in_frames = max(self.start_frames, -(-config.barge_in_ms // FRAME_MS))
        self.speculate = _samples(config.speculate_ms)
        self.commit = _samples(config.commit_ms)
        self.preroll = _samples(config.preroll_ms)
        self.max_length = _samples(config.max_utterance_s * 1000)
        self._run: _Run | None = None
        self._onset: int | None = None
        self._start = 0
        self._last_voiced_end = 0
        self._paused = False
        self._previous_end = 0

    @property
    def in_utterance(self) -> bool:
        return self._onset is not None

    def step(self, start_sample: int, voiced: bool, echo: bool = False) -> Decision | None:
        """Feed one 20 ms frame starting at ``start_sample``; ``echo`` says PAM was playing, so
        speech needs the longer ``barge_in_ms`` run to start. Returns what it decided, if anything."""
        end_sample = start_sample + FRAME_SAMPLES
        confirmed_now = self._track_run(start_sample, voiced, self.barge_in_frames if echo else self.start_frames)
        if confirmed_now is not None:
            if self._onset is None:
                return self._begin(confirmed_now, end_sample)
            self._last_voiced_end = end_sample
            if self._paused:
                self._paused = False
                return Resume(confirmed_now)
        elif voiced and self._run is not None and self._run.confirmed and self._onset is not None:
            self._last_voiced_end = end_sample
        if self._onset is None:
            return None
        if self._last_voiced_end - self._onset >= self.max_length:
            self._run = None
            return self._finish(self._last_voiced_end, forced=True)
        silence = end_sample - self._last_voiced_end
        if silence == 0:
            return None
        if silence >= self.commit:
            return self._finish(self._last_voiced_end, forced=False)
        # a voiced run that is still forming probably ends the gap: starting speculative work
        # only to cancel it a frame or two later is waste
        forming = self._run is not None and not self._run.confirmed and self._run.last_voiced
        if silence >= self.speculate and not self._paused and not forming:
            self._paused = True
            return Pause(self._last_voiced_end, self._start)
        return None

    def _track_run(self, start_sample: int, voiced: bool, needed: int) -> int | None:
        """Update the watched run; return its start on the frame where it becomes confirmed speech."""
        run = self._run
        if voiced:
            if run is None:
                run = self._run = _Run(start_sample)
            elif not run.confirmed:
                run.voiced += 1
            run.last_voiced = True
            if not run.confirmed and run.voiced >= needed:
                run.confirmed = True
                return run.start
            return None
        if run is not None:
            # a confirmed run ends at its first silent frame; an unconfirmed one may skip one frame
            if run.confirmed or run.gap_used or not run.last_voiced:
                self._run = None
            else:
                run.gap_used = True
                run.last_voiced = False
        return None

    def _begin(self, onset: int, end_sample: int) -> Onset:
        self._onset = onset
        self._start = max(onset - self.preroll, self._previous_end, 0)
        self._last_voiced_end = end_sample
        self._paused = False
        return Onset(onset, self._start)

    def _finish(self, end: int, forced: bool) -> End:
        decision = End(end, self._start, forced)
        self._onset = None
        self._paused = False
        self._previous_end = end
        return decision


def decide(flags: Iterable[bool], config: ListenConfig, first_sample: int = 0) -> list[tuple[int, Decision]]:
    """Run a fresh endpointer over consecutive frames; returns (frame index, decision) pairs."""
    endpointer = Endpointer(config)
    out = []
    for index, voiced in enumerate(flags):
        decision = endpointer.step(first_sample + index * FRAME_SAMPLES, voiced)
        if decision is not None:
            out.append((index, decision))
    return out
