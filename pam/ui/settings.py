"""The settings window: devices (with a live input level), wake word, endpointing, follow-up,
voices and pace, engine, the OpenAI key (kept in the desktop keyring), echo cancellation,
hotkey and start on login. OK / Apply hand the changed keys to ``apply``, which puts them into
effect without a restart and saves them; device listing, the level meter and the keyring run on
the dialog's own worker thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
)

from pam import assets, secrets
from pam.audio.devices import DeviceInfo, list_devices
from pam.config import Config
from pam.errors import PamError
from pam.listen.wakeword import wake_phrase
from pam.ui.bridge import Background
from pam.ui.meter import InputLevel, LevelMeter
from pam.ui.preferences import Changes
from pam.ui.status import ENGINE_CHOICES

log = logging.getLogger(__name__)

ONLINE_VOICES = ["marin", "cedar", "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse"]
Apply = Callable[[Changes], str | None]
"""Puts changes into effect; returns None, or one sentence saying why it could not."""


def offline_voices() -> list[str]:
    """Piper voices in the model manifest (each has a ``<name>_config`` companion)."""
    names = assets.load_manifest().keys()
    return sorted(n for n in names if n.startswith("tts_") and f"{n}_config" in names)


def sensitivity(threshold: float) -> int:
    """Wake word sensitivity in percent: a lower detection threshold is a more sensitive ear."""
    return round((1.0 - threshold) * 100)


def threshold(sensitivity_percent: int) -> float:
    return round(1.0 - sensitivity_percent / 100.0, 2)


def _combo(items: list[tuple[str, str]], current: str, editable: bool = False) -> QComboBox:
    """A combo of ``(label, value)`` items with ``current`` selected (added if missing)."""
    box = QComboBox()
    box.setEditable(editable)
    for label, value in items:
        box.addItem(label, value)
    _select(box, current)
    return box


def _select(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    if index < 0:
        box.addItem(value, value)
        index = box.count() - 1
    box.setCurrentIndex(index)


def _value(box: QComboBox) -> str:
    if box.isEditable() and box.currentText() != box.itemText(box.currentIndex()):
        return box.currentText().strip()
    return str(box.currentData())


class SettingsDialog(QDialog):
    def __init__(
        self, config: Config, apply: Apply, running_mode: str = "", key_changed: Callable[[], None] | None = None
    ) -> None:
        super().__init__()
        self.setWindowTitle("PAM: settings")
        self._key_changed = key_changed
        self._apply = apply
        self._work = Background("pam-settings")
        self._meter_source: InputLevel | None = None
        self._meter_device: str | None = None

        # audio
        default = [("System default", "")]
        self.input_device = _combo(default, config.audio.input_device)
        self.output_device = _combo(default, config.audio.output_device)
        self.meter = LevelMeter()
        self.meter_note = QLabel("")
        self.meter_note.setWordWrap(True)
        self.echo = QCheckBox("Cancel PAM's own voice in the microphone (for speakers, not headsets)")
        self.echo.setChecked(config.audio.echo_cancellation)

        # listening
        self.wake_enabled = QCheckBox(f"Listen for the wake word (“{wake_phrase(config.wake.model)}”)")
        self.wake_enabled.setChecked(config.wake.enabled)
        self.wake_verify = QCheckBox("Double-check each wake word with speech recognition (fewer false wake-ups)")
        self.wake_verify.setChecked(config.wake.verify)
        self.wake_sensitivity = QSlider(Qt.Orientation.Horizontal)
        self.wake_sensitivity.setRange(5, 95)
        self.wake_sensitivity.setValue(sensitivity(config.wake.threshold))
        sensitivity_label = QLabel()
        self.wake_sensitivity.valueChanged.connect(lambda v: sensitivity_label.setText(f"{v}%"))
        sensitivity_label.setText(f"{self.wake_sensitivity.value()}%")
        self.commit_ms = QSpinBox()
        self.commit_ms.setRange(100, 5000)
        self.commit_ms.setSingleStep(20)
        self.commit_ms.setSuffix(" ms")
        self.commit_ms.setValue(config.listen.commit_ms)
        self.follow_up = QDoubleSpinBox()
        self.follow_up.setRange(0.0, 60.0)
        self.follow_up.setSingleStep(0.5)
        self.follow_up.setSuffix(" s")
        self.follow_up.setValue(config.conversation.follow_up_s)

        # answers
        modes = [(label, mode) for mode, label in ENGINE_CHOICES.items()]
        if running_mode and running_mode not in ENGINE_CHOICES:
            modes.append((f"{running_mode} (this run only)", running_mode))
        self.engine_mode = _combo(modes, running_mode or config.engine.mode)
        self.offline_voice = _combo([(v, v) for v in offline_voices()], config.local.voice)
        self.online_voice = _combo([(v, v) for v in ONLINE_VOICES], config.realtime.voice, editable=True)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0.5, 2.0)
        self.rate.setSingleStep(0.05)
        self.rate.setSuffix("×")
        self.rate.setValue(round(1.0 / config.local.length_scale, 2))

        # online key
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("paste a key (sk-…) to store it in the desktop keyring")
        self.key_status = QLabel("Checking the keyring…")
        self.key_status.setWordWrap(True)
        save_key = QPushButton("Store key")
        save_key.clicked.connect(self._store_key)
        forget_key = QPushButton("Forget key")
        forget_key.clicked.connect(self._forget_key)

        # general
        self.hotkey = QKeySequenceEdit(QKeySequence(config.ui.hotkey))
        self.start_on_login = QCheckBox("Start PAM when I log in")
        self.start_on_login.setChecked(config.ui.start_on_login)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828")

        audio = QFormLayout()
        audio.addRow("Microphone", self.input_device)
        audio.addRow("Input level", self.meter)
        audio.addRow("", self.meter_note)
        audio.addRow("Speaker", self.output_device)
        audio.addRow("", self.echo)
        listening = QFormLayout()
        listening.addRow("", self.wake_enabled)
        row = QHBoxLayout()
        row.addWidget(self.wake_sensitivity, 1)
        row.addWidget(sensitivity_label)
        listening.addRow("Wake word sensitivity", row)
        listening.addRow("", self.wake_verify)
        listening.addRow("Silence that ends a request", self.commit_ms)
        listening.addRow("Listen for a follow-up for", self.follow_up)
        answers = QFormLayout()
        answers.addRow("Engine", self.engine_mode)
        answers.addRow("Offline voice", self.offline_voice)
        answers.addRow("Online voice", self.online_voice)
        answers.addRow("Speaking rate (offline)", self.rate)
        key_buttons = QHBoxLayout()
        key_buttons.addWidget(self.key, 1)
        key_buttons.addWidget(save_key)
        key_buttons.addWidget(forget_key)
        answers.addRow("OpenAI API key", key_buttons)
        answers.addRow("", self.key_status)
        general = QFormLayout()
        general.addRow("Push-to-talk hotkey", self.hotkey)
        general.addRow("", self.start_on_login)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self._apply_now)

        layout = QVBoxLayout(self)
        for title, form in (("Audio", audio), ("Listening", listening), ("Answers", answers), ("General", general)):
            box = QGroupBox(title)
            box.setLayout(form)
            layout.addWidget(box)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        self.input_device.currentIndexChanged.connect(self._restart_meter)
        self._meter_timer = QTimer(self)
        self._meter_timer.timeout.connect(self._show_level)
        # compared with what the widgets show, so rounding (speaking rate ↔ length scale) is no change
        self._applied = self._shown()
        self._work.run(list_devices, self._devices_listed, self._devices_failed)
        self._check_key()

    # --- what changed ---------------------------------------------------------------------------

    def _shown(self) -> Changes:
        """Every setting as the widgets show it."""
        return {
            "audio": {
                "input_device": str(self.input_device.currentData()),
                "output_device": str(self.output_device.currentData()),
                "echo_cancellation": self.echo.isChecked(),
            },
            "wake": {
                "enabled": self.wake_enabled.isChecked(),
                "threshold": threshold(self.wake_sensitivity.value()),
                "verify": self.wake_verify.isChecked(),
            },
            "listen": {"commit_ms": self.commit_ms.value()},
            "conversation": {"follow_up_s": round(self.follow_up.value(), 2)},
            "engine": {"mode": str(self.engine_mode.currentData())},
            "local": {
                "voice": str(self.offline_voice.currentData()),
                "length_scale": round(1.0 / self.rate.value(), 2),
            },
            "realtime": {"voice": _value(self.online_voice)},
            "ui": {
                "hotkey": self.hotkey.keySequence().toString(QKeySequence.SequenceFormat.PortableText),
                "start_on_login": self.start_on_login.isChecked(),
            },
        }

    def changes(self) -> Changes:
        """Only what the user changed since the dialog opened (or since the last Apply)."""
        out: Changes = {}
        for section, values in self._shown().items():
            diff = {k: v for k, v in values.items() if self._applied[section][k] != v}
            if diff:
                out[section] = diff
        return out

    def _apply_now(self) -> bool:
        changes = self.changes()
        if not changes:
            return True
        problem = self._apply(changes)
        self.error.setText(problem or "")
        if problem is None:
            self._applied = self._shown()
        return problem is None

    def _ok(self) -> None:
        if self._apply_now():
            self.accept()

    # --- devices and the level meter ------------------------------------------------------------

    def _devices_listed(self, found: list[DeviceInfo]) -> None:
        for box, kind in ((self.input_device, "inputs"), (self.output_device, "outputs")):
            chosen = str(box.currentData())
            box.blockSignals(True)
            for device in found:
                if getattr(device, kind) > 0 and box.findData(device.name) < 0:
                    box.addItem(device.name, device.name)
            _select(box, chosen)
            box.blockSignals(False)
        self._restart_meter()

    def _devices_failed(self, err: BaseException) -> None:
        self.meter_note.setText(str(err) if isinstance(err, PamError) else "No audio devices could be listed.")

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._meter_device is not None:
            self._restart_meter()

    def _restart_meter(self) -> None:
        device = str(self.input_device.currentData())
        self._meter_device = device
        self._stop_meter()
        self.meter.set_level(None)
        self.meter_note.setText("Opening the microphone…")
        self._work.run(lambda: InputLevel(device).start(), self._meter_started, self._meter_failed)

    def _meter_started(self, source: InputLevel) -> None:
        if not self.isVisible() or str(self.input_device.currentData()) != self._meter_device:
            self._work.run(source.stop)  # the user moved on while it opened
            return
        self._meter_source = source
        self.meter_note.setText("Speak to see the level.")
        self._meter_timer.start(60)

    def _meter_failed(self, err: BaseException) -> None:
        self.meter_note.setText(str(err) if isinstance(err, PamError) else f"The microphone failed ({err}).")

    def _show_level(self) -> None:
        if self._meter_source is not None:
            self.meter.set_level(self._meter_source.level())

    def _stop_meter(self) -> None:
        self._meter_timer.stop()
        source, self._meter_source = self._meter_source, None
        if source is not None:
            self._work.run(source.stop)

    def hideEvent(self, event: Any) -> None:
        self._stop_meter()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop_meter()
        super().closeEvent(event)

    # --- the API key ------------------------------------------------------------------------

    def _check_key(self) -> None:
        self._work.run(lambda: secrets.api_key() is not None, self._key_checked, self._key_failed)

    def _key_checked(self, present: bool) -> None:
        self.key_status.setText(
            "A key is set (environment or keyring)." if present else "No key: PAM answers offline only."
        )

    def _key_failed(self, err: BaseException) -> None:
        self.key_status.setText(str(err))

    def _store_key(self) -> None:
        key = self.key.text()
        self.key.clear()
        self.key_status.setText("Storing the key…")
        self._work.run(lambda: secrets.store_api_key(key), self._key_saved, self._key_failed)

    def _forget_key(self) -> None:
        self._work.run(secrets.forget_api_key, self._key_saved, self._key_failed)

    def _key_saved(self, _: object) -> None:
        self._check_key()
        if self._key_changed is not None:
            self._key_changed()

    def shutdown(self) -> None:
        """Close the meter's stream; the worker finishes that on its own, nobody waits for it."""
        self._stop_meter()
        self._work.shutdown(wait=False)
