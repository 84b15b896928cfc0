"""`pam listen IN.wav`: run PAM's listener (wake word, speech start and end) over an audio file."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pam import config
from pam.listen.events import SAMPLE_RATE, ListenEvent, SpeechEnded, SpeechStarted, WakeDetected, WakeRejected

NAME = "listen"
HELP = "show where the wake word fires and where speech starts and ends in an audio file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="IN.wav", help="audio file (any rate; mixed down to 16 kHz mono)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per event")


def _seconds(sample: int) -> float:
    return round(sample / SAMPLE_RATE, 3)


def describe(event: ListenEvent) -> dict[str, Any] | None:
    """The event as a JSON-ready dict with times in seconds from the file's start; None if not shown."""
    match event:
        case WakeDetected(sample=sample, model=model, score=score):
            return {"event": "wake", "t": _seconds(sample), "model": model, "score": round(score, 3)}
        case WakeRejected(sample=sample, model=model, score=score, heard=heard):
            return {
                "event": "wake_rejected", "t": _seconds(sample), "model": model, "score": round(score, 3), "heard": heard
            }  # fmt: skip
        case SpeechStarted(sample=sample):
            return {"event": "speech_start", "t": _seconds(sample)}
        case SpeechEnded(sample=sample, start_sample=start):
            return {"event": "speech_end", "t": _seconds(sample), "start": _seconds(start)}
    return None


def _line(info: dict[str, Any]) -> str:
    t = f"{info['t']:8.3f} s"
    if info["event"] == "wake":
        return f"{t}  wake word {info['model']} (score {info['score']:.2f})"
    if info["event"] == "wake_rejected":
        return f"{t}  wake word {info['model']} (score {info['score']:.2f}) rejected: the check heard {info['heard']!r}"
    if info["event"] == "speech_start":
        return f"{t}  speech starts"
    return f"{t}  speech ends (utterance audio from {info['start']:.3f} s, pre-roll included)"


def run(args: argparse.Namespace) -> int:
    # imported here so `pam --help` does not load numpy, scipy and the VAD
    from pam.listen.confirm import confirmed
    from pam.listen.listener import listen_file
    from pam.wakeword.verify import checker_for

    cfg = config.load()
    for event in confirmed(listen_file(args.input, cfg), checker_for(cfg.wake)):
        info = describe(event)
        if info is not None:
            print(json.dumps(info) if args.json else _line(info), flush=True)
    return 0
