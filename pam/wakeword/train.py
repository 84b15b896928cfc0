"""The whole "hey pam" pipeline: data → features → classifier → threshold → ONNX → test report."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pam.wakeword import classifier, evaluate
from pam.wakeword.dataset import KINDS, PLANS, DataBuilder, Plan, Progress

log = logging.getLogger(__name__)

MAX_FA_PER_HOUR = 0.5
MAX_NEAR_MISS_PCT = 5.0


@dataclass(frozen=True)
class Result:
    model: Path
    threshold: float
    report: dict[str, Any]


def run(
    plan: Plan = PLANS["full"],
    out: Path | None = None,
    config: classifier.TrainConfig | None = None,
    progress: Progress | None = None,
    workers: int = 2,
    verify: bool = False,
) -> Result:
    """Builds (or reuses) the data, trains, picks the threshold on the dev set, writes the ONNX and a
    JSON report in the data cache. ``verify`` also measures the test set after the second stage (slow)."""
    say = progress or (lambda msg: log.info(msg))
    t0 = time.monotonic()
    data = DataBuilder(plan, say, workers)
    train = data.train_set()
    dev = data.eval_set("train", "dev")
    test = data.eval_set("test", "test")
    say(f"training on {len(train.y)} windows ({int(train.y.sum())} with the phrase)")
    config = config or classifier.TrainConfig()
    trained = classifier.train(train.x, train.y, train.kind, config)
    draft = classifier.OnnxScorer(classifier.to_onnx(trained, {}))
    dev_curve = evaluate.curve(dev, evaluate.score(draft, dev))
    threshold = evaluate.choose_threshold(dev_curve, MAX_FA_PER_HOUR, MAX_NEAR_MISS_PCT)
    say(f"threshold {threshold} (chosen on the dev set)")
    metadata = {
        "pam.phrase": "hey pam",
        "pam.threshold": str(threshold),
        "pam.curve": json.dumps(dev_curve),
        "pam.plan": json.dumps(asdict(plan)),
        "pam.train": json.dumps(asdict(config)),
        "pam.date": dt.date.today().isoformat(),
    }
    onnx = classifier.to_onnx(trained, metadata)
    scorer = classifier.OnnxScorer(onnx)
    scored = evaluate.score(scorer, test)
    target = out or data.dir / "hey_pam.onnx"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(onnx)
    checker = None
    if verify:
        from pam.wakeword.verify import Verifier

        say("measuring the second stage on the test set")
        checker = Verifier()
    report = {
        "plan": plan.name,
        "train_windows": len(train.y),
        "train_positive_windows": int(train.y.sum()),
        "prose_minutes": plan.prose_minutes,
        "train_windows_by_kind": dict(zip(KINDS, np.bincount(train.kind, minlength=len(KINDS)).tolist(), strict=True)),
        "model_bytes": len(onnx),
        "dev": evaluate.report(dev, evaluate.score(scorer, dev), threshold),
        "dev_curve": dev_curve,
        "test": evaluate.report(test, scored, threshold, checker),
        "test_curve": evaluate.curve(test, scored),
        "cpu_pct": evaluate.runtime_cpu_pct(target, test.negatives.audio),
        "minutes": round((time.monotonic() - t0) / 60, 1),
    }
    # the full report (curves included) stays in the cache; the model card summarises it
    (data.dir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    say(f"wrote {target} ({len(onnx)} bytes) in {report['minutes']} min")
    return Result(target, threshold, report)
