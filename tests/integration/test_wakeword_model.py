"""The shipped "hey pam" model with the real openWakeWord feature models and the runtime detector,
on clips spoken by held-out voices (never used in training), near misses, silence and noise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pam import cli
from pam.assets import Assets
from pam.audio.files import write_wav
from pam.engines.base import Int16Audio
from pam.listen.wakeword import CHUNK_SAMPLES, WakeWordDetector
from pam.wakeword import phrases
from pam.wakeword.classifier import OnnxScorer
from pam.wakeword.features import CLIP_SAMPLES, WINDOW, Features
from pam.wakeword.voices import Synthesizer, Voice, sample_voices

pytestmark = pytest.mark.models
RATE = 16_000


@pytest.fixture(scope="module")
def synth() -> Synthesizer:
    if shutil.which("espeak-ng") is None or shutil.which("flite") is None:
        pytest.skip("espeak-ng and flite are needed to speak the test phrases")
    return Synthesizer()


def held_out(synth: Synthesizer, texts: tuple[str, ...], n: int, seed: int) -> list[Int16Audio]:
    rng = np.random.default_rng(seed)
    return [synth.speak(v, texts[i % len(texts)]) for i, v in enumerate(sample_voices("test", n, rng))]


def floor(seconds: float, seed: int = 0) -> Int16Audio:
    return (np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * 30).astype(np.int16)


def detections(clip: Int16Audio) -> int:
    """Detections of the runtime detector (shipped model, shipped threshold) on quiet + clip + quiet."""
    assets = Assets()
    threshold = OnnxScorer(assets.path("hey_pam")).default_threshold()
    detector = WakeWordDetector(
        "hey_pam", assets.path("hey_pam"), assets.path("wake_melspectrogram"), assets.path("wake_embedding"), threshold
    )
    audio = np.concatenate([floor(2.0), clip, floor(1.0, 1)])
    audio = audio[: len(audio) // CHUNK_SAMPLES * CHUNK_SAMPLES]
    return sum(detector.process(c) is not None for c in audio.reshape(-1, CHUNK_SAMPLES))


def test_the_shipped_model_has_the_classifier_contract_of_openwakeword() -> None:
    import openwakeword

    assets = Assets()
    model = openwakeword.Model(
        wakeword_models=[str(assets.path("hey_pam"))],
        melspec_model_path=str(assets.path("wake_melspectrogram")),
        embedding_model_path=str(assets.path("wake_embedding")),
        inference_framework="onnx",
    )
    assert model.model_inputs == {"hey_pam": WINDOW} and model.model_outputs == {"hey_pam": 1}
    scorer = OnnxScorer(assets.path("hey_pam"))
    assert 0.05 <= scorer.default_threshold() < 1.0
    assert scorer.curve(), "the development curve is stored in the model for enrolment"


def test_fires_on_held_out_voices(synth: Synthesizer) -> None:
    clips = held_out(synth, ("hey pam", "hi pam"), 16, seed=101)
    hits = [detections(c) for c in clips]
    assert sum(h >= 1 for h in hits) >= 13, hits  # measured 16 of these 16 (models/hey_pam.md: ~89 %)
    assert max(hits) == 1, "one utterance gives one detection"


def test_near_misses_are_accepted_no_more_than_measured(synth: Synthesizer) -> None:
    """The first stage alone accepts about half of the held-out near misses (models/hey_pam.md): this
    guards against it getting worse, not a target met."""
    clips = held_out(synth, phrases.NEAR_MISS_LISTED, 16, seed=202)
    assert sum(detections(c) for c in clips) <= 9  # measured 7 of these 16


def test_silence_and_noise_never_fire() -> None:
    rng = np.random.default_rng(5)
    noise = (rng.standard_normal(20 * RATE) * 2000).astype(np.int16)
    assert detections(np.zeros(10 * RATE, dtype=np.int16)) == 0
    assert detections(noise) == 0


def test_training_windows_equal_the_runtime_streaming_windows() -> None:
    """Training clips are cut so the batch features equal what the runtime computes chunk by chunk."""
    features = Features()
    rng = np.random.default_rng(3)
    audio = (rng.standard_normal(6 * RATE) * 2000).astype(np.int16)
    stream = features.stream(audio)
    for chunk in (30, 55, 73):
        end = (chunk + 1) * CHUNK_SAMPLES + 160
        batch = features.embed_clips(audio[end - CLIP_SAMPLES : end][None])[0]
        np.testing.assert_allclose(batch, stream[chunk - WINDOW + 1 : chunk + 1], atol=1e-3)


def test_eval_cli_prints_the_figures_as_json(
    synth: Synthesizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAM_HOME", str(tmp_path / "home"))
    for i, clip in enumerate(held_out(synth, ("hey pam",), 4, seed=303)):
        (tmp_path / "clips" / "positive").mkdir(parents=True, exist_ok=True)
        write_wav(tmp_path / "clips" / "positive" / f"p{i}.wav", clip)
    for i, clip in enumerate(held_out(synth, ("hey palm", "hey sam"), 2, seed=304)):
        (tmp_path / "clips" / "near_miss").mkdir(parents=True, exist_ok=True)
        write_wav(tmp_path / "clips" / "near_miss" / f"n{i}.wav", clip)
    (tmp_path / "clips" / "room").mkdir()
    write_wav(tmp_path / "clips" / "room" / "noise.wav", floor(30.0, 7))
    assert cli.main(["wakeword", "eval", str(tmp_path / "clips"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "hey_pam" and out["positives"] == 4 and out["near_misses"] == 2
    assert out["negative_hours"] == pytest.approx(32 / 3600, rel=0.05)
    for key in ("false_reject_pct", "false_accepts_per_hour", "near_miss_accept_pct", "threshold"):
        assert isinstance(out[key], float | int)
    assert set(out["latency_ms"]) == {"p50", "p95", "n"}
    assert out["false_accepts"] == 0


def test_eval_cli_explains_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["wakeword", "eval", str(tmp_path / "missing.wav")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_pam_listen_reports_the_wake_word_with_the_shipped_model(
    synth: Synthesizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    threshold = OnnxScorer(Assets().path("hey_pam")).default_threshold()
    monkeypatch.setenv("PAM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PAM_WAKE_MODEL", "hey_pam")
    monkeypatch.setenv("PAM_WAKE_THRESHOLD", str(threshold))
    phrase = synth.speak(Voice("piper", "joe"), "Hey Pam!")
    request = synth.speak(Voice("piper", "joe"), "how far is it to Moab?")
    audio = np.concatenate([floor(2.0), phrase, floor(0.3, 2), request, floor(1.0, 3)])
    write_wav(tmp_path / "in.wav", audio)

    def wake_events() -> list[dict[str, Any]]:
        assert cli.main(["listen", str(tmp_path / "in.wav"), "--json"]) == 0
        events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return [e for e in events if e["event"].startswith("wake")]

    first_stage = wake_events()
    assert first_stage and all(w["model"] == "hey_pam" and w["event"] == "wake" for w in first_stage)
    phrase_end = (2 * RATE + len(phrase)) / RATE
    assert phrase_end - 0.3 < first_stage[0]["t"] < phrase_end + 0.6
    # the first stage alone may also fire on the request (it did, at 0.89, when this test was
    # written); with the second stage on, only the real one stays a wake
    monkeypatch.setenv("PAM_WAKE_VERIFY", "true")
    checked = wake_events()
    assert [w["t"] for w in checked] == [w["t"] for w in first_stage]
    assert [w["event"] for w in checked] == ["wake"] + ["wake_rejected"] * (len(checked) - 1)
