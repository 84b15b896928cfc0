"""Voices for the local engine: Piper first, espeak-ng if Piper cannot load, or none at all.

Piper runs on one ONNX thread: on two cores it was faster than the default two threads, and it
leaves the other core to the LLM writing the next clause while this one is synthesised.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile

from pam.engines.base import Int16Audio
from pam.errors import ModelError

log = logging.getLogger(__name__)

ESPEAK_WORDS_PER_MINUTE = 170
ESPEAK_TIMEOUT_S = 10.0


class Voice(Protocol):
    name: str
    sample_rate: int

    def synthesize(self, text: str) -> Int16Audio:
        """``text`` (one clause) spoken, as mono int16 samples at ``sample_rate``."""


class PiperSpeech:
    def __init__(self, model: Path, config: Path, threads: int = 1, length_scale: float = 1.0) -> None:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig, SynthesisConfig

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        piper_config = PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8")))
        self._voice = PiperVoice(session=session, config=piper_config)
        self._syn_config = SynthesisConfig(length_scale=length_scale)
        self.name = f"piper:{model.stem}"
        self.sample_rate = piper_config.sample_rate
        self.synthesize("Ready.")  # the first run allocates ONNX buffers: do it while loading

    def synthesize(self, text: str) -> Int16Audio:
        chunks = [c.audio_int16_array for c in self._voice.synthesize(text, syn_config=self._syn_config)]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


class EspeakSpeech:
    """The espeak-ng command: robotic, but ~10 ms per clause and already installed with PAM."""

    def __init__(self, voice: str = "en-us", length_scale: float = 1.0) -> None:
        self._program = shutil.which("espeak-ng")
        if self._program is None:
            raise ModelError("espeak-ng is not installed; install the espeak-ng system package.")
        self._voice = voice
        self._rate = str(round(ESPEAK_WORDS_PER_MINUTE / length_scale))
        self.name = f"espeak-ng:{voice}"
        self.sample_rate = 22_050
        self.synthesize("Ready.")  # checks the voice exists and learns the real sample rate

    def synthesize(self, text: str) -> Int16Audio:
        try:
            done = subprocess.run(
                [self._program or "espeak-ng", "--stdout", "-v", self._voice, "-s", self._rate, "--", text],
                capture_output=True,
                check=True,
                timeout=ESPEAK_TIMEOUT_S,
            )
            samples, self.sample_rate = soundfile.read(io.BytesIO(done.stdout), dtype="int16")
        except (OSError, subprocess.SubprocessError, soundfile.LibsndfileError) as err:
            raise ModelError(f"espeak-ng could not speak with voice '{self._voice}' ({err}).") from err
        return np.asarray(samples, dtype=np.int16)


def load_voice(
    load_piper: Callable[[], Voice], fallback_voice: str, length_scale: float = 1.0
) -> tuple[Voice | None, list[str]]:
    """The best voice that loads, and a warning per voice that did not (shown to the user)."""
    warnings: list[str] = []
    try:
        return load_piper(), warnings
    except Exception as err:  # a broken voice file fails in onnxruntime/piper with many error types
        warnings.append(f"The Piper voice could not be loaded ({err}); PAM speaks with espeak-ng instead.")
    try:
        return EspeakSpeech(fallback_voice, length_scale), warnings
    except ModelError as err:
        warnings.append(f"{err} PAM answers in text only.")
    return None, warnings
