"""The tray app as a person uses it: `pam run` on a virtual X server with a tray host (Xvfb +
trayer), the private PulseAudio room, the canned engine (espeak-ng). Clicks and keys go through
xdotool; screenshots of the tray, its menu and every window land in tests/artifacts/tray/."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from pam.audio.testing_pulse import PrivatePulse, spoken
from pam.engines.canned import ACKNOWLEDGEMENT
from pam.store import usage
from pam.store.db import Store
from pam.ui import testing_x
from pam.ui.testing_x import VirtualDisplay, artifact_dir

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not testing_x.available(), reason="Xvfb, trayer, xdotool or ImageMagick is missing"),
]
RATE = 16_000
LOUD = 400


class TrayProcess:
    """`python -m pam run --engine canned` on the virtual display, logging to PAM_HOME/log/pam.log."""

    def __init__(self, x: VirtualDisplay, pulse: PrivatePulse, home: Path, **settings: str) -> None:
        self.x = x
        self.home = home
        self.env = {**x.env, "PULSE_SERVER": pulse.server, "PAM_HOME": str(home), **settings}
        self.log = home / "log" / "pam.log"
        self.proc = self.launch()
        self.icon: tuple[int, int] = (0, 0)

    def launch(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "pam", "run", "--engine", "canned"], env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_log(self, needle: str, timeout: float = 30.0, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while self.text().count(needle) < count:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace") if self.proc.stdout else ""
                raise AssertionError(f"PAM exited ({self.proc.returncode}) waiting for {needle!r}:\n{out}")
            assert time.monotonic() < deadline, f"no {needle!r} in the log within {timeout} s:\n{self.text()[-3000:]}"
            time.sleep(0.05)

    def wait_ready(self) -> None:
        self.wait_log("PAM is ready", timeout=60)
        deadline = time.monotonic() + 10
        while (icon := self.x.tray_icon("PAM")) is None:
            assert time.monotonic() < deadline, "the tray icon did not appear in the tray"
            time.sleep(0.1)
        self.icon = icon

    def menu(self, key: str | None = None) -> None:
        """Open the tray menu (right click); with ``key``, pick the entry with that underlined letter."""
        deadline = time.monotonic() + 5
        while self.menu_window() is not None:  # still closing from the last time
            assert time.monotonic() < deadline, "the tray menu did not close"
            time.sleep(0.05)
        time.sleep(0.2)
        self.x.click(*self.icon, button=3)
        deadline = time.monotonic() + 10
        while self.menu_window() is None:
            assert time.monotonic() < deadline, "the tray menu did not open"
            time.sleep(0.05)
        time.sleep(0.2)
        if key is not None:
            self.x.xdotool("key", key)
            time.sleep(0.3)

    def menu_window(self) -> str | None:
        """The open menu: PAM's only visible popup (override-redirect) window of menu size."""
        for wid, _, cls, (_, _, w, h) in self.x.windows():
            if '"PAM"' in cls and w > 150 and h > 200:
                info = self.x.run("xwininfo", "-id", wid)
                if "IsViewable" in info and "Override Redirect State: yes" in info:
                    return wid
        return None

    def window(self, title: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            found = self.x.run("xdotool", "search", "--onlyvisible", "--name", f"^{title}$", check=False).split()
            if found:
                time.sleep(0.8)  # let it paint
                return found[0]
            assert time.monotonic() < deadline, f"no window {title!r}"
            time.sleep(0.1)

    def shot(self, wid: str, path: Path) -> Path:
        self.x.run("import", "-window", wid, str(path))
        colours = int(self.x.run("identify", "-format", "%k", str(path)))
        assert colours > 8, f"{path.name} looks blank ({colours} colours)"
        return path

    def wait_exit(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def display() -> Iterator[VirtualDisplay]:
    with VirtualDisplay() as x:
        yield x


@pytest.fixture
def tray(display: VirtualDisplay, pulse: PrivatePulse, tmp_path: Path) -> Iterator[TrayProcess]:
    home = tmp_path / "home"
    seed_usage(home / "data" / "pam.sqlite3")
    app = TrayProcess(display, pulse, home, PAM_CONVERSATION_FOLLOW_UP_S="0")
    try:
        yield app
    finally:
        if app.proc.poll() is None:
            app.proc.kill()
            app.proc.wait()


def seed_usage(db: Path) -> None:
    """Some earlier days of this month in the ledger, so the dashboard has bars to show."""
    today = date.today()
    store = Store(db)
    try:
        for day, engine, turns in [(1, "local", 3), (max(1, today.day - 1), "realtime", 5)]:
            when = datetime(today.year, today.month, day, 12).timestamp()
            usage.record(store, usage.UsageEvent(when, engine, turns=turns, voice_seconds=40.0 * turns, tool_calls=1))
    finally:
        store.close()


def loud_seconds(audio: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(audio.astype(np.int32)) > LOUD)
    return (loud[-1] - loud[0]) / RATE if len(loud) else 0.0


def test_tray_icon_menu_push_to_talk_windows_and_quit(tray: TrayProcess, pulse: PrivatePulse) -> None:
    shots = artifact_dir("tray")
    started = time.monotonic()
    tray.wait_ready()
    ready_s = time.monotonic() - started
    x0, _ = tray.icon
    tray.x.screenshot(shots / "screen.png")
    tray.x.run("convert", str(shots / "screen.png"), "-crop", f"64x40+{x0 - 40}+0", str(shots / "tray-icon.png"))

    # the menu opens on a right click
    tray.menu()
    menu = tray.menu_window()
    assert menu is not None
    tray.shot(menu, shots / "tray-menu.png")
    tray.x.xdotool("key", "Escape")

    # Push to talk from the menu, a question into the virtual mic, the answer on the speaker
    recording = pulse.record_speaker()
    tray.menu("p")
    tray.wait_log("IDLE -PUSH_TO_TALK-> LISTENING")
    question = spoken("Where is the nearest dump station?")
    pulse.feed(question).wait(15)
    tray.wait_log("SPEAKING -DONE-> IDLE", timeout=30)
    time.sleep(0.3)
    heard = recording.stop()
    assert loud_seconds(heard) > 0.8, "the acknowledgement (~1.4 s) did not reach the speaker"

    # every window, from the menu
    tray.menu("d")
    tray.shot(tray.window("PAM debug overlay"), shots / "overlay.png")
    tray.menu("c")
    tray.shot(tray.window("PAM: conversation"), shots / "conversation.png")
    tray.menu("u")
    tray.shot(tray.window("PAM: usage"), shots / "dashboard.png")
    tray.menu("t")
    tray.shot(tray.window("PAM: settings"), shots / "settings.png")
    tray.x.xdotool("key", "Escape")  # closes the settings dialog

    # Quit: the process ends by itself and the database is whole
    tray.menu("q")
    assert tray.wait_exit() == 0
    db = sqlite3.connect(tray.home / "data" / "pam.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        turns = db.execute("SELECT trigger, reply, engine, interrupted FROM turns").fetchall()
        assert turns == [("push_to_talk", ACKNOWLEDGEMENT, "canned", 0)]
        assert db.execute("SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL").fetchone() == (0,)
    finally:
        db.close()
    print(f"tray ready {ready_s:.1f} s after launch")


def test_hotkey_mute_second_start_and_sigterm(display: VirtualDisplay, pulse: PrivatePulse, tmp_path: Path) -> None:
    tray = TrayProcess(display, pulse, tmp_path / "home", PAM_CONVERSATION_NO_SPEECH_TIMEOUT_S="1")
    try:
        tray.wait_ready()
        # the global hotkey starts a turn; nobody speaks, so it times out with the soft end tone
        recording = pulse.record_speaker()
        display.xdotool("key", "ctrl+alt+space")
        tray.wait_log("IDLE -PUSH_TO_TALK-> LISTENING")
        tray.wait_log("LISTENING -TIMEOUT-> IDLE", timeout=15)
        time.sleep(0.5)
        assert 0.1 < loud_seconds(recording.stop()) < 0.5, "the end tone (2 × 80 ms) was not heard"

        # muted: the hotkey is refused with a sentence; unmuted: it works again
        tray.menu("m")
        display.xdotool("key", "ctrl+alt+space")
        tray.wait_log("The microphone is muted")
        tray.menu("m")
        time.sleep(1.0)  # the microphone stream reopens on the worker
        display.xdotool("key", "ctrl+alt+space")
        tray.wait_log("IDLE -PUSH_TO_TALK-> LISTENING", count=2)
        tray.wait_log("LISTENING -TIMEOUT-> IDLE", timeout=15, count=2)

        # starting PAM again asks the running one to listen, and exits
        second = subprocess.run(
            [sys.executable, "-m", "pam", "run", "--engine", "canned"], env=tray.env,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 0
        assert "already running" in second.stderr
        tray.wait_log("IDLE -PUSH_TO_TALK-> LISTENING", count=3)

        # SIGTERM (logout) stops PAM as cleanly as Quit
        os.kill(tray.proc.pid, signal.SIGTERM)
        assert tray.wait_exit() == 0
        db = sqlite3.connect(tray.home / "data" / "pam.sqlite3")
        assert db.execute("SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL").fetchone() == (0,)
        db.close()
    finally:
        if tray.proc.poll() is None:
            tray.proc.kill()
            tray.proc.wait()


def test_a_hotkey_another_program_holds_is_one_sentence(display: VirtualDisplay) -> None:
    # two X connections are two programs to the X server: the second grab is refused (BadAccess)
    code = (
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QGuiApplication([])\n"
        "from pam.errors import ConfigError\n"
        "from pam.ui.hotkey import GlobalHotkey\n"
        "first = GlobalHotkey('Ctrl+Alt+Space')\n"
        "try:\n"
        "    GlobalHotkey('Ctrl+Alt+Space')\n"
        "except ConfigError as err:\n"
        "    print(err)\n"
        "first.close()\n"
        "GlobalHotkey('Ctrl+Alt+Space').close()\n"
        "print('grabbed again after close')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=display.env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "The hotkey Ctrl+Alt+Space is taken by another program (or the keyboard has no such key); "
        "pick another in Settings.",
        "grabbed again after close",
    ]
