"""Every tray window, offscreen, fed by the real controller (canned engine, espeak-ng), a file
player and a real SQLite store. Each window is grabbed to tests/artifacts/ui-windows/ to look at."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget

from pam.audio.player import FilePlayer
from pam.config import Config, ConversationConfig
from pam.conversation.controller import Controller
from pam.conversation.messages import MuteChanged, PushToTalk, SetMuted, TurnFinished
from pam.engines.canned import CannedEngine
from pam.errors import ConfigError
from pam.listen.events import SpeechEnded, SpeechStarted
from pam.store import usage
from pam.store.db import Store
from pam.store.records import TurnRecord
from pam.ui import icons
from pam.ui.bridge import Background, Bridge
from pam.ui.conversation import ConversationWindow
from pam.ui.dashboard import UsageDashboard
from pam.ui.hotkey import CONTROL, MOD1, MOD4, SHIFT, parse
from pam.ui.overlay import DebugOverlay
from pam.ui.preferences import Changes
from pam.ui.settings import SettingsDialog
from pam.ui.status import Look
from pam.ui.testing_x import artifact_dir

pytestmark = pytest.mark.usefixtures("qapp")

SECOND = 16_000
ARTIFACTS = artifact_dir("ui-windows")


def pump(until: Callable[[], bool], timeout: float = 15.0) -> None:
    """Run the Qt event loop until ``until()`` holds."""
    app = QApplication.instance()
    assert app is not None
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "timed out waiting for the window"
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()


def grab(widget: QWidget, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


class Live:
    """The real controller and store, with their messages crossing into Qt through a Bridge."""

    def __init__(self, tmp_path: Path) -> None:
        self.store = Store(tmp_path / "pam.sqlite3")
        session = self.store.start_session("canned")
        conversation = ConversationConfig(follow_up_s=0.0, chime=False)
        self.controller = Controller(CannedEngine(), FilePlayer(), self.store, conversation, session)
        self.bridge = Bridge()
        self.seen: list[Any] = []
        self.bridge.received.connect(self.seen.append)
        self.controller.subscribe(self.bridge.post)
        self.controller.start()

    def read(self, job: Callable[[Store], Any], on_done: Callable[[Any], None]) -> None:
        on_done(job(self.store))

    def turn(self) -> TurnFinished:
        """One push-to-talk turn with a second of "speech"."""
        before = len([s for s in self.seen if isinstance(s, TurnFinished)])
        audio = (np.random.default_rng(1).standard_normal(SECOND) * 3000).astype(np.int16)
        self.controller.post(PushToTalk())
        self.controller.post(SpeechStarted(SECOND))
        self.controller.post(SpeechEnded(2 * SECOND, SECOND, audio))
        pump(lambda: len([s for s in self.seen if isinstance(s, TurnFinished)]) > before)
        return [s for s in self.seen if isinstance(s, TurnFinished)][-1]

    def close(self) -> None:
        self.controller.stop()
        self.store.close()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    pam = Live(tmp_path)
    yield pam
    pam.close()


def test_conversation_window_shows_stored_history_and_each_new_turn(live: Live) -> None:
    live.store.save_turn(
        TurnRecord(
            session_id=live.controller.session_id, started_at=time.time() - 60, ended_at=time.time() - 55,
            trigger="wake", engine="local", transcript="How far is Moab?", reply="About ninety miles, it's a",
            interrupted=True, played_ms=1800,
        )
    )  # fmt: skip
    asked: list[bool] = []
    window = ConversationWindow(live.bridge, live.read, lambda: asked.append(True))
    window.show()
    pump(lambda: "How far is Moab?" in window.view.toPlainText())
    assert "interrupted after 1.8 s" in window.view.toPlainText()
    live.turn()
    pump(lambda: "Okay, I heard you." in window.view.toPlainText())
    grab(window, "conversation")
    window.close()  # hides only: the tray keeps running
    assert not window.isVisible()
    # a reopened window reads the database again: both turns are there
    window.show()
    pump(lambda: window.view.toPlainText().count("PAM:") == 2)
    window.hide()


def test_overlay_shows_the_last_turns_latencies_and_the_transitions(live: Live) -> None:
    overlay = DebugOverlay(live.bridge)
    overlay.show()
    live.turn()
    pump(lambda: overlay.model.last is not None)
    text = overlay.label.text()
    assert "time to first audio" in text
    assert "canned · push_to_talk" in text
    assert "idle —push_to_talk→ listening" in text
    assert "committed —first_audio→ speaking" in text
    grab(overlay, "overlay")
    overlay.hide()


def at(day: date, hour: int = 12) -> float:
    return datetime(day.year, day.month, day.day, hour).timestamp()


def test_dashboard_plots_month_to_date_usage_by_engine(live: Live) -> None:
    today = date(2026, 3, 14)
    for day, engine, turns, seconds, tools, cost in [
        (date(2026, 3, 2), "local", 4, 95.0, 1, 0.0),
        (date(2026, 3, 2), "realtime", 2, 60.0, 0, 0.31),
        (date(2026, 3, 9), "realtime", 6, 240.0, 3, 1.12),
        (date(2026, 3, 14), "local", 3, 70.0, 2, 0.0),
        (date(2026, 2, 27), "realtime", 9, 500.0, 0, 2.0),  # last month: not shown
    ]:
        usage.record(
            live.store, usage.UsageEvent(at(day), engine, turns=turns, voice_seconds=seconds, tool_calls=tools)
        )
        if cost:
            usage.record(live.store, usage.UsageEvent(at(day, 13), engine, cost_usd=cost))
    dashboard = UsageDashboard(live.bridge, live.read, today=lambda: today)
    dashboard.show()
    pump(lambda: dashboard.month is not None)
    month = dashboard.month
    assert month is not None
    assert month.days == [str(d) for d in range(1, 15)]
    assert month.series["turns"]["realtime"][8] == 6 and month.series["turns"]["local"][1] == 4
    assert sum(month.series["cost_usd"]["realtime"]) == pytest.approx(1.43)
    assert dashboard.heading.text() == (
        "March 2026 to date: 15 turns · 7.8 voice minutes · 6 tool calls · estimated $1.43"
    )
    assert "local" in dashboard.legend.text() and "realtime" in dashboard.legend.text()
    assert dashboard.charts["voice_minutes"].totals()[8] == pytest.approx(4.0)
    grab(dashboard, "dashboard")
    dashboard.hide()


def test_settings_hand_over_only_what_changed_and_show_why_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAM_HOME", str(tmp_path))
    applied: list[Changes] = []
    refusal: list[str | None] = [None]

    def apply(changes: Changes) -> str | None:
        applied.append(changes)
        return refusal[0]

    dialog = SettingsDialog(Config(), apply, running_mode="canned")
    dialog.show()
    assert dialog.changes() == {}  # nothing touched: the canned override is not a change
    dialog.wake_sensitivity.setValue(70)
    dialog.wake_verify.setChecked(True)
    dialog.commit_ms.setValue(600)
    dialog.follow_up.setValue(6.5)
    dialog.start_on_login.setChecked(True)
    dialog.rate.setValue(1.25)
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    apply_button = buttons.button(QDialogButtonBox.StandardButton.Apply)
    apply_button.click()
    assert applied == [
        {
            "wake": {"threshold": 0.3, "verify": True},
            "listen": {"commit_ms": 600},
            "conversation": {"follow_up_s": 6.5},
            "local": {"length_scale": 0.8},
            "ui": {"start_on_login": True},
        }
    ]
    assert dialog.changes() == {}  # applied: the dialog now starts from there
    refusal[0] = "Cannot write the autostart entry; check that folder's permissions."
    dialog.start_on_login.setChecked(False)
    apply_button.click()
    assert dialog.error.text() == refusal[0]
    assert dialog.changes() == {"ui": {"start_on_login": False}}  # not applied: still pending
    pump(lambda: dialog.key_status.text() != "Checking the keyring…")
    grab(dialog, "settings")
    dialog.shutdown()
    dialog.hide()


def test_background_jobs_report_results_and_errors_on_the_main_thread() -> None:
    work = Background("pam-test")
    main = QApplication.instance().thread()  # type: ignore[union-attr]
    got: list[tuple[str, object, bool]] = []

    def fail() -> None:
        raise ConfigError("broken setting; fix it.")

    work.run(lambda: 42, lambda v: got.append(("done", v, QApplication.instance().thread() is main)))  # type: ignore[union-attr]
    work.run(fail, on_error=lambda e: got.append(("error", str(e), True)))
    pump(lambda: len(got) == 2)
    assert got == [("done", 42, True), ("error", "broken setting; fix it.", True)]
    work.shutdown()


def test_muting_ends_the_turn_and_refuses_push_to_talk(live: Live) -> None:
    live.controller.post(PushToTalk())
    live.controller.post(SetMuted(True))
    pump(lambda: any(isinstance(s, MuteChanged) and s.muted for s in live.seen))
    pump(lambda: live.controller.state.value == "idle")
    live.controller.post(PushToTalk())
    pump(lambda: any("muted" in getattr(s, "message", "") for s in live.seen))
    assert live.controller.state.value == "idle"
    live.controller.post(SetMuted(False))
    assert live.turn().record.reply == "Okay, I heard you."


def test_icons_differ_by_state_and_the_loading_icon_turns() -> None:
    centre = {look: QColor(icons.pixmap(look).toImage().pixelColor(6, 32)).name() for look in Look}
    assert len(set(centre.values())) == len(Look)

    def raw(pixmap: QPixmap) -> bytes:
        return bytes(pixmap.toImage().constBits())

    frames = {raw(icons.pixmap(Look.LOADING, frame=f)) for f in range(icons.LOADING_FRAMES)}
    assert len(frames) == icons.LOADING_FRAMES
    assert raw(icons.pixmap(Look.WAITING, offline=True)) != raw(icons.pixmap(Look.WAITING))
    image = QPixmap(icons.SIZE * len(Look), icons.SIZE * 2)
    image.fill(QColor("#eeeeee"))
    painter = QPainter(image)
    for i, look in enumerate(Look):
        painter.drawPixmap(i * icons.SIZE, 0, icons.pixmap(look))
        painter.drawPixmap(i * icons.SIZE, icons.SIZE, icons.pixmap(look, offline=True))
    painter.end()
    assert image.save(str(ARTIFACTS / "icons.png"))


def test_hotkeys_parse_into_x11_masks_and_key_names() -> None:
    assert parse("Ctrl+Alt+Space") == (CONTROL | MOD1, "space")
    assert parse("Shift+Meta+P") == (SHIFT | MOD4, "p")
    assert parse("F9") == (0, "F9")
    with pytest.raises(ConfigError, match="not one key combination"):
        parse("")
