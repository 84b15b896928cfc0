"""The model card of a trained wake word model, rendered from its training report."""

from __future__ import annotations

from typing import Any

from pam.wakeword import phrases, voices


def _row(r: dict[str, float]) -> str:
    return f"| {r['threshold']:.2f} | {r['false_reject_pct']:.1f} | {r['false_accepts_per_hour']:.2f} | {r['near_miss_accept_pct']:.1f} |"


def _rates(name: str, r: dict[str, Any]) -> list[str]:
    lat = r["latency_ms"]
    lines = [
        f"| {name}: false rejects | {r['false_reject_pct']} % ({r['false_rejects']} of {r['positives']}) |",
        f"| {name}: false accepts | {r['false_accepts_per_hour']} per hour ({r['false_accepts']} in {r['negative_hours']} h) |",
        f"| {name}: near misses accepted (listed words) | {r['near_miss_accept_pct']} % of {r['near_misses']} |",
        f"| {name}: near misses accepted (never-trained words) | {r['unseen_near_miss_accept_pct']} % |",
        f"| {name}: latency after the phrase ends | p50 {lat['p50']} ms, p95 {lat['p95']} ms (n={lat['n']}) |",
    ]
    by_voice = ", ".join(f"{k} {v} %" for k, v in r["false_reject_pct_by_voice"].items())
    lines.append(f"| {name}: false rejects by voice engine | {by_voice} |")
    v = r.get("verified")
    if v:
        name = f"{name}, after the second stage"
        lines += [
            f"| {name}: false rejects | {v['false_reject_pct']} % |",
            f"| {name}: false accepts | {v['false_accepts_per_hour']} per hour ({v['false_accepts']}) |",
            f"| {name}: near misses accepted (listed / never-trained words) | {v['near_miss_accept_pct']} % / {v['unseen_near_miss_accept_pct']} % |",
            f"| {name}: Whisper check time | p50 {v['check_ms']['p50']} ms, p95 {v['check_ms']['p95']} ms (n={v['check_ms']['n']}) |",
            f"| {name}: latency incl. the check | p50 {v['latency_ms']['p50']} ms, p95 {v['latency_ms']['p95']} ms |",
        ]
    return lines


def render(report: dict[str, Any], filename: str) -> str:
    test, dev = report["test"], report["dev"]
    curve = "\n".join(_row(r) for r in report["test_curve"] if r["threshold"] >= 0.3)
    return f"""# Model card: `{filename}` — "hey pam"

PAM's own wake word classifier, built by `pam wakeword train --plan {report["plan"]}` (code in `pam/wakeword/`).
Regenerate this card with `pam wakeword train --plan {report["plan"]} --out models/{filename} --card models/hey_pam.md`.

## What it is

* A small MLP ({report["model_bytes"] // 1024} KB of float32 ONNX) on one window of 16 × 96 openWakeWord
  embeddings (≈2 s of audio), output one score in 0..1. Input `[batch, 16, 96]`, output `[batch, 1]`: the
  classifier contract of openWakeWord 0.5.1, so `openwakeword.Model(wakeword_models=[path], ...)` and PAM's
  `pam.listen.wakeword.WakeWordDetector` load it as is.
* Features come from openWakeWord 0.5.1's `melspectrogram.onnx` and `embedding_model.onnx` (manifest entries
  `wake_melspectrogram`, `wake_embedding`), the same files the runtime uses; training clips are aligned so
  their windows equal the runtime's streaming windows bit for bit (checked in the tests).
* Default threshold **{test["threshold"]}**, chosen on the development set as the threshold with the fewest
  false rejects that keeps false accepts ≤ 0.5 per hour and near-miss accepts ≤ 5 % (stored in the ONNX
  metadata as `pam.threshold`, with the whole development curve as `pam.curve`).

## Data (all synthetic, generated offline with fixed seeds)

* Voices: espeak-ng ({len(voices.ESPEAK_ACCENTS["train"])} accents/languages × {len(voices.ESPEAK_VARIANTS["train"])} voice variants, random
  speed, pitch and word gap), flite ({", ".join(voices.FLITE_VOICES["train"])}), Piper `joe` (length scale
  0.8–1.25, noise 0.3–0.85, noise width 0.4–0.95).
* Held out for testing: espeak-ng accents {", ".join(voices.ESPEAK_ACCENTS["test"])} with {len(voices.ESPEAK_VARIANTS["test"])} other
  variants, flite `{", ".join(voices.FLITE_VOICES["test"])}`, Piper `joe` at settings outside the training
  ranges (length 0.65–0.75 and 1.3–1.45, more noise). Piper has a single speaker here, so its held-out
  figures measure robustness to speaking style, not to a new person.
* Positives: {", ".join(f'"{p}"' for p in phrases.POSITIVE)}; {report["train_positive_windows"]} training
  windows, the phrase ending 0–0.5 s before the window end, sometimes with speech before or after it.
* Negatives: {len(phrases.NEAR_MISS_TRAIN)} near-miss phrases (including the issue's "hey palm", "hey pan",
  "hey spam", "hey sam", "pamphlet", "hey man", "hey ham", "spam"), everyday sentences and licence prose from
  `/usr/share/common-licenses` (held-out texts for testing), white/pink/brown noise, hum, music-like tones,
  babble. {report["train_windows"]} training windows in all.
* Augmentation: speed ±12 %, synthetic room reverb (RT60 0.15–0.9 s; no recorded impulse responses are
  installed), microphone band limits and 8 kHz resampling, backgrounds at 0–30 dB SNR, level −35…−12 dBFS,
  occasional clipping.

## Measured (threshold {test["threshold"]})

| figure | value |
| --- | --- |
{chr(10).join(_rates("held-out voices", test))}
{chr(10).join(_rates("dev (training voices)", dev))}
| CPU of listening (runtime detector, one thread) | {report["cpu_pct"]} % of one core |

The second stage is Whisper tiny.en (int8, 2 threads, prompt "Hey Pam.") on the 2 s before the
detection; its times are wall-clock on a 2-core machine shared with other work. Latency is measured on the sample clock from the end of "pam" to the end of the 80 ms chunk whose score
crossed the threshold (the moment the runtime can report it). Near misses count as accepted if the score
crosses the threshold within 1 s after them.

### Held-out curve

| threshold | false rejects % | false accepts / h | near misses accepted % |
| --- | --- | --- | --- |
{curve}

## Limits

* Trained and tested on synthetic voices only. Real voices, far-field microphones and real rooms will
  differ: run `pam wakeword enroll` to fit the threshold to your voice, and measure your own recordings
  with `pam wakeword eval DIR --json`.
* Licences: PAM's classifier weights are PAM's own (GPL-3.0-or-later, as the project). It only works with
  openWakeWord's feature models, whose licence is disputed upstream (code Apache-2.0); anyone
  redistributing PAM should check those terms.
"""
