"""Rates of a wake word classifier on evaluation streams: false rejects, false accepts per hour,
near-miss accepts and latency, before and (optionally) after the second-stage verifier."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pam.audio.files import read_audio
from pam.engines.base import Int16Audio
from pam.errors import InputFileError
from pam.wakeword import metrics
from pam.wakeword.classifier import OnnxScorer
from pam.wakeword.dataset import EvalSet, Stream
from pam.wakeword.features import Features
from pam.wakeword.verify import Checker, buffered
from pam.wakeword.voices import loud_span

THRESHOLDS = tuple(round(t, 3) for t in np.concatenate([np.arange(0.05, 0.9, 0.05), np.arange(0.9, 1.0, 0.01)]))


@dataclass(frozen=True)
class Scored:
    """Per-chunk first-stage scores of each stream of an evaluation set."""

    positives: npt.NDArray[np.float32]
    near_misses: npt.NDArray[np.float32]
    unseen_near_misses: npt.NDArray[np.float32]
    negatives: npt.NDArray[np.float32]


def score(scorer: OnnxScorer, data: EvalSet) -> Scored:
    return Scored(
        scorer.stream(data.positives.emb),
        scorer.stream(data.near_misses.emb),
        scorer.stream(data.unseen_near_misses.emb),
        scorer.stream(data.negatives.emb),
    )


def curve(data: EvalSet, scored: Scored) -> list[dict[str, float]]:
    """False rejects, false accepts per hour and near-miss accepts at each threshold in ``THRESHOLDS``."""
    hours = metrics.hours(len(data.negatives.audio))
    rows = []
    for t in THRESHOLDS:
        pos = metrics.item_hits(scored.positives, data.positives.starts, data.positives.ends, t)
        near = metrics.item_hits(scored.near_misses, data.near_misses.starts, data.near_misses.ends, t)
        fa = len(metrics.detections(scored.negatives, t))
        rows.append({
            "threshold": float(t),
            "false_reject_pct": metrics.pct(int((~pos.detected).sum()), len(pos.detected)),
            "false_accepts_per_hour": round(fa / hours, 3) if hours else 0.0,
            "near_miss_accept_pct": metrics.pct(int(near.detected.sum()), len(near.detected)),
        })  # fmt: skip
    return rows


def choose_threshold(
    rows: list[dict[str, float]], max_fa_per_hour: float, max_near_pct: float, max_frr_pct: float = 10.0
) -> float:
    """The threshold with the fewest false rejects that meets both limits. If none does, the highest
    threshold (fewest false accepts) that still misses at most ``max_frr_pct`` of the phrases: a wake
    word that does not wake is useless, and the second stage can remove false accepts. 0.5 otherwise."""
    ok = [
        r for r in rows if r["false_accepts_per_hour"] <= max_fa_per_hour and r["near_miss_accept_pct"] <= max_near_pct
    ]
    if ok:
        best = min(r["false_reject_pct"] for r in ok)
        return min(r["threshold"] for r in ok if r["false_reject_pct"] == best)
    usable = [r["threshold"] for r in rows if r["false_reject_pct"] <= max_frr_pct]
    return max(usable) if usable else 0.5


def _engine(label: str) -> str:
    voice = label.split("|", 1)[-1].strip()
    return voice.split(" ", 1)[0]


def report(data: EvalSet, scored: Scored, threshold: float, checker: Checker | None = None) -> dict[str, Any]:
    """All rates at ``threshold``; with ``checker``, also after the second stage."""
    pos = metrics.item_hits(scored.positives, data.positives.starts, data.positives.ends, threshold)
    near = metrics.item_hits(scored.near_misses, data.near_misses.starts, data.near_misses.ends, threshold)
    unseen = metrics.item_hits(
        scored.unseen_near_misses, data.unseen_near_misses.starts, data.unseen_near_misses.ends, threshold
    )
    fa = metrics.detections(scored.negatives, threshold)
    hours = metrics.hours(len(data.negatives.audio))
    engines = Counter(_engine(lbl) for lbl in data.positives.labels)
    missed = Counter(_engine(lbl) for lbl, d in zip(data.positives.labels, pos.detected, strict=True) if not d)
    out: dict[str, Any] = {
        "threshold": threshold,
        "positives": len(pos.detected),
        "false_rejects": int((~pos.detected).sum()),
        "false_reject_pct": metrics.pct(int((~pos.detected).sum()), len(pos.detected)),
        "false_reject_pct_by_voice": {e: metrics.pct(missed[e], n) for e, n in sorted(engines.items())},
        "negative_hours": round(hours, 3),
        "false_accepts": len(fa),
        "false_accepts_per_hour": round(len(fa) / hours, 3) if hours else 0.0,
        "near_misses": len(near.detected),
        "near_miss_accept_pct": metrics.pct(int(near.detected.sum()), len(near.detected)),
        "unseen_near_miss_accept_pct": metrics.pct(int(unseen.detected.sum()), len(unseen.detected)),
        "near_miss_accepted": sorted(
            Counter(
                lbl.split("|")[0].strip() for lbl, d in zip(data.near_misses.labels, near.detected, strict=True) if d
            ).items()
        ),
        "latency_ms": metrics.percentiles_ms(pos.latency_samples[pos.detected]),
    }
    if checker is not None:
        out["verified"] = _second_stage(data, pos, near, unseen, fa, hours, checker)
    return out


def _confirmed(
    stream: Stream, result: metrics.ItemResult, checker: Checker
) -> tuple[npt.NDArray[np.bool_], list[float]]:
    ok = np.zeros(len(result.detected), dtype=bool)
    seconds = []
    for k in np.flatnonzero(result.detected):
        at = int(stream.ends[k] + result.latency_samples[k])
        verdict = checker.check(buffered(stream.audio, at))
        ok[k] = verdict.confirmed
        seconds.append(verdict.seconds)
    return ok, seconds


def _second_stage(
    data: EvalSet,
    pos: metrics.ItemResult,
    near: metrics.ItemResult,
    unseen: metrics.ItemResult,
    fa: list[int],
    hours: float,
    checker: Checker,
) -> dict[str, Any]:
    pos_ok, seconds = _confirmed(data.positives, pos, checker)
    near_ok, s2 = _confirmed(data.near_misses, near, checker)
    unseen_ok, s3 = _confirmed(data.unseen_near_misses, unseen, checker)
    fa_ok = 0
    for i in fa:
        verdict = checker.check(buffered(data.negatives.audio, metrics.chunk_end(i)))
        fa_ok += verdict.confirmed
        s3.append(verdict.seconds)
    all_s = np.array(seconds + s2 + s3) * 1000
    with_check = (pos.latency_samples[pos_ok] * 1000 / metrics.RATE) + np.array(seconds)[pos_ok[pos.detected]] * 1000
    return {
        "false_reject_pct": metrics.pct(int((~pos_ok).sum()), len(pos_ok)),
        "false_accepts": fa_ok,
        "false_accepts_per_hour": round(fa_ok / hours, 3) if hours else 0.0,
        "near_miss_accept_pct": metrics.pct(int(near_ok.sum()), len(near_ok)),
        "unseen_near_miss_accept_pct": metrics.pct(int(unseen_ok.sum()), len(unseen_ok)),
        "check_ms": metrics.percentiles_ms(np.zeros(0, dtype=np.int64)) if all_s.size == 0 else {
            "p50": round(float(np.percentile(all_s, 50)), 1), "p95": round(float(np.percentile(all_s, 95)), 1),
            "n": int(all_s.size)},
        "latency_ms": {"p50": round(float(np.percentile(with_check, 50)), 1) if with_check.size else 0.0,
                       "p95": round(float(np.percentile(with_check, 95)), 1) if with_check.size else 0.0,
                       "n": int(with_check.size)},
    }  # fmt: skip


# -- recordings on disk -------------------------------------------------------------------------------

POSITIVE_DIRS = frozenset({"positive", "positives", "pos"})
NEAR_MISS_DIRS = frozenset({"near_miss", "near_misses", "near-miss", "near"})
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg"})


def collect(inputs: list[Path]) -> dict[str, list[Path]]:
    """Audio files under ``inputs`` (files or folders), sorted by role: a file inside a folder named
    ``positive`` holds one spoken wake phrase, inside ``near_miss`` one near miss, anything else is
    audio in which the wake word is never said."""
    found: dict[str, list[Path]] = {"positive": [], "near_miss": [], "negative": []}
    for item in inputs:
        if not item.exists():
            raise InputFileError(f"{item} does not exist; pass audio files or folders of them.")
        files = [item] if item.is_file() else sorted(p for p in item.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
        for f in files:
            parts = {p.lower() for p in f.parent.parts}
            role = "positive" if parts & POSITIVE_DIRS else "near_miss" if parts & NEAR_MISS_DIRS else "negative"
            found[role].append(f)
    if not any(found.values()):
        raise InputFileError("No audio files (.wav, .flac, .ogg) were found in the given paths; check them.")
    return found


def lead_in() -> Int16Audio:
    # a faint fixed noise floor rather than digital silence, like a real microphone
    rng = np.random.default_rng(0)
    return (rng.standard_normal(metrics.RATE * 2) * 3).astype(np.int16)


def file_stream(files: list[Path], features: Features, items: bool) -> Stream:
    """The files one after another, as one stream. With ``items``, each file is one phrase whose end
    is where its sound ends, preceded by a lead-in and followed by 1 s of the noise floor."""
    lead = lead_in()
    parts: list[Int16Audio] = [] if items else [lead]
    starts, ends = [], []
    pos = 0 if items else len(lead)
    for f in files:
        audio = read_audio(f)
        if items:
            start, end = loud_span(audio)
            parts += [lead, audio, lead[: metrics.RATE]]
            starts.append(pos + len(lead) + start)
            ends.append(pos + len(lead) + end)
            pos += len(lead) + len(audio) + metrics.RATE
        else:
            parts.append(audio)
    pcm = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    pcm = pcm[: len(pcm) // metrics.CHUNK * metrics.CHUNK]
    labels = tuple(f"{f.name} | file" for f in files) if items else ()
    return Stream(pcm, features.stream(pcm), np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), labels)


def file_set(inputs: list[Path], features: Features) -> EvalSet:
    found = collect(inputs)
    empty = file_stream([], features, items=True)
    return EvalSet(
        file_stream(found["positive"], features, items=True),
        file_stream(found["near_miss"], features, items=True),
        empty,
        file_stream(found["negative"], features, items=False),
    )


def runtime_cpu_pct(model: Path, audio: Int16Audio, seconds: float = 60.0) -> float:
    """CPU time of the runtime detector (``pam.listen.wakeword.WakeWordDetector``, as PAM runs it)
    per second of ``audio`` fed, in % of one core (thread CPU time, so other load does not count)."""
    import time

    from pam.assets import Assets
    from pam.listen.wakeword import CHUNK_SAMPLES, WakeWordDetector

    assets = Assets()
    detector = WakeWordDetector(
        model.stem, model, assets.path("wake_melspectrogram"), assets.path("wake_embedding"), 0.5
    )
    n = min(int(seconds * metrics.RATE), len(audio)) // CHUNK_SAMPLES
    chunks = np.asarray(audio[: n * CHUNK_SAMPLES], dtype=np.int16).reshape(n, CHUNK_SAMPLES)
    for chunk in chunks[:10]:  # warm-up: first calls allocate
        detector.process(chunk)
    start = time.thread_time()
    for chunk in chunks:
        detector.process(chunk)
    return round(100.0 * (time.thread_time() - start) / (n * CHUNK_SAMPLES / metrics.RATE), 2)
