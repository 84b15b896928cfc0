"""Pure scoring arithmetic for wake word evaluation: detections, false rejects, false accepts per hour
and latency, from per-chunk scores and the sample where each spoken phrase ends. No I/O, no models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

RATE = 16_000
CHUNK = 1280
WARMUP_CHUNKS = 16
"""the first chunks of a stream score a window that still holds the extractor's start-up noise"""
REFRACTORY_CHUNKS = 19
"""1.5 s, as the runtime detector (pam.listen.wakeword.REFRACTORY_S)"""
ITEM_TAIL = RATE
"""a phrase counts as detected if the detector fires before this long after its end"""

Scores = npt.NDArray[np.float32]
Positions = Sequence[int] | npt.NDArray[np.int64]


def detections(scores: Scores, threshold: float, refractory: int = REFRACTORY_CHUNKS, patience: int = 1) -> list[int]:
    """Chunk indices where the runtime detector would fire: the score reaches ``threshold`` while armed
    (it re-arms once the score drops below) and at least ``refractory`` chunks after the last firing.
    ``patience`` > 1 asks for that many chunks in a row at or above the threshold."""
    out = []
    armed = True
    cooldown = 0
    run = 0
    for i, score in enumerate(scores):
        if cooldown:
            cooldown -= 1
        if score < threshold:
            armed = True
            run = 0
            continue
        run += 1
        if armed and not cooldown and i >= WARMUP_CHUNKS and run >= patience:
            out.append(i)
            armed = False
            cooldown = refractory
    return out


def chunk_end(index: int) -> int:
    """The sample just after chunk ``index``: when the detector can report it."""
    return (index + 1) * CHUNK


@dataclass(frozen=True)
class ItemResult:
    detected: npt.NDArray[np.bool_]
    latency_samples: npt.NDArray[np.int64]
    """end of the phrase → end of the chunk that fired (-1 where not detected)"""


def item_hits(scores: Scores, starts: Positions, ends: Positions, threshold: float) -> ItemResult:
    """For each spoken item, the first chunk ending between its start and ``ITEM_TAIL`` after its end
    whose score reaches ``threshold``."""
    det = np.zeros(len(starts), dtype=bool)
    lat = np.full(len(starts), -1, dtype=np.int64)
    for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
        first = max(start // CHUNK, WARMUP_CHUNKS)
        last = min((end + ITEM_TAIL) // CHUNK, len(scores) - 1)
        above = np.flatnonzero(scores[first : last + 1] >= threshold)
        if above.size:
            det[k] = True
            lat[k] = chunk_end(first + int(above[0])) - end
    return ItemResult(det, lat)


def item_peaks(scores: Scores, starts: Positions, ends: Positions) -> Scores:
    """Each item's highest score (over the same chunks ``item_hits`` looks at)."""
    out = np.zeros(len(starts), dtype=np.float32)
    for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
        first = max(start // CHUNK, WARMUP_CHUNKS)
        last = min((end + ITEM_TAIL) // CHUNK, len(scores) - 1)
        out[k] = scores[first : last + 1].max(initial=0.0)
    return out


def hours(n_samples: int) -> float:
    return n_samples / RATE / 3600


def percentiles_ms(latency_samples: npt.NDArray[np.int64]) -> dict[str, float]:
    ms = latency_samples[latency_samples >= -RATE] * 1000 / RATE
    if ms.size == 0:
        return {"p50": 0.0, "p95": 0.0, "n": 0}
    p50, p95 = np.percentile(ms, [50, 95])
    return {"p50": round(float(p50), 1), "p95": round(float(p95), 1), "n": int(ms.size)}


def pct(part: int | float, whole: int | float) -> float:
    return round(100.0 * float(part) / float(whole), 2) if whole else 0.0
