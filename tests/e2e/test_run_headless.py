"""`pam run --headless` on the virtual devices: the wake word starts a turn, the answer is heard,
Ctrl-C stops it cleanly with the turn in the database."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pam.audio import testing_pulse
from pam.store.db import Store

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not testing_pulse.available(), reason="pulseaudio is not installed"),
]


WAKES = {
    # the default stand-in wake word, then a request in the same breath
    "hey_jarvis": ({}, "Hey Jarvis, what is the weather like tomorrow?"),
    # PAM's own model with the second stage: the request waits for Whisper's verdict, and is not lost
    "hey_pam_checked": (
        {"PAM_WAKE_MODEL": "hey_pam", "PAM_WAKE_VERIFY": "true"},
        "Hey Pam, what is the weather like tomorrow?",
    ),
}


@pytest.mark.parametrize("wake", list(WAKES))
def test_wake_word_turn_and_clean_stop(pulse: testing_pulse.PrivatePulse, tmp_path: Path, wake: str) -> None:
    settings, said = WAKES[wake]
    env = {
        **pulse.env,
        "PAM_HOME": str(tmp_path),
        "PAM_ENGINE_MODE": "canned",
        "PAM_CONVERSATION_FOLLOW_UP_S": "0",
        **settings,
    }
    env.pop("DISPLAY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pam", "run", "--headless"], env=env, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stderr is not None
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()

    def wait_for(text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in lines.get(timeout=1):
                    return
            except queue.Empty:
                assert proc.poll() is None, "pam exited early"
        raise AssertionError(f"no {text!r} from pam")

    try:
        wait_for("PAM is listening")
        pulse.feed(testing_pulse.spoken(said)).wait(15)
        wait_for("listening")
        wait_for("pam: Okay, I heard you.")
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0
    store = Store(Path(tmp_path) / "data" / "pam.sqlite3")
    turns = store.recent_turns()
    assert [(t["trigger"], t["engine"], t["interrupted"]) for t in turns] == [("wake", "canned", False)]
    sessions = store.read("SELECT ended_at FROM sessions")
    assert sessions[0]["ended_at"] is not None  # stopped cleanly
    assert os.path.exists(Path(tmp_path) / "log" / "pam.log")
