"""The offline voices that speak the training and test phrases: espeak-ng, flite and Piper.

Voices are split once, by name and by setting range, into a training pool and a held-out pool, so
the test rates are measured on voices the classifier never heard.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import soundfile as sf

from pam.assets import Assets
from pam.audio.convert import resample
from pam.engines.base import Int16Audio
from pam.errors import ModelError

RATE = 16_000
Split = Literal["train", "test"]

ESPEAK_ACCENTS = {
    "train": ("en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-us-nyc", "en-gb-x-gbclan",
              "de", "fr-fr", "es", "it", "nl", "pl", "pt-br", "hi"),
    "test": ("en-029", "en-gb-x-gbcwmd", "sv", "ru"),
}  # fmt: skip
_VARIANTS = sorted(
    [
        "adam",
        "Alex",
        "Alicia",
        "Andrea",
        "Andy",
        "Annie",
        "antonio",
        "aunty",
        "belinda",
        "benjamin",
        "boris",
        "caleb",
        "david",
        "Denis",
        "Diogo",
        "ed",
        "edward",
        "edward2",
        "Gene",
        "Gene2",
        "gustave",
        "announcer",
        "Henrique",
        "Hugo",
        "iven",
        "iven2",
        "iven3",
        "iven4",
        "Jacky",
        "john",
        "kaukovalta",
        "Lee",
        "linda",
        "marcelo",
        "Marco",
        "Mario",
        "max",
        "Michael",
        "michel",
        "miguel",
        "Mike",
        "Mr",
        "Nguyen",
        "pablo",
        "paul",
        "pedro",
        "quincy",
        "RicishayMax",
        "RicishayMax2",
        "RicishayMax3",
        "rob",
        "robert",
        "robosoft",
        "robosoft2",
        "robosoft3",
        "robosoft4",
        "steph",
        "steph2",
        "steph3",
        "Storm",
        "Tweaky",
        "zac",
        "anika",
        "AnxiousAndy",
        "f1",
        "f2",
        "f3",
        "f4",
        "f5",
        "whisperf",
        "grandpa",
        "klatt",
        "klatt2",
        "klatt3",
        "klatt4",
        "klatt5",
        "klatt6",
        "m1",
        "m2",
        "m3",
        "m4",
        "m5",
        "m6",
        "m7",
        "m8",
        "norbert",
        "sandro",
        "shelby",
        "travis",
        "victor",
        "whisper",
        "croak",
        "grandma",
    ],
    key=str.lower,
)
ESPEAK_VARIANTS = {"train": tuple(_VARIANTS[i] for i in range(len(_VARIANTS)) if i % 4 != 3),
                   "test": tuple(_VARIANTS[i] for i in range(len(_VARIANTS)) if i % 4 == 3)}  # fmt: skip
FLITE_VOICES = {"train": ("kal", "kal16", "awb", "rms"), "test": ("slt",)}
# Piper has one voice here (joe): its held-out settings lie outside the training ranges
PIPER_RANGES = {
    "train": {"length": (0.8, 1.25), "noise": (0.3, 0.85), "noise_w": (0.4, 0.95)},
    "test": {"length": (1.3, 1.45), "noise": (0.9, 1.1), "noise_w": (1.0, 1.2)},
}
ENGINE_SHARE = {"espeak": 0.6, "flite": 0.15, "piper": 0.25}


@dataclass(frozen=True)
class Voice:
    engine: Literal["espeak", "flite", "piper"]
    name: str
    rate: float = 1.0
    """speaking rate factor (>1 is faster)"""
    pitch: int = 50
    """espeak pitch, 0-99"""
    gap: int = 0
    """espeak pause between words, in 10 ms units"""
    noise: float = 0.667
    noise_w: float = 0.8

    def describe(self) -> str:
        if self.engine == "espeak":
            return f"espeak-ng {self.name} rate {self.rate:.2f} pitch {self.pitch} gap {self.gap}"
        if self.engine == "flite":
            return f"flite {self.name} rate {self.rate:.2f}"
        return f"piper {self.name} length {1 / self.rate:.2f} noise {self.noise:.2f}/{self.noise_w:.2f}"


def sample_voices(split: Split, n: int, rng: np.random.Generator) -> list[Voice]:
    """``n`` random voices of the split, engines mixed by ``ENGINE_SHARE``."""
    engines = rng.choice(list(ENGINE_SHARE), size=n, p=list(ENGINE_SHARE.values()))
    out = []
    for engine in engines:
        if engine == "espeak":
            accent = str(rng.choice(ESPEAK_ACCENTS[split]))
            variant = str(rng.choice(ESPEAK_VARIANTS[split]))
            out.append(
                Voice("espeak", f"{accent}+{variant}", rate=float(rng.uniform(0.75, 1.35)),
                      pitch=int(rng.integers(20, 85)), gap=int(rng.choice([0, 0, 0, 1, 2, 4, 8])))
            )  # fmt: skip
        elif engine == "flite":
            out.append(Voice("flite", str(rng.choice(FLITE_VOICES[split])), rate=float(rng.uniform(0.8, 1.25))))
        else:
            r = PIPER_RANGES[split]
            length = float(rng.uniform(*r["length"]))
            if split == "test" and rng.random() < 0.5:
                length = float(rng.uniform(0.65, 0.75))  # held out on the fast side too
            out.append(
                Voice("piper", "joe", rate=1 / length, noise=float(rng.uniform(*r["noise"])),
                      noise_w=float(rng.uniform(*r["noise_w"])))
            )  # fmt: skip
    return out


def _decode_wav(data: bytes, what: str) -> Int16Audio:
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="int16", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as err:
        raise ModelError(f"{what} produced no audio ({err}); check that it is installed.") from err
    return resample(samples[:, 0], int(rate), RATE)


class Synthesizer:
    """Speaks text with any ``Voice``; 16 kHz int16 out. Thread-safe (Piper loads once, lazily)."""

    def __init__(self, assets: Assets | None = None) -> None:
        self._assets = assets or Assets()
        self._piper: Any = None
        self._lock = threading.Lock()

    def speak(self, voice: Voice, text: str) -> Int16Audio:
        if voice.engine == "espeak":
            return self._espeak(voice, text)
        if voice.engine == "flite":
            return self._flite(voice, text)
        return self._piper_speak(voice, text)

    def _espeak(self, voice: Voice, text: str) -> Int16Audio:
        cmd = ["espeak-ng", "-v", voice.name, "-s", str(round(175 * voice.rate)), "-p", str(voice.pitch),
               "-g", str(voice.gap), "--stdout", text]  # fmt: skip
        return _decode_wav(_run(cmd), "espeak-ng")

    def _flite(self, voice: Voice, text: str) -> Int16Audio:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.wav"
            _run(["flite", "-voice", voice.name, "--setf", f"duration_stretch={1 / voice.rate:.3f}",
                  "-t", text, "-o", str(out)])  # fmt: skip
            return _decode_wav(out.read_bytes(), "flite")

    def _piper_voice(self) -> Any:
        with self._lock:
            if self._piper is None:
                import json

                import onnxruntime as ort
                from piper import PiperVoice
                from piper.config import PiperConfig

                options = ort.SessionOptions()
                # one thread each: the generator runs two synthesis jobs side by side on two cores
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                session = ort.InferenceSession(
                    str(self._assets.path("tts_joe")), sess_options=options, providers=["CPUExecutionProvider"]
                )
                config = json.loads(self._assets.path("tts_joe_config").read_text(encoding="utf-8"))
                self._piper = PiperVoice(session=session, config=PiperConfig.from_dict(config))
            return self._piper

    def _piper_speak(self, voice: Voice, text: str) -> Int16Audio:
        from piper import SynthesisConfig

        syn = SynthesisConfig(length_scale=1 / voice.rate, noise_scale=voice.noise, noise_w_scale=voice.noise_w)
        piper = self._piper_voice()
        chunks = [c.audio_int16_array for c in piper.synthesize(text, syn_config=syn)]
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        return resample(np.concatenate(chunks), piper.config.sample_rate, RATE)


def _run(cmd: list[str]) -> bytes:
    try:
        return subprocess.run(cmd, check=True, capture_output=True, timeout=60).stdout
    except FileNotFoundError as err:
        raise ModelError(f"{cmd[0]} is not installed; install the Debian package {cmd[0]}.") from err
    except subprocess.CalledProcessError as err:
        raise ModelError(f"{cmd[0]} failed ({err.stderr.decode(errors='replace').strip()}); check its voices.") from err


def loud_span(audio: Int16Audio, floor_db: float = -40.0) -> tuple[int, int]:
    """(start, end) of the audio between the first and last 10 ms frame within ``floor_db`` of the
    loudest frame; (0, 0) for audio shorter than a frame."""
    frame = RATE // 100
    n = len(audio) // frame
    if n == 0:
        return 0, 0
    x = audio[: n * frame].astype(np.float32).reshape(n, frame)
    level = np.sqrt((x**2).mean(axis=1) + 1e-9)
    loud = np.flatnonzero(level > level.max() * 10 ** (floor_db / 20))
    return int(loud[0] * frame), int((loud[-1] + 1) * frame)


def trim(audio: Int16Audio, floor_db: float = -40.0) -> Int16Audio:
    """Cuts leading and trailing silence (see ``loud_span``)."""
    start, end = loud_span(audio, floor_db)
    return audio[start:end] if end else audio
