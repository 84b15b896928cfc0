"""Wake word detection with openWakeWord, loading only verified local model files.

openWakeWord scores the last ~1.3 s of audio every 80 ms, so one spoken wake phrase stays above
the threshold for several chunks in a row; a refractory period turns that into one detection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pam.assets import Assets
from pam.config import WakeConfig
from pam.engines.base import Int16Audio
from pam.errors import ModelError
from pam.listen.events import SAMPLE_RATE

CHUNK_SAMPLES = 1280
"""openWakeWord's native step: 80 ms at 16 kHz"""
REFRACTORY_S = 1.5
EMBEDDING_SIZE = 96
"""a classifier's input is a window of openWakeWord's 96-value speech embeddings"""
PRIME_CHUNKS = 20
"""openWakeWord starts from random features and ignores its first 5 scores; 1.6 s of quiet noise
replaces them, so the first words heard are judged like any others and results are repeatable"""


@dataclass(frozen=True)
class Detection:
    model: str
    score: float


def wake_phrase(model: str) -> str:
    """How to say a wake word model's name: ``hey_jarvis`` → ``hey jarvis`` (a path → its file stem)."""
    stem = model.rsplit("/", 1)[-1].removesuffix(".onnx")
    return re.sub(r"_v\d[\w.]*$", "", stem).replace("_", " ").strip()


def resolve_model(spec: str, assets: Assets) -> tuple[str, Path]:
    """``[wake] model`` as (name, path): a manifest name, or a path to an .onnx classifier."""
    if spec in assets.specs:
        return spec, assets.path(spec)
    path = Path(spec).expanduser()
    if path.suffix == ".onnx" and path.is_file():
        return path.stem, path
    raise ModelError(
        f"Wake word model '{spec}' is neither a model in models/manifest.toml nor an existing .onnx file; "
        "set [wake] model to hey_jarvis or to the path of your classifier."
    )


class WakeWordDetector:
    """Feed 80 ms chunks; get a ``Detection`` when the score reaches ``threshold``.

    After a detection, the detector stays quiet for ``refractory_s`` and until the score has
    dropped below the threshold, so one utterance gives one detection.
    """

    def __init__(
        self,
        name: str,
        model_path: Path,
        melspec_path: Path,
        embedding_path: Path,
        threshold: float,
        refractory_s: float = REFRACTORY_S,
    ) -> None:
        # imported here: openwakeword pulls in scikit-learn (~1.5 s), which `pam --help` should not pay
        import openwakeword

        self.name = name
        self.threshold = threshold
        self._refractory_chunks = round(refractory_s * SAMPLE_RATE / CHUNK_SAMPLES)
        try:
            # ncpu=1 makes the feature models' ONNX sessions single-threaded (openWakeWord already
            # builds the classifier sessions that way), so no idle worker threads spin on 2 cores.
            self._model: Any = openwakeword.Model(
                wakeword_models=[str(model_path)],
                melspec_model_path=str(melspec_path),
                embedding_model_path=str(embedding_path),
                inference_framework="onnx",
                ncpu=1,
            )
        except Exception as err:  # onnxruntime raises its own exception types for bad model files
            raise ModelError(
                f"Cannot load wake word model {model_path} ({err}); check that it is an openWakeWord .onnx model."
            ) from err
        self._key = next(iter(self._model.models))
        shape = self._model.models[self._key].get_inputs()[0].shape
        if len(shape) != 3 or shape[-1] != EMBEDDING_SIZE:
            raise ModelError(
                f"{model_path} is an ONNX model but not an openWakeWord classifier (its input is {shape}, "
                f"not [batch, frames, {EMBEDDING_SIZE}]); point [wake] model at a wake word model."
            )
        self._dither = np.random.default_rng(0)
        for _ in range(PRIME_CHUNKS):
            self._model.predict(self._dithered(np.zeros(CHUNK_SAMPLES, dtype=np.int16)))
        self._armed = True
        self._cooldown = 0

    def _dithered(self, chunk: Int16Audio) -> Int16Audio:
        """The chunk plus noise of about 1 LSB. Exact digital silence (synthetic speech, padding)
        drives openWakeWord's log-mel features to extremes: the same espeak-ng "hey jarvis" scored
        anywhere from 0.25 to 0.99 depending on where the zeros fell. No microphone is that quiet."""
        noise = self._dither.standard_normal(CHUNK_SAMPLES).round().astype(np.int32)
        return np.clip(chunk.astype(np.int32) + noise, -32768, 32767).astype(np.int16)

    @classmethod
    def from_config(cls, config: WakeConfig, assets: Assets | None = None) -> WakeWordDetector:
        assets = assets or Assets()
        name, path = resolve_model(config.model, assets)
        return cls(
            name,
            path,
            assets.path("wake_melspectrogram"),
            assets.path("wake_embedding"),
            config.threshold,
        )

    def process(self, chunk: Int16Audio) -> Detection | None:
        """Score one 1280-sample chunk (int16, 16 kHz)."""
        if chunk.shape != (CHUNK_SAMPLES,):
            raise ValueError(f"wake word chunks must be {CHUNK_SAMPLES} samples, got {chunk.shape}")
        score = float(self._model.predict(self._dithered(chunk))[self._key])
        if self._cooldown:
            self._cooldown -= 1
        if score < self.threshold:
            self._armed = True
            return None
        if not self._armed or self._cooldown:
            return None
        self._armed = False
        self._cooldown = self._refractory_chunks
        return Detection(self.name, score)
