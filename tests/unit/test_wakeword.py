"""Pure parts of the wake word pipeline: scoring arithmetic, threshold choice, calibration, the
ONNX writer, augmentation and the train/held-out splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pam.wakeword import augment, enroll, evaluate, metrics, phrases, voices
from pam.wakeword.onnx_writer import Node, model_bytes


def test_detections_fire_once_per_crossing_and_respect_the_refractory_period() -> None:
    scores = np.zeros(100, dtype=np.float32)
    scores[20:25] = 0.9  # one utterance: five chunks above threshold
    scores[30] = 0.9  # re-armed, but within 1.5 s of the first detection
    scores[60:62] = 0.9
    assert metrics.detections(scores, 0.5) == [20, 60]


def test_patience_asks_for_several_chunks_in_a_row() -> None:
    scores = np.zeros(100, dtype=np.float32)
    scores[20] = 0.9  # a one-chunk spike
    scores[40:43] = 0.9
    assert metrics.detections(scores, 0.5, patience=2) == [41]
    assert metrics.detections(scores, 0.5, patience=4) == []


def test_detections_ignore_the_warm_up_chunks() -> None:
    scores = np.full(30, 0.9, dtype=np.float32)
    assert metrics.detections(scores, 0.5) == [metrics.WARMUP_CHUNKS]


def test_item_hits_measure_latency_from_the_end_of_the_phrase() -> None:
    scores = np.zeros(100, dtype=np.float32)
    scores[41] = 0.8
    end = 41 * metrics.CHUNK + 100  # the phrase ends inside chunk 41 ...
    res = metrics.item_hits(scores, [30 * metrics.CHUNK], [end], 0.5)
    assert res.detected.tolist() == [True]
    assert res.latency_samples.tolist() == [metrics.CHUNK - 100]  # ... and is reported when chunk 41 ends
    assert not metrics.item_hits(scores, [30 * metrics.CHUNK], [end], 0.9).detected[0]


def test_item_peaks_and_percentiles() -> None:
    scores = np.linspace(0, 1, 200, dtype=np.float32)
    peaks = metrics.item_peaks(scores, [20 * metrics.CHUNK], [30 * metrics.CHUNK])
    last = (30 * metrics.CHUNK + metrics.ITEM_TAIL) // metrics.CHUNK
    assert peaks[0] == pytest.approx(scores[last])
    p = metrics.percentiles_ms(np.array([1600, 3200, 4800], dtype=np.int64))
    assert p["p50"] == 200.0 and p["n"] == 3


def test_threshold_is_the_most_sensitive_one_within_both_limits() -> None:
    rows = [
        {"threshold": 0.3, "false_reject_pct": 1.0, "false_accepts_per_hour": 3.0, "near_miss_accept_pct": 2.0},
        {"threshold": 0.5, "false_reject_pct": 2.0, "false_accepts_per_hour": 0.4, "near_miss_accept_pct": 9.0},
        {"threshold": 0.7, "false_reject_pct": 4.0, "false_accepts_per_hour": 0.0, "near_miss_accept_pct": 4.0},
        {"threshold": 0.9, "false_reject_pct": 9.0, "false_accepts_per_hour": 0.0, "near_miss_accept_pct": 1.0},
    ]
    assert evaluate.choose_threshold(rows, 0.5, 5.0) == 0.7
    # no row meets both limits: the strictest one that still misses at most 10 %
    assert evaluate.choose_threshold(rows, 0.5, 0.5) == 0.9
    assert evaluate.choose_threshold(rows, 0.5, 0.5, max_frr_pct=5.0) == 0.7
    assert evaluate.choose_threshold(rows[:1], 0.5, 5.0, max_frr_pct=0.5) == 0.5


def test_calibration_follows_the_voice_between_the_floor_and_the_ceiling() -> None:
    curve = [
        {"threshold": 0.2, "false_accepts_per_hour": 30.0},
        {"threshold": 0.4, "false_accepts_per_hour": 15.0},
        {"threshold": 0.6, "false_accepts_per_hour": 8.0},
        {"threshold": 0.8, "false_accepts_per_hour": 2.0},
    ]
    floor = enroll.floor_threshold(curve, 0.6)
    assert floor == 0.4  # at most twice the false accepts of the default
    assert enroll.floor_threshold([], 0.6) == 0.6
    strong = enroll.calibrate([0.9999, 1.0], 0.6, floor)
    assert strong.threshold == enroll.CEILING  # a voice the model knows well: fewer false accepts
    middle = enroll.calibrate([0.9, 0.95], 0.6, floor)
    assert middle.threshold == pytest.approx(0.549, abs=1e-3) and not middle.weak  # 2 log-odds below 0.9
    weak = enroll.calibrate([0.3, 0.9], 0.6, floor)
    assert weak.threshold == 0.4 and weak.weak
    assert enroll.calibrate([], 0.6, floor).threshold == 0.6


def test_onnx_writer_output_runs_in_onnxruntime() -> None:
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    w = rng.standard_normal((12, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    data = model_bytes(
        [Node("Flatten", ("x",), "f", {"axis": 1}), Node("Gemm", ("f", "w", "b"), "z"), Node("Sigmoid", ("z",), "y")],
        {"w": w, "b": b},
        {"x": ["batch", 3, 4]},
        {"y": ["batch", 3]},
        {"note": "hello"},
    )
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    x = rng.standard_normal((5, 3, 4)).astype(np.float32)
    got = session.run(None, {"x": x})[0]
    want = 1 / (1 + np.exp(-(x.reshape(5, 12) @ w + b)))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    assert session.get_modelmeta().custom_metadata_map == {"note": "hello"}
    assert session.get_inputs()[0].shape == ["batch", 3, 4]


def test_mlp_export_matches_scikit_learn() -> None:
    from pam.wakeword import classifier

    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 16, 96)).astype(np.float32) * 3 + 1
    y = (x[:, :, 0].mean(axis=1) > 1).astype(np.int8)
    kind = np.where(y == 1, 0, 2).astype(np.int8)
    cfg = classifier.TrainConfig(hidden=(8,), epochs=3, hard_epochs=1)
    trained = classifier.train(x, y, kind, cfg)
    mlp, mean, std = trained
    scorer = classifier.OnnxScorer(classifier.to_onnx(trained, {"pam.threshold": "0.6"}))
    want = mlp.predict_proba((x.reshape(300, -1) - mean) / std)[:, 1]
    np.testing.assert_allclose(scorer.windows(x), want, atol=1e-4)
    assert scorer.default_threshold() == 0.6


def test_mix_at_snr_sets_the_level_of_the_noise() -> None:
    rng = np.random.default_rng(2)
    speech = rng.standard_normal(16000).astype(np.float32) * 0.1
    noise = rng.standard_normal(8000).astype(np.float32)
    mixed = augment.mix_at_snr(speech, noise, 10.0)
    added = mixed - speech
    assert 20 * np.log10(augment.rms(speech) / augment.rms(added)) == pytest.approx(10.0, abs=0.01)


def test_room_impulse_and_backgrounds_are_reproducible() -> None:
    a = augment.room_impulse(np.random.default_rng(3))
    b = augment.room_impulse(np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a[0] == a.max()  # the direct path comes first
    for seed in range(6):
        bg = augment.background(8000, np.random.default_rng(seed), [])
        assert bg.shape == (8000,) and np.abs(bg).max() == pytest.approx(1.0)


def test_loud_span_finds_the_spoken_part() -> None:
    audio = np.zeros(16000, dtype=np.int16)
    audio[4000:9000] = (np.sin(np.arange(5000) / 5) * 8000).astype(np.int16)
    start, end = voices.loud_span(audio)
    assert abs(start - 4000) <= 160 and abs(end - 9000) <= 160
    assert len(voices.trim(audio)) == end - start


def test_held_out_voices_and_texts_are_never_trained_on() -> None:
    for table in (voices.ESPEAK_ACCENTS, voices.ESPEAK_VARIANTS, voices.FLITE_VOICES):
        assert not set(table["train"]) & set(table["test"])
    train_piper, test_piper = voices.PIPER_RANGES["train"], voices.PIPER_RANGES["test"]
    assert test_piper["length"][0] > train_piper["length"][1]
    assert not set(phrases.NEAR_MISS_UNSEEN) & set(phrases.NEAR_MISS_TRAIN)
    assert set(phrases.NEAR_MISS_LISTED) <= set(phrases.NEAR_MISS_TRAIN)
    assert not set(phrases.general_sentences(True)) & set(phrases.general_sentences(False))
    prose = phrases.prose_sentences()
    assert len(prose) > 1000 and not set(prose) & set(phrases.general_sentences(True))
    assert all(4 <= len(s.split()) <= 18 for s in prose)
    rng = np.random.default_rng(0)
    names = {v.name for v in voices.sample_voices("test", 200, rng)}
    assert all(n.split("+")[0] in voices.ESPEAK_ACCENTS["test"] or n in ("slt", "joe") for n in names)


def test_collect_sorts_files_by_folder_role(tmp_path: Path) -> None:
    for rel in ("positive/a.wav", "set/near_miss/b.wav", "other/c.wav", "d.flac", "notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    found = evaluate.collect([tmp_path])
    assert [p.name for p in found["positive"]] == ["a.wav"]
    assert [p.name for p in found["near_miss"]] == ["b.wav"]
    assert sorted(p.name for p in found["negative"]) == ["c.wav", "d.flac"]


def test_collect_rejects_missing_paths(tmp_path: Path) -> None:
    from pam.errors import InputFileError

    with pytest.raises(InputFileError, match="does not exist"):
        evaluate.collect([tmp_path / "nope"])
    with pytest.raises(InputFileError, match="No audio files"):
        evaluate.collect([tmp_path])
