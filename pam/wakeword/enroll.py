"""Enrolment: record the user saying "hey pam" a few times through the normal audio path, and fit
the detection threshold to their voice.

The new threshold sits a safe margin below the user's weakest take. It may rise above the model's
default (a voice the model knows well then wakes PAM by mistake less often) up to ``CEILING``, and
may fall below it only as far as the development curve stored in the model allows: at most
``MAX_FA_GROWTH`` times the false accepts of the default threshold.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pam.audio.capture import MicCapture
from pam.audio.ring import SampleRing
from pam.engines.base import Int16Audio
from pam.errors import AudioError
from pam.wakeword import metrics
from pam.wakeword.classifier import OnnxScorer
from pam.wakeword.dataset import Stream
from pam.wakeword.evaluate import lead_in
from pam.wakeword.features import Features
from pam.wakeword.voices import loud_span

RATE = 16_000
MARGIN = 2.0
"""the threshold sits this far below the user's weakest take, in log-odds (scores are sigmoids, so a
fixed fraction would mean almost nothing near 1 and a lot near 0)"""
MAX_FA_GROWTH = 2.0
CEILING = 0.99


@dataclass(frozen=True)
class Calibration:
    peaks: tuple[float, ...]
    """each take's highest score"""
    threshold: float
    floor: float
    default: float

    @property
    def weak(self) -> bool:
        """True if some take scored below the floor: the model does not know this voice well."""
        return min(self.peaks, default=0.0) < self.floor


def floor_threshold(curve: list[dict[str, float]], default: float, max_growth: float = MAX_FA_GROWTH) -> float:
    """The lowest threshold on the model's curve with at most ``max_growth`` times the false accepts per
    hour of the ``default`` threshold (the default itself if the curve is empty)."""
    if not curve:
        return default
    at_default = min(curve, key=lambda r: abs(r["threshold"] - default))["false_accepts_per_hour"]
    ok = [r["threshold"] for r in curve if r["false_accepts_per_hour"] <= max_growth * max(at_default, 0.5)]
    return min(min(ok, default=default), default)


def calibrate(peaks: list[float], default: float, floor: float) -> Calibration:
    """Pure: the threshold for takes that peaked at ``peaks``."""
    if not peaks:
        return Calibration((), default, floor, default)
    weakest = float(np.clip(min(peaks), 1e-6, 1 - 1e-6))
    wanted = 1 / (1 + np.exp(MARGIN - np.log(weakest / (1 - weakest))))
    threshold = round(float(min(CEILING, max(floor, wanted))), 3)
    return Calibration(tuple(round(p, 3) for p in peaks), threshold, floor, default)


def take_peaks(takes: list[Int16Audio], scorer: OnnxScorer, features: Features) -> list[float]:
    """Each take's highest score, scored as the runtime would (after a lead-in of quiet)."""
    lead = lead_in()
    out = []
    for take in takes:
        pcm = np.concatenate([lead, take, lead[:RATE]])
        pcm = pcm[: len(pcm) // metrics.CHUNK * metrics.CHUNK]
        start, end = loud_span(take)
        stream = Stream(pcm, features.stream(pcm), np.array([len(lead) + start]), np.array([len(lead) + end]), ("",))
        out.append(float(metrics.item_peaks(scorer.stream(stream.emb), stream.starts, stream.ends)[0]))
    return out


def record_takes(
    n: int, seconds: float, device: str = "", prompt: Callable[[int], None] = lambda i: None
) -> list[Int16Audio]:
    """``n`` recordings of ``seconds`` each from the microphone; ``prompt(i)`` runs before take i."""
    ring = SampleRing(int(RATE * (seconds + 2)))
    takes = []
    with MicCapture(ring, device=device):
        for i in range(n):
            ring.skip_to(ring.write_pos)
            prompt(i)
            deadline = time.monotonic() + seconds + 5
            want = int(seconds * RATE)
            while ring.available() < want:
                if time.monotonic() > deadline:
                    raise AudioError("The microphone stopped sending audio during enrolment; check it and try again.")
                time.sleep(0.05)
            got = ring.read(want)
            assert got is not None
            takes.append(got[1])
    return takes


def save_takes(takes: list[Int16Audio], folder: Path) -> list[Path]:
    from pam.audio.files import write_wav

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, take in enumerate(takes, 1):
        path = folder / f"take-{i}.wav"
        write_wav(path, take)
        out.append(path)
    return out


def apply(threshold: float, model: str) -> Path:
    """Saves ``[wake] model`` and ``threshold`` in the user's config file (env overrides left out)."""
    from pam import config, paths
    from pam.errors import ConfigError

    path = paths.config_file()
    current = config.load(path, environ={})
    wake = current.wake.model_copy(update={"model": model, "threshold": threshold})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(config.to_toml(current.model_copy(update={"wake": wake})), encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"Cannot save the threshold to {path} ({err.strerror}); check its permissions.") from err
    return path
