"""`pam wakeword train|eval|enroll`: build, measure and personalise the "hey pam" wake word model."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pam import config, paths
from pam.errors import InputFileError, PamError

NAME = "wakeword"
HELP = "train, evaluate or personalise the 'hey pam' wake word model"
DEFAULT_MODEL = "hey_pam"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="wake_command", metavar="ACTION", required=True)

    train = sub.add_parser("train", help="generate data, train the classifier and export ONNX (≈1 h on 2 cores)")
    train.add_argument("--plan", choices=["tiny", "small", "full"], default="full", help="data set size")
    train.add_argument("--out", type=Path, help="where to write the .onnx (default: PAM's data dir)")
    train.add_argument("--card", type=Path, help="also write a Markdown model card here")
    train.add_argument("--verify", action="store_true", help="also measure the second stage (adds minutes)")
    train.set_defaults(wake_handler=_train)

    ev = sub.add_parser("eval", help="score audio files: false rejects, false accepts per hour, latency")
    ev.add_argument(
        "inputs", nargs="*", type=Path, metavar="DIR_OR_WAV",
        help="files or folders; files under a folder named 'positive' hold one 'hey pam' each, under "
        "'near_miss' one near miss; everything else must not contain the wake word",
    )  # fmt: skip
    ev.add_argument("--heldout", choices=["tiny", "small", "full"], help="use the generated held-out test set")
    ev.add_argument("--model", default=DEFAULT_MODEL, help="manifest name or .onnx path (default: hey_pam)")
    ev.add_argument("--threshold", type=float, help="default: the threshold stored in the model")
    ev.add_argument("--verify", action="store_true", help="also apply the second-stage (Whisper) check")
    ev.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ev.set_defaults(wake_handler=_eval)

    en = sub.add_parser("enroll", help="record yourself saying 'hey pam' and fit the threshold to your voice")
    en.add_argument("--takes", type=int, default=5, help="how many times to say it (default 5)")
    en.add_argument("--seconds", type=float, default=3.0, help="recording time per take (default 3 s)")
    en.add_argument("--model", default=DEFAULT_MODEL, help="manifest name or .onnx path (default: hey_pam)")
    en.add_argument("--dry-run", action="store_true", help="show the new threshold without saving it")
    en.add_argument("--json", action="store_true", help="print the result as JSON")
    en.set_defaults(wake_handler=_enroll)


def run(args: argparse.Namespace) -> int:
    return int(args.wake_handler(args))


def _scorer(model: str) -> Any:
    from pam.assets import Assets
    from pam.listen.wakeword import resolve_model
    from pam.wakeword.classifier import OnnxScorer

    _, path = resolve_model(model, Assets())
    return OnnxScorer(path)


def _train(args: argparse.Namespace) -> int:
    from pam.wakeword import card, train
    from pam.wakeword.dataset import PLANS

    out = args.out or paths.data_dir() / "wakeword" / "hey_pam.onnx"
    result = train.run(PLANS[args.plan], out, progress=lambda msg: print(msg, flush=True), verify=args.verify)
    if args.card:
        args.card.write_text(card.render(result.report, out.name), encoding="utf-8")
    test = result.report["test"]
    print(
        f"threshold {result.threshold}: held-out false rejects {test['false_reject_pct']} %, "
        f"{test['false_accepts_per_hour']} false accepts/h, near misses accepted {test['near_miss_accept_pct']} %"
    )
    return 0


def _eval(args: argparse.Namespace) -> int:
    from pam.wakeword import evaluate
    from pam.wakeword.dataset import PLANS, DataBuilder
    from pam.wakeword.features import Features

    if bool(args.inputs) == bool(args.heldout):
        raise InputFileError("Pass either audio files/folders or --heldout PLAN to `pam wakeword eval`.")
    scorer = _scorer(args.model)
    threshold = args.threshold if args.threshold is not None else scorer.default_threshold(config.load().wake.threshold)
    if args.heldout:
        data = DataBuilder(PLANS[args.heldout], progress=lambda msg: print(msg, flush=True)).eval_set("test", "test")
    else:
        data = evaluate.file_set(list(args.inputs), Features())
    checker = None
    if args.verify:
        from pam.wakeword.verify import Verifier

        checker = Verifier()
    result = evaluate.report(data, evaluate.score(scorer, data), threshold, checker)
    result = {"model": args.model, **result}
    if args.json:
        print(json.dumps(result))
    else:
        _print_eval(result)
    return 0


def _print_eval(r: dict[str, Any]) -> None:
    lat = r["latency_ms"]
    print(f"model {r['model']} at threshold {r['threshold']}")
    print(f"  false rejects: {r['false_rejects']} of {r['positives']} ({r['false_reject_pct']} %)")
    print(f"  false accepts: {r['false_accepts']} in {r['negative_hours']} h ({r['false_accepts_per_hour']} per hour)")
    print(f"  near misses accepted: {r['near_miss_accept_pct']} % of {r['near_misses']}")
    print(f"  latency after the phrase ends: p50 {lat['p50']} ms, p95 {lat['p95']} ms (n={lat['n']})")
    if "verified" in r:
        v = r["verified"]
        print(
            f"  after the second stage: false rejects {v['false_reject_pct']} %, {v['false_accepts_per_hour']} "
            f"false accepts/h, near misses {v['near_miss_accept_pct']} %, latency p95 {v['latency_ms']['p95']} ms"
        )


def _enroll(args: argparse.Namespace) -> int:
    from pam.wakeword import enroll
    from pam.wakeword.features import Features

    if not 1 <= args.takes <= 20 or not 1.0 <= args.seconds <= 10.0:
        raise PamError("Use 1-20 takes of 1-10 seconds each for `pam wakeword enroll`.")
    cfg = config.load()
    scorer = _scorer(args.model)

    def prompt(i: int) -> None:
        # on stderr, so --json output stays one clean object
        print(f"Say 'hey pam' now ({i + 1}/{args.takes}) ...", file=sys.stderr, flush=True)

    takes = enroll.record_takes(args.takes, args.seconds, cfg.audio.input_device, prompt)
    saved = enroll.save_takes(takes, paths.data_dir() / "wakeword" / "enroll")
    peaks = enroll.take_peaks(takes, scorer, Features())
    default = scorer.default_threshold(cfg.wake.threshold)
    result = enroll.calibrate(peaks, default, enroll.floor_threshold(scorer.curve(), default))
    if not args.dry_run:
        enroll.apply(result.threshold, args.model)
    info = {
        "takes": [str(p) for p in saved], "peaks": result.peaks, "threshold": result.threshold,
        "floor": result.floor, "default": result.default, "weak": result.weak, "saved": not args.dry_run,
    }  # fmt: skip
    if args.json:
        print(json.dumps(info))
        return 0
    print(f"your takes scored {', '.join(f'{p:.2f}' for p in result.peaks)}")
    print(
        f"threshold {result.threshold} ({'not saved: dry run' if args.dry_run else 'saved to ' + str(paths.config_file())})"
    )
    if result.weak:
        print("Some takes scored low: speak closer to the microphone, or retrain with `pam wakeword train`.")
    return 0
