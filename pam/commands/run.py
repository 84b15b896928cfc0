"""`pam run`: the always-listening assistant on the real microphone and speaker."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

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
        _say(item.message)


def _say(message: str) -> None:
    print(f"pam: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from pam import app, config

    cfg = config.load()
    if not args.headless and os.environ.get("DISPLAY") and _tray_available():
        from pam.ui.tray import run_tray

        return int(run_tray(cfg, engine_mode=args.engine))
    pam = app.build_live(cfg, engine_mode=args.engine, on_progress=_say)
    pam.controller.subscribe(_print_event)
    stop = threading.Event()
    # SIGINT too, not Python's KeyboardInterrupt: a shell that starts PAM in the background hands it
    # SIGINT ignored, and Python then installs no KeyboardInterrupt handler at all
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    pam.start()
    phrase = Path(cfg.wake.model).stem.replace("_", " ")  # a model name or a path to one
    wake = f'Say "{phrase}"' if cfg.wake.enabled else "The wake word is off"
    _say(f"PAM is listening. {wake}, or press Ctrl-C to quit.")
    try:
        while not stop.wait(0.5):
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
