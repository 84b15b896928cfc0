"""The tray app in-process with offscreen Qt, on the private PulseAudio room: offscreen Qt has no
system tray, so PAM runs in its fallback window. The real session builds PAM on its worker
thread; settings, wake word and mute take effect live; the settings' level meter hears the mic."""

from __future__ import annotations

import os
import sqlite3
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from pam import paths
from pam.audio import devices
from pam.audio.testing_pulse import PrivatePulse, spoken
from pam.config import Config
from pam.conversation.states import State
from pam.engines.canned import ACKNOWLEDGEMENT
from pam.ui.fallback import NO_TRAY
from pam.ui.settings import SettingsDialog
from pam.ui.status import Loading, Look, Progress, Ready, look, tooltip
from pam.ui.testing_x import artifact_dir
from pam.ui.tray import TrayApp

pytestmark = pytest.mark.e2e
RATE = 16_000


def pump(until: Callable[[], bool], timeout: float = 30.0) -> None:
    app = QApplication.instance()
    assert app is not None
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "timed out"
        app.processEvents()
        time.sleep(0.01)


@pytest.fixture
def room(pulse: PrivatePulse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivatePulse]:
    """The private PulseAudio as this process's sound server, and a fresh PAM_HOME."""
    monkeypatch.setenv("PAM_HOME", str(tmp_path / "home"))
    saved = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = pulse.server
    devices.rescan()
    yield pulse
    if saved is None:
        os.environ.pop("PULSE_SERVER", None)
    else:
        os.environ["PULSE_SERVER"] = saved
    devices.rescan()


def test_without_a_tray_pam_runs_in_a_window_and_settings_apply_live(qapp: QApplication, room: PrivatePulse) -> None:
    config = Config.model_validate(
        {"wake": {"enabled": False}, "conversation": {"follow_up_s": 0.0, "chime": False}, "ui": {"hotkey": ""}}
    )
    app = TrayApp(qapp, config, "canned")
    app.start()
    try:
        assert app.tray is None and app.window is not None and app.window.isVisible()
        assert app.window.why.text() == NO_TRAY
        pump(lambda: app.status.ready, 60)
        assert look(app.status) is Look.IDLE  # wake word off
        assert "Push to talk" in app.window.headline.text()

        # push to talk, speech into the virtual mic, the answer on the speaker
        recording = room.record_speaker()
        app.push_to_talk()
        pump(lambda: app.status.state is State.LISTENING)
        room.feed(spoken("How much did we spend on fuel this week?")).wait(15)
        pump(lambda: len(app.conversation.log.history) == 1)
        heard = recording.stop()
        assert app.conversation.log.history[0].pam == ACKNOWLEDGEMENT
        assert np.abs(heard.astype(np.int32)).max() > 1000
        assert app.window.grab().save(str(artifact_dir("tray") / "fallback-window.png"))

        pam = app.session.pam
        assert pam is not None
        # a conversation setting is swapped into the running controller and saved to the file
        assert app.change_settings({"conversation": {"follow_up_s": 3.0}}) is None
        assert pam.controller.config.follow_up_s == 3.0
        saved = tomllib.loads(paths.config_file().read_text())
        assert saved["conversation"]["follow_up_s"] == 3.0

        # the wake word menu entry builds a listener with the detector, without a restart
        app.wake_action.trigger()
        pump(lambda: app.status.wake_word, 60)
        assert pam.listener.listener.wake is not None
        assert look(app.status) is Look.WAITING
        assert app.session.pam is pam  # the same running PAM

        # mute closes the microphone stream; unmute reopens it
        app.mute_action.trigger()
        pump(lambda: app.status.muted and pam.capture._stream is None)
        assert look(app.status) is Look.MUTED
        assert not app.ptt_action.isEnabled()
        app.mute_action.trigger()
        pump(lambda: not app.status.muted and pam.capture._stream is not None)
    finally:
        app.quit()
        db = paths.data_dir() / "pam.sqlite3"
        pump(lambda: not app.session.running, 30)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL").fetchone() == (0,)
        assert conn.execute("SELECT reply FROM turns").fetchall() == [(ACKNOWLEDGEMENT,)]


def test_a_start_that_fails_says_why_and_restart_is_offered(qapp: QApplication, room: PrivatePulse) -> None:
    config = Config.model_validate({"audio": {"input_device": "no such microphone"}, "ui": {"hotkey": ""}})
    app = TrayApp(qapp, config, "canned")
    app.start()
    try:
        pump(lambda: app.status.phase == "failed", 60)
        assert look(app.status) is Look.ERROR
        assert "No microphone named 'no such microphone' was found" in app.status.message
        assert app.window is not None and "no such microphone" in app.window.message.text()
        assert app.restart_action.isVisible()
    finally:
        app.quit()


def test_settings_level_meter_follows_the_microphone(qapp: QApplication, room: PrivatePulse) -> None:
    dialog = SettingsDialog(Config(), lambda changes: None)
    dialog.show()
    try:
        pump(lambda: dialog._meter_source is not None, 30)
        pump(lambda: dialog.meter.db is not None)
        assert dialog.meter.db is not None and dialog.meter.db < -50  # the room is silent
        names = [dialog.input_device.itemText(i) for i in range(dialog.input_device.count())]
        assert "System default" in names and len(names) > 1
        tone = (np.sin(2 * np.pi * 440 * np.arange(2 * RATE) / RATE) * 16000).astype(np.int16)
        room.feed(tone)
        pump(lambda: (dialog.meter.db or -99) > -12, 10)
        assert dialog.grab().save(str(artifact_dir("tray") / "settings-meter.png"))
    finally:
        dialog.shutdown()
        dialog.hide()


@pytest.mark.models
def test_offline_engine_keeps_the_icon_loading_until_its_models_are_in(qapp: QApplication, room: PrivatePulse) -> None:
    config = Config.model_validate(
        {"wake": {"enabled": False}, "conversation": {"follow_up_s": 0.0, "chime": False}, "ui": {"hotkey": ""}}
    )
    app = TrayApp(qapp, config, "local")
    seen: list[object] = []
    app.bridge.received.connect(seen.append)
    app.start()
    try:
        pump(lambda: app.status.ready, 240)
        steps = [item.message for item in seen if isinstance(item, Progress)]
        assert "Loading the offline language model" in steps
        waiting = next(
            i for i, item in enumerate(seen) if isinstance(item, Loading) and "offline models" in item.message
        )
        assert waiting < next(i for i, item in enumerate(seen) if isinstance(item, Ready))
        assert app.status.offline and look(app.status) is Look.IDLE
        assert "Engine: local (offline)" in tooltip(app.status)

        recording = room.record_speaker()
        app.push_to_talk()
        pump(lambda: app.status.state is State.LISTENING)
        room.feed(spoken("What is seven plus five?")).wait(15)
        pump(lambda: len(app.conversation.log.history) == 1, 120)
        turn = app.conversation.log.history[0]
        time.sleep(0.5)
        heard = recording.stop()
        assert "seven" in turn.you.lower() or "7" in turn.you
        assert turn.pam and turn.engine == "local"
        assert (np.abs(heard.astype(np.int32)) > 400).sum() > RATE // 2  # a spoken answer
    finally:
        app.quit()
        pump(lambda: not app.session.running, 60)
