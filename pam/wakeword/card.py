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


def _yes(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _targets(report: dict[str, Any]) -> str:
    """The issue's targets next to what was measured on the held-out set, and the prototype's figures."""
    t = report["test"]
    v = t.get("verified", {})
    lat = v.get("latency_ms", t["latency_ms"])
    at_half = [r for r in report["test_curve"] if r["false_accepts_per_hour"] <= 0.5]
    best_at_half = min((r["false_reject_pct"] for r in at_half), default=None)
    frr_at_half = f"{best_at_half} %" if best_at_half is not None else "no threshold reaches it"
    stages = [(t["false_reject_pct"], t["false_accepts_per_hour"])]
    if v:
        stages.append((v["false_reject_pct"], v["false_accepts_per_hour"]))
    detect_ok = any(frr <= 5 and fa <= 0.5 for frr, fa in stages) or (best_at_half is not None and best_at_half <= 5)
    near_ok = min(t["near_miss_accept_pct"], v.get("near_miss_accept_pct", 100.0)) <= 5
    lines = [
        "| target | measured (held-out voices) | |",
        "| --- | --- | --- |",
        f"| ≤ 5 % false rejects at ≤ 0.5 false accepts/h | first stage: {t['false_reject_pct']} % at "
        f"{t['false_accepts_per_hour']}/h (at ≤ 0.5/h: {frr_at_half}); with the second stage: "
        f"{v.get('false_reject_pct', '-')} % at {v.get('false_accepts_per_hour', '-')}/h | {_yes(detect_ok)} |",
        f"| near misses accepted ≤ 5 % | {t['near_miss_accept_pct']} %, with the second stage "
        f"{v.get('near_miss_accept_pct', '-')} % | {_yes(near_ok)} |",
        f"| latency p95 ≤ 300 ms incl. the second stage | first stage {t['latency_ms']['p95']} ms; with the "
        f"Whisper check {lat['p95']} ms | {_yes(lat['p95'] <= 300)} |",
        f"| CPU ≤ 5 % of one core | {report['cpu_pct']} % | {_yes(report['cpu_pct'] <= 5)} |",
    ]
    return "\n".join(lines) + (
        "\n\nThe first prototype (MLP on espeak-ng/flite voices) measured ~13 % false rejects at ~25 false "
        "accepts/h on its own held-out synthetic voices and fired on near misses. Its test set is not "
        "available and was built differently (this one adds noise, music, babble and reverb), so the figures "
        "are not directly comparable. What was tried against the false accepts, with the development set as "
        "the judge: 4 more hours of varied negative prose (about a fifth fewer false accepts at the same "
        "false rejects — in), stronger weight decay, a PCA-reduced input, a wider layer and other class "
        "weights (no clear gain — out), and a second stage that classifies Whisper's encoder output "
        "instead of reading its transcript (a quick prototype on 900 clips per class, compared on the "
        "held-out detections: no better than the transcript — out). The Whisper check reads a 10 s "
        "encoder window instead of 30 s: on the development set it confirms fewer robotic phrases (59 % "
        "instead of 77 %) but also fewer near misses (23 % instead of 52 %) and false accepts, in a "
        "quarter of the time. "
        "The classifier scores the training negatives far lower than fresh ones from the same voices: it "
        "memorises the few synthetic voices it has. Real recordings of many real people, positive and "
        "negative, are what it lacks."
    )


def _rule(report: dict[str, Any]) -> str:
    from pam.wakeword.train import MAX_FA_PER_HOUR, MAX_NEAR_MISS_PCT

    met = any(
        r["false_accepts_per_hour"] <= MAX_FA_PER_HOUR and r["near_miss_accept_pct"] <= MAX_NEAR_MISS_PCT
        for r in report["dev_curve"]
    )
    if met:
        return (
            f"the most sensitive threshold that keeps false accepts ≤ {MAX_FA_PER_HOUR} per hour and "
            f"near-miss accepts ≤ {MAX_NEAR_MISS_PCT:g} %."
        )
    return (
        f"no threshold keeps false accepts ≤ {MAX_FA_PER_HOUR} per hour and near-miss accepts ≤ "
        f"{MAX_NEAR_MISS_PCT:g} % with this first stage alone, so it is the highest threshold that still "
        "misses at most 10 % of the development phrases, leaving the false accepts to the second stage."
    )


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
* Default threshold **{test["threshold"]}**, chosen on the development set (training voices, fresh
  renderings): {_rule(report)} It is stored in the ONNX metadata as `pam.threshold`, with the whole
  development curve as `pam.curve` (used by `pam wakeword enroll`).

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
  `/usr/share/common-licenses` (held-out texts for testing), {report.get("prose_minutes", 0):g} more minutes of
  prose from Python's reference manual (`pydoc_data`, training only), white/pink/brown noise, hum, music-like
  tones, babble. {report["train_windows"]} training windows in all
  ({", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report["train_windows_by_kind"].items())}; "cut phrase" windows end
  before "pam" is finished and teach the model to wait for the whole word).
* Augmentation: speed ±12 %, synthetic room reverb (RT60 0.15–0.9 s; no recorded impulse responses are
  installed), microphone band limits and 8 kHz resampling, backgrounds at 0–30 dB SNR, level −35…−12 dBFS,
  occasional clipping.

## Measured (threshold {test["threshold"]})

| figure | value |
| --- | --- |
{chr(10).join(_rates("held-out voices", test))}
{chr(10).join(_rates("dev (training voices)", dev))}
| CPU of listening (runtime detector, one thread) | {report["cpu_pct"]} % of one core |

The second stage is Whisper tiny.en (int8, 2 threads, prompt "Hey Pam.", a 10 s encoder window) on the
2 s before the detection; its times are wall-clock on a 2-core machine shared with other work. Latency is measured on the sample clock from the end of "pam" to the end of the 80 ms chunk whose score
crossed the threshold (the moment the runtime can report it). Near misses count as accepted if the score
crosses the threshold within 1 s after them.

### Held-out curve

| threshold | false rejects % | false accepts / h | near misses accepted % |
| --- | --- | --- | --- |
{curve}

## Against the targets

{_targets(report)}

## Limits

* Trained and tested on synthetic voices only. Real voices, far-field microphones and real rooms will
  differ: run `pam wakeword enroll` to fit the threshold to your voice, and measure your own recordings
  with `pam wakeword eval DIR --json`.
* Licences: PAM's classifier weights are PAM's own (GPL-3.0-or-later, as the project). It only works with
  openWakeWord's feature models, whose licence is disputed upstream (code Apache-2.0); anyone
  redistributing PAM should check those terms.
"""
