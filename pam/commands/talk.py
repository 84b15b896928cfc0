"""`pam talk IN.wav`: one turn from a file, through the same listener, controller and engine."""

from __future__ import annotations

import argparse
import json
import queue
from pathlib import Path

NAME = "talk"
HELP = "answer one spoken request from a WAV file (push-to-talk, no wake word needed)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, help="WAV/FLAC file with the user's request")
    parser.add_argument("--out", type=Path, help="write PAM's spoken reply to this WAV file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--engine", choices=["canned", "local", "auto", "online"], help="override engine.mode")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the answer")


def run(args: argparse.Namespace) -> int:
    from pam import app, config
    from pam.audio.files import read_audio
    from pam.conversation.messages import PushToTalk, TurnFinished
    from pam.errors import InputFileError, PamError
    from pam.listen.events import SAMPLE_RATE, SpeechEnded
    from pam.listen.listener import listen_samples

    cfg = config.load()
    samples = read_audio(args.input)
    events = list(listen_samples(app.build_listener(cfg, wake=False), samples))
    if not any(isinstance(event, SpeechEnded) for event in events):
        # said before any model is loaded: a silent file needs no engine
        raise InputFileError(f"No speech was found in {args.input}; record the request again, louder.")
    controller, player, store, tools, engine = app.build_file_session(cfg, engine_mode=args.engine)
    finished: queue.Queue[TurnFinished] = queue.Queue()
    controller.subscribe(lambda item: finished.put(item) if isinstance(item, TurnFinished) else None)
    try:
        engine.wait_ready(300)  # a turn's latency is the turn's, not the models' loading
        controller.start()
        controller.post(PushToTalk())
        for event in events:
            controller.post(event)
        try:
            result = finished.get(timeout=args.timeout)
        except queue.Empty:
            raise PamError(f"No answer within {args.timeout:.0f} s; run `pam doctor`.") from None
    finally:
        controller.stop()
        engine.close()
        tools.registry.close()
        store.close()
    record = result.record
    if args.out:
        player.write(args.out)
    out = {
        "transcript": record.transcript,
        "reply": record.reply,
        "engine": record.engine,
        "latency_ms": round(record.latencies.get("first_audio_ms", 0.0), 1),
        "latencies": {k: round(v, 1) for k, v in record.latencies.items()},
        "interrupted": record.interrupted,
        "error": record.error or None,
        "reply_seconds": round(len(player.audio()) / SAMPLE_RATE, 2),
    }
    if args.json:
        print(json.dumps(out))
    else:
        print(f"you: {out['transcript'] or '…'}\npam: {out['reply'] or '…'}  [{out['engine']}, {out['latency_ms']} ms]")
    return 1 if record.error else 0
