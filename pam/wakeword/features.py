"""openWakeWord's audio features (melspectrogram → speech embedding), from the same verified model
files the runtime detector loads, so training and run time see identical features.

A classifier sees a window of ``WINDOW`` embeddings (16 × 96); one embedding is made per 80 ms
chunk from the last 775 ms of audio, so a window covers the last ``CLIP_SAMPLES`` of audio.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from pam.assets import Assets
from pam.engines.base import Int16Audio

RATE = 16_000
CHUNK = 1280
WINDOW = 16
EMBED_DIM = 96
CLIP_SAMPLES = 32_000
"""a 2 s clip gives exactly one window (197 mel frames → 16 embeddings)"""

Embeddings = npt.NDArray[np.float32]


class Features:
    def __init__(self, assets: Assets | None = None, ncpu: int = 1) -> None:
        assets = assets or Assets()
        self._mel = str(assets.path("wake_melspectrogram"))
        self._emb = str(assets.path("wake_embedding"))
        self.ncpu = ncpu
        self._batch: Any = self._audio_features()

    def _audio_features(self) -> Any:
        # imported here: openwakeword pulls in scikit-learn
        from openwakeword.utils import AudioFeatures

        return AudioFeatures(melspec_model_path=self._mel, embedding_model_path=self._emb, ncpu=1)

    def embed_clips(self, clips: npt.NDArray[np.int16], batch: int = 64) -> Embeddings:
        """(N, samples) equal-length int16 clips → (N, frames, 96) embeddings, one per 80 ms step."""
        out = []
        for i in range(0, len(clips), batch):
            part = clips[i : i + batch]
            ncpu = self.ncpu if len(part) >= 2 * self.ncpu else 1
            out.append(self._batch.embed_clips(part, batch_size=len(part), ncpu=ncpu).astype(np.float32))
        return np.concatenate(out) if out else np.zeros((0, 0, EMBED_DIM), dtype=np.float32)

    def stream(self, audio: Int16Audio) -> Embeddings:
        """Embeddings exactly as the runtime computes them: ``audio`` fed in 80 ms chunks to a fresh
        streaming feature extractor. Row i is the newest embedding after chunk i."""
        af = self._audio_features()
        n = len(audio) // CHUNK
        out = np.empty((n, EMBED_DIM), dtype=np.float32)
        for i in range(n):
            af(np.ascontiguousarray(audio[i * CHUNK : (i + 1) * CHUNK]))
            out[i] = af.feature_buffer[-1]
        return out


def windows(emb: Embeddings, stride: int = 1) -> Embeddings:
    """All (16, 96) windows of one embedding sequence, ending at rows WINDOW-1, WINDOW-1+stride, ..."""
    if len(emb) < WINDOW:
        return np.zeros((0, WINDOW, EMBED_DIM), dtype=np.float32)
    view = np.lib.stride_tricks.sliding_window_view(emb, (WINDOW, EMBED_DIM))[:, 0]
    return np.ascontiguousarray(view[::stride], dtype=np.float32)
