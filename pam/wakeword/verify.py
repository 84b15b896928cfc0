"""Second-stage check of a wake word detection: Whisper tiny.en transcribes the buffered audio and
the detection stands only if the transcript contains the name.

Whisper is primed with the prompt "Hey Pam." Without it, tiny.en rarely writes the name for unusual
voices (2 of 12 held-out synthetic voices); with it, it hears the name in every clear "hey pam" but
also in some of the near misses ("hey pan" → "Hey Pam"; about a quarter of those the first stage
accepted, see ``WINDOW_FRAMES``). So this stage mainly removes false accepts on ordinary speech and
noise; near misses it only thins out.

Whisper is run below faster-whisper's ``transcribe`` (which always pads the encoder input to 30 s):
the encoder sees a 10 s window, and one greedy decode of at most 12 tokens follows. It still runs only
after the first stage fired, never per chunk, and never on the audio thread.
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
HOP = 160
WINDOW_FRAMES = 1000
"""the encoder sees 10 s instead of Whisper's usual 30 s. Measured on the development set (training
voices): 30 s confirms 77 % of the detected phrases, 52 % of near misses, 3.9 % of false accepts in
~355 ms; 10 s: 59 %, 23 %, 2.0 % in ~88 ms; 5 s: 53 %, 14 %, 1.0 % in ~45 ms. Shorter windows hear
robotic voices worse but reject more, and a check that fast keeps the wake word's latency low."""
MAX_TOKENS = 12
NO_SPEECH_PROB = 0.6
"""above this, Whisper's own no-speech estimate wins: primed with "Hey Pam.", it writes exactly that for
white noise or hum (no-speech probability 0.85-0.95 there, below 0.06 for spoken phrases). faster-whisper
uses the same 0.6."""


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
    """``Verifier().confirm(audio)`` → True if Whisper hears "pam" in ``audio`` (int16, 16 kHz; only its
    last ~10 s are heard, the listener passes 2 s)."""

    def __init__(
        self,
        assets: Assets | None = None,
        threads: int = 2,
        names: Iterable[str] = NAMES,
        prompt: str | None = PROMPT,
    ) -> None:
        from faster_whisper import WhisperModel
        from faster_whisper.feature_extractor import FeatureExtractor
        from faster_whisper.tokenizer import Tokenizer

        path = (assets or Assets()).path("stt_tiny_en")
        try:
            # int8 is the fastest CPU type; str(): CTranslate2 rejects Path objects
            whisper: Any = WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads)
        except (RuntimeError, ValueError) as err:
            raise ModelError(f"Cannot load the speech model at {path} ({err}); reinstall PAM's packages.") from err
        self._model: Any = whisper.model
        self._mels = FeatureExtractor(feature_size=whisper.feature_extractor.mel_filters.shape[0])
        self._tokens = Tokenizer(whisper.hf_tokenizer, multilingual=False, task="transcribe", language="en")
        self.names = frozenset(names)
        self.prompt = prompt
        # the decoder prompt faster-whisper builds for ``initial_prompt`` with timestamps off
        primer = [self._tokens.sot_prev, *self._tokens.encode(f" {prompt.strip()}")] if prompt else []
        self._start = [*primer, *self._tokens.sot_sequence, self._tokens.no_timestamps]

    def check(self, audio: Int16Audio) -> Verdict:
        import ctranslate2

        start = time.perf_counter()
        x = np.asarray(audio[-(WINDOW_FRAMES - 1) * HOP :], dtype=np.float32) / 32768.0
        mel = self._mels(x)[:, :WINDOW_FRAMES]
        mel = np.pad(mel, ((0, 0), (0, WINDOW_FRAMES - mel.shape[1])))
        encoded = self._model.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None])))
        result = self._model.generate(
            encoded, [self._start], beam_size=1, max_length=len(self._start) + MAX_TOKENS, return_no_speech_prob=True
        )[0]
        heard = [t for t in result.sequences_ids[0] if t < self._tokens.eot]
        text = "" if result.no_speech_prob > NO_SPEECH_PROB else self._tokens.decode(heard).strip()
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
