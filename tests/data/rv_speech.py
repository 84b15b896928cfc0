"""Spoken RV questions and commands, synthesised at test time, and the word error rate of a transcript.

The voices here were never used to choose PAM's speech settings (the vocabulary prompt, beam size):
they are held out, so the measured error rate says something about voices PAM was not tuned on.
Synthetic voices are not people: the rate is a regression guard, not a promise for real speakers.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass

import numpy as np
import soundfile
from scipy.signal import resample_poly

from pam.engines.base import Int16Audio
from pam.engines.local.normalize import normalize_numbers

SAMPLE_RATE = 16_000
PAD_S = 0.3  # the listener hands over a little silence around the speech

UTTERANCES = (
    "How much propane is left in the tank?",
    "Find a dump station near Moab.",
    "Add forty dollars for diesel to my expenses.",
    "Remind me to check the tire pressure tomorrow morning.",
    "Is there a campground with full hookups nearby?",
    "How far is it to Yellowstone from here?",
    "What is the weather going to be like tonight?",
    "Turn off the water pump.",
    "How long can I run the generator?",
    "Log twelve gallons of fresh water.",
    "Which RV parks allow pets?",
    "Set a reminder to empty the grey tank.",
)
# espeak-ng accents and variants; none of them was used while tuning PAM's recogniser
HELD_OUT_VOICES = ("en-gb-scotland+m3", "en-029+m2", "en-us-nyc+f4", "en-gb-x-rp+m7")
# the voices the beam size and vocabulary prompt were chosen on
TUNING_VOICES = ("en-us", "en-us+m3", "en-gb+f2")
WORDS_PER_MINUTE = (150, 165, 175)
SPELLINGS = {"gray": "grey", "tyre": "tire", "okay": "ok"}  # one spelling is not a recognition error


@dataclass(frozen=True)
class Utterance:
    text: str
    voice: str
    audio: Int16Audio

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def espeak(text: str, voice: str, words_per_minute: int = 160) -> Int16Audio:
    """``text`` spoken by espeak-ng ``voice``, as 16 kHz int16 with a little silence on both sides."""
    wav = subprocess.run(
        ["espeak-ng", "--stdout", "-v", voice, "-s", str(words_per_minute), "--", text],
        capture_output=True,
        check=True,
    ).stdout
    samples, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
    resampled = resample_poly(samples, SAMPLE_RATE, rate)
    pad = np.zeros(int(PAD_S * SAMPLE_RATE), dtype=np.float32)
    speech = np.concatenate([pad, resampled, pad])
    return np.asarray(np.clip(speech * 32767, -32768, 32767), dtype=np.int16)


def utterance_set(voices: tuple[str, ...] = HELD_OUT_VOICES) -> list[Utterance]:
    """Every utterance once, voices and speaking rates taking turns."""
    out = []
    for i, text in enumerate(UTTERANCES):
        voice = voices[i % len(voices)]
        out.append(Utterance(text, voice, espeak(text, voice, WORDS_PER_MINUTE[i % len(WORDS_PER_MINUTE)])))
    return out


def words(text: str) -> list[str]:
    """Words for scoring: numbers in one form ("$40" = "forty dollars"), no case, no punctuation."""
    text = normalize_numbers(text).lower().replace("-", " ")
    text = re.sub(r"(?<=\d),(?=\d)", "", text)
    found = re.findall(r"[a-z0-9.']+", text.replace(". ", " ").rstrip("."))
    return [SPELLINGS.get(w, w) for w in found]


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1]


def word_error_rate(references: list[str], hypotheses: list[str]) -> float:
    """Word errors (substitutions + insertions + deletions) over all reference words."""
    errors = sum(edit_distance(words(r), words(h)) for r, h in zip(references, hypotheses, strict=True))
    return errors / max(1, sum(len(words(r)) for r in references))
