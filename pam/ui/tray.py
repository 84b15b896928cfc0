"""`pam` on a desktop: PAM as a system-tray app.

The tray icon shows PAM's state at a glance (loading, waiting for the wake word, listening,
thinking, speaking, muted, error, and a badge when answers come from the offline engine); its
menu runs PAM. Everything shown is folded from messages (``status.reduce``); PAM itself is
built, changed and stopped on a worker thread (``Session``), so the Qt main thread never waits
on audio or models. Without a system tray, a small window stands in for it.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from pam.config import Config
from pam.conversation.messages import Notice, PushToTalk, StopSpeaking
from pam.conversation.states import State
from pam.errors import ConfigError, PamError
from pam.ui import desktop, icons
from pam.ui.bridge import Bridge
from pam.ui.conversation import ConversationWindow
from pam.ui.dashboard import UsageDashboard
from pam.ui.fallback import StatusWindow
from pam.ui.hotkey import GlobalHotkey, unavailable_reason
from pam.ui.instance import InstanceServer, notify_running
from pam.ui.overlay import DebugOverlay
from pam.ui.preferences import Changes, Step, merged, save
from pam.ui.session import Session
from pam.ui.settings import SettingsDialog
from pam.ui.status import (
    ENGINE_CHOICES,
    EngineChanged,
    Failed,
    Look,
    TrayStatus,
    headline,
    look,
    reduce,
    tooltip,
)

log = logging.getLogger(__name__)

SPIN_MS = 120
HEALTH_MS = 2000
TRAY_RETRY_MS = 2000
TRAY_RETRIES = 15  # a panel that starts after PAM (autostart at login) still gets the icon
QUIT_DEADLINE_MS = 15_000
NOTICE_MS = 10_000


class TrayApp(QObject):
    def __init__(self, qt: QApplication, config: Config, engine_mode: str | None = None) -> None:
        super().__init__()
        self.qt = qt
        self.bridge = Bridge()
        self.session = Session(config, engine_mode, self.bridge)
        self.status = TrayStatus(wake_word=config.wake.enabled, engine_mode=self.session.mode)
        self.tray: QSystemTrayIcon | None = None
        self.window: StatusWindow | None = None
        self.hotkey: GlobalHotkey | None = None
        # made now, hidden, so they have followed everything by the time they are opened
        self.conversation = ConversationWindow(self.bridge, self.session.read, self.push_to_talk)
        self.dashboard = UsageDashboard(self.bridge, self.session.read)
        self.overlay = DebugOverlay(self.bridge)
        for window in (self.conversation, self.dashboard, self.overlay):
            window.setWindowIcon(icons.app_icon())
        self.settings: SettingsDialog | None = None
        self._frame = 0
        self._quitting = False
        self._tray_checks = 0
        self.menu = QMenu()
        self._build_menu()
        self.instance = InstanceServer()
        self.instance.push_to_talk.connect(self.push_to_talk)
        self._spin = QTimer(self)
        self._spin.timeout.connect(self._next_frame)
        self._health = QTimer(self)
        self._health.timeout.connect(self.session.check_health)
        self._tray_timer = QTimer(self)
        self._tray_timer.timeout.connect(self._look_for_tray)
        self.bridge.received.connect(self._on_event)

    # --- the menu ---------------------------------------------------------------------------

    def _action(self, text: str, slot: Callable[..., Any], checkable: bool = False) -> QAction:
        action = QAction(text, self.menu)
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.menu.addAction(action)
        return action

    def _build_menu(self) -> None:
        self.status_action = QAction("", self.menu)
        self.status_action.setEnabled(False)
        self.menu.addAction(self.status_action)
        self.menu.addSeparator()
        self.ptt_action = self._action("&Push to talk", self.push_to_talk)
        self.stop_action = self._action("&Stop speaking", self._stop_speaking)
        self.menu.addSeparator()
        self.wake_action = self._action("&Wake word", self._set_wake_word, checkable=True)
        self.mute_action = self._action("&Mute microphone", self.session.set_muted, checkable=True)
        engines = self.menu.addMenu("&Engine")
        group = QActionGroup(engines)
        self.engine_actions: dict[str, QAction] = {}
        choices = dict(ENGINE_CHOICES)
        if self.session.mode not in choices:
            choices[self.session.mode] = f"{self.session.mode} (this run only)"
        for mode, label in choices.items():
            action = QAction(label, group)
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, m=mode: self._choose_engine(m))
            engines.addAction(action)
            self.engine_actions[mode] = action
        self.menu.addSeparator()
        self._action("Show &conversation", self.show_conversation)
        self._action("&Usage…", self.show_dashboard)
        self._action("Se&ttings…", self.show_settings)
        self.overlay_action = self._action("&Debug overlay", self._set_overlay, checkable=True)
        self.menu.addSeparator()
        self.restart_action = self._action("&Restart PAM", self.session.start)
        self._action("&Quit", self.quit)

    # --- start and stop ---------------------------------------------------------------------

    def start(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._make_tray()
        else:
            log.warning("no system tray: showing a window instead")
            self.window = StatusWindow(self.menu, self.push_to_talk, self.quit)
            self.window.show()
            self._tray_timer.start(TRAY_RETRY_MS)
        config = self.session.config
        self._set_hotkey(config.ui.hotkey)
        if config.ui.show_overlay:
            self.overlay_action.setChecked(True)
        self.refresh()
        self.session.start()
        self._health.start(HEALTH_MS)

    def _make_tray(self) -> None:
        self.tray = QSystemTrayIcon(icons.icon(look(self.status)), self)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._clicked)
        self.tray.show()

    def _look_for_tray(self) -> None:
        self._tray_checks += 1
        if QSystemTrayIcon.isSystemTrayAvailable() and self.window is not None:
            self._tray_timer.stop()
            self._make_tray()
            self.window.hide()
            self.window.deleteLater()
            self.window = None
            self.refresh()
        elif self._tray_checks >= TRAY_RETRIES:
            self._tray_timer.stop()

    def _clicked(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason is QSystemTrayIcon.ActivationReason.Trigger:
            self.push_to_talk()
        elif reason is QSystemTrayIcon.ActivationReason.MiddleClick:
            self.show_conversation()

    def quit(self) -> None:
        """Stop PAM on the worker (the database is closed cleanly), then leave the event loop."""
        if self._quitting:
            return
        self._quitting = True
        log.info("quitting")
        self._health.stop()
        if self.hotkey is not None:
            self.hotkey.close()
        self.instance.close()
        if self.tray is not None:
            self.tray.hide()
        for window in (self.conversation, self.dashboard, self.overlay, self.window):
            if window is not None:
                window.hide()
        if self.settings is not None:
            self.settings.shutdown()
            self.settings.hide()
        self.session.stop(then=self.qt.quit)
        QTimer.singleShot(QUIT_DEADLINE_MS, self.qt.quit)

    # --- what PAM says ------------------------------------------------------------------------

    def _on_event(self, item: object) -> None:
        before = self.status
        self.status = reduce(self.status, item)
        if isinstance(item, Notice):
            self.notify(item.message)
        elif isinstance(item, Failed):
            self.notify(item.message, error=True)
        if self.status != before:
            self.refresh()

    def notify(self, message: str, error: bool = False) -> None:
        log.warning("%s", message)
        if self.window is not None:
            self.window.show_message(message)
        elif self.tray is not None and (error or self.session.config.ui.notifications):
            kind = QSystemTrayIcon.MessageIcon.Critical if error else QSystemTrayIcon.MessageIcon.Information
            self.tray.showMessage("PAM", message, kind, NOTICE_MS)

    def refresh(self) -> None:
        s = self.status
        kind = look(s)
        icon = icons.icon(kind, s.offline, self._frame)
        if kind is Look.LOADING and not self._spin.isActive():
            self._spin.start(SPIN_MS)
        elif kind is not Look.LOADING:
            self._spin.stop()
        if self.tray is not None:
            self.tray.setIcon(icon)
            self.tray.setToolTip(tooltip(s))
        if self.window is not None:
            self.window.show_status(icon, tooltip(s))
        self.status_action.setText(headline(s))
        self.ptt_action.setEnabled(s.ready and not s.muted)
        self.stop_action.setEnabled(s.ready and s.state in (State.COMMITTED, State.SPEAKING))
        for action, checked in ((self.wake_action, s.wake_word), (self.mute_action, s.muted)):
            action.blockSignals(True)
            action.setChecked(checked)
            action.setEnabled(s.ready)
            action.blockSignals(False)
        if s.engine_mode in self.engine_actions:
            self.engine_actions[s.engine_mode].setChecked(True)
        self.restart_action.setVisible(s.phase == "failed")

    def _next_frame(self) -> None:
        self._frame = (self._frame + 1) % icons.LOADING_FRAMES
        self.refresh()

    # --- commands -----------------------------------------------------------------------------

    def push_to_talk(self) -> None:
        pam = self.session.pam
        if pam is None:
            self.notify("PAM is not ready yet; wait for the icon to stop spinning.")
        elif self.status.muted:
            self.notify("The microphone is muted; unmute it to talk to PAM.")
        else:
            pam.controller.post(PushToTalk())

    def _stop_speaking(self) -> None:
        if self.session.pam is not None:
            self.session.pam.controller.post(StopSpeaking())

    def _set_wake_word(self, on: bool) -> None:
        self.change_settings({"wake": {"enabled": on}})

    def _choose_engine(self, mode: str) -> None:
        self.change_settings({"engine": {"mode": mode}}, engine_chosen=True)

    def _set_overlay(self, on: bool) -> None:
        self.overlay.setVisible(on)
        if on != self.session.config.ui.show_overlay:
            self.change_settings({"ui": {"show_overlay": on}})

    def change_settings(self, changes: Changes, engine_chosen: bool = False) -> str | None:
        """Put ``changes`` into effect now and save them; returns a sentence if that failed."""
        try:
            new = merged(self.session.config, changes)
            save(changes)
            steps = self.session.apply(new, engine_chosen)
            if Step.AUTOSTART in steps:
                desktop.set_autostart(new.ui.start_on_login)
        except PamError as err:
            self.notify(str(err))
            return str(err)
        if Step.HOTKEY in steps:
            self._set_hotkey(new.ui.hotkey)
        if Step.OVERLAY in steps:
            self.overlay_action.setChecked(new.ui.show_overlay)
        if Step.ENGINE_MODE in steps:
            self.status = reduce(self.status, EngineChanged(self.session.mode, self.status.active_engine))
        self.refresh()
        return None

    def _set_hotkey(self, sequence: str) -> None:
        if self.hotkey is not None:
            self.hotkey.close()
            self.hotkey = None
        if not sequence:
            return
        reason = unavailable_reason()
        if reason:
            log.info("%s", reason)
            return
        try:
            self.hotkey = GlobalHotkey(sequence)
        except ConfigError as err:
            self.notify(str(err))
            return
        self.hotkey.pressed.connect(self.push_to_talk)
        self.ptt_action.setText(f"&Push to talk\t{sequence}")

    # --- windows --------------------------------------------------------------------------------

    def _raise(self, window: QWidget) -> None:
        window.show()
        window.raise_()
        window.activateWindow()

    def show_conversation(self) -> None:
        self._raise(self.conversation)

    def show_dashboard(self) -> None:
        self._raise(self.dashboard)

    def show_settings(self) -> None:
        if self.settings is not None:
            self.settings.shutdown()
            self.settings.deleteLater()
        self.settings = SettingsDialog(
            self.session.config, self.change_settings, self.session.mode, key_changed=self._key_changed
        )
        self.settings.setWindowIcon(icons.app_icon())
        self._raise(self.settings)

    def _key_changed(self) -> None:
        if self.session.mode in ("auto", "online"):
            self.session.start()  # the online engine is built with the key


def run_tray(config: Config, engine_mode: str | None = None) -> int:
    """Run PAM in the tray until Quit; returns the exit code."""
    QApplication.setApplicationName("PAM")
    QApplication.setDesktopFileName("pam")
    qt = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt, QApplication)
    qt.setQuitOnLastWindowClosed(False)
    if notify_running():
        print("pam: PAM is already running; it is listening now (push to talk).", file=sys.stderr)
        return 0
    app = TrayApp(qt, config, engine_mode)
    # Python runs signal handlers only between bytecodes: a timer gives it the chance
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: QTimer.singleShot(0, app.quit))
    wakeup = QTimer()
    wakeup.start(250)
    wakeup.timeout.connect(lambda: None)
    qt.setWindowIcon(icons.app_icon())
    app.start()
    code = qt.exec()
    if app.session.running:
        # Quit's deadline passed with PAM still stopping: a hung device must not keep the process
        log.error("PAM did not stop within %d s; leaving anyway", QUIT_DEADLINE_MS // 1000)
        logging.shutdown()
        os._exit(1)
    app.session.close()
    return int(code)
