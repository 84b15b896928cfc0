"""Second-stage check of a wake word detection: Whisper tiny.en transcribes the buffered audio and
the detection stands only if the transcript contains the name.

Whisper is primed with the prompt "Hey Pam." Without it, tiny.en rarely writes the name for unusual
voices (2 of 12 held-out synthetic voices); with it, it hears the name in every clear "hey pam" but
also in about half of the near misses ("hey pan" → "Hey Pam"). So this stage mainly removes false
accepts on ordinary speech and noise, and the first stage has to reject near misses itself.

Costs one Whisper pass (the encoder always sees 30 s, so the clip length barely matters), so it runs
only after the first stage fired, never per chunk, and never on the audio thread.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from pam.assets import Assets
from pam.config import WakeConfig
from pam.engines.base import Int16Audio
from pam.errors import ModelError
from pam.listen.events import WAKE_AUDIO_S
from pam.listen.wakeword import wake_phrase

RATE = 16_000
NAMES = ("pam", "pams")
"""transcript words that confirm the wake word ("Pam's" normalises to "pams")"""
PROMPT = "Hey Pam."


@dataclass(frozen=True)
class Verdict:
    confirmed: bool
    text: str
    seconds: float


class Checker(Protocol):
    def check(self, audio: Int16Audio) -> Verdict: ...


def normalise(text: str) -> list[str]:
    return re.sub(r"[^a-z ]", "", text.lower().replace("-", " ")).split()


class Verifier:
    """``Verifier().confirm(audio)`` → True if Whisper hears "pam" in ``audio`` (int16, 16 kHz)."""

    def __init__(
        self,
        assets: Assets | None = None,
        threads: int = 2,
        names: Iterable[str] = NAMES,
        prompt: str | None = PROMPT,
    ) -> None:
        from faster_whisper import WhisperModel

        path = (assets or Assets()).path("stt_tiny_en")
        try:
            # int8 is the fastest CPU type; str(): CTranslate2 rejects Path objects
            self._model: Any = WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads)
        except (RuntimeError, ValueError) as err:
            raise ModelError(f"Cannot load the speech model at {path} ({err}); reinstall PAM's packages.") from err
        self.names = frozenset(names)
        self.prompt = prompt

    def check(self, audio: Int16Audio) -> Verdict:
        start = time.perf_counter()
        x = np.asarray(audio, dtype=np.float32) / 32768.0
        segments, _ = self._model.transcribe(
            x, language="en", beam_size=1, temperature=0.0, without_timestamps=True,
            condition_on_previous_text=False, vad_filter=False, max_new_tokens=12, initial_prompt=self.prompt,
        )  # fmt: skip
        text = " ".join(s.text.strip() for s in segments)
        confirmed = any(w in self.names for w in normalise(text))
        return Verdict(confirmed, text, time.perf_counter() - start)

    def confirm(self, audio: Int16Audio) -> bool:
        return self.check(audio).confirmed


def buffered(audio: Int16Audio, detection_sample: int, seconds: float = WAKE_AUDIO_S) -> Int16Audio:
    """The audio a listener would hand to ``confirm``: the last ``seconds`` before the detection."""
    return audio[max(0, detection_sample - int(seconds * RATE)) : detection_sample]


def checker_for(config: WakeConfig, assets: Assets | None = None) -> Verifier | None:
    """The second stage ``[wake] verify`` asks for, loaded (about a second), or None. It listens for
    the last word of the wake phrase ("pam" for hey_pam, "jarvis" for hey_jarvis)."""
    if not (config.enabled and config.verify):
        return None
    phrase = wake_phrase(config.model)
    name = phrase.split()[-1].lower() if phrase else "pam"
    return Verifier(assets, names=(name, f"{name}s"), prompt=f"{phrase.title()}.")
