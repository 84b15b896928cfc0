"""`pam run`: the always-listening assistant on the real microphone and speaker."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

NAME = "run"
HELP = "listen for the wake word and answer (headless without a display)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true", help="no tray icon; print states to the terminal")
    parser.add_argument("--engine", choices=["canned", "local", "auto", "online"], help="override engine.mode")


def _print_event(item: object) -> None:
    from pam.conversation.messages import Notice, StateChanged, TurnFinished

    if isinstance(item, StateChanged):
        step = item.transition
        print(f"[{step.sample / 16000:9.2f}s] {step.after.value}", file=sys.stderr, flush=True)
    elif isinstance(item, TurnFinished):
        rec = item.record
        mark = " (interrupted)" if rec.interrupted else ""
        print(f"  you: {rec.transcript or '…'}\n  pam: {rec.reply or '…'}{mark}", file=sys.stderr, flush=True)
    elif isinstance(item, Notice):
        print(f"pam: {item.message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from pam import app, config

    cfg = config.load()
    if not args.headless and os.environ.get("DISPLAY") and _tray_available():
        from pam.ui.tray import run_tray

        return int(run_tray(cfg, engine_mode=args.engine))
    pam = app.build_live(cfg, engine_mode=args.engine)
    pam.controller.subscribe(_print_event)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    pam.start()
    print("PAM is listening. Say the wake word, or press Ctrl-C to quit.", file=sys.stderr, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        pam.stop()
    return 0


def _tray_available() -> bool:
    try:
        import pam.ui.tray  # noqa: F401
    except ImportError:
        return False
    return True
