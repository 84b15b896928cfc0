"""The debug overlay: a small always-on-top panel with the last turn's latencies (time to first
audio and its STT / LLM / TTS parts, barge-in), the engine, PAM's CPU use and the state
machine's recent transitions, updated live."""

from __future__ import annotations

import html
from collections import deque
from dataclasses import dataclass

import psutil
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QColor, QFont, QHideEvent, QMouseEvent, QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from pam.conversation.messages import StateChanged, TurnFinished
from pam.engines.base import Timing
from pam.store.records import TurnRecord
from pam.ui.bridge import Bridge

MARGIN = 16

# the parts of a turn's latency, in the order they happen; anything else is listed after them
LABELS = {
    "first_audio_ms": "time to first audio",
    "endpoint_ms": "  end of speech → commit",
    "engine_first_audio_ms": "  commit → first audio",
    "stt_ms": "    speech to text",
    "llm_first_token_ms": "    LLM first token",
    "llm_first_clause_ms": "    LLM first clause",
    "tts_first_chunk_ms": "    TTS first chunk",
    "realtime_connect_ms": "    connect (online)",
    "realtime_first_audio_ms": "    first audio (online)",
    "barge_in_stop_ms": "barge-in stop",
}


def metric_rows(latencies: dict[str, float]) -> list[tuple[str, str]]:
    """``(label, "123 ms")`` rows: the known parts in turn order, then the rest by name."""
    known = [k for k in LABELS if k in latencies]
    rest = sorted(k for k in latencies if k not in LABELS)
    return [(LABELS.get(k, k.removesuffix("_ms").replace("_", " ")), f"{latencies[k]:.0f} ms") for k in known + rest]


@dataclass(frozen=True)
class Step:
    seconds: float  # on the capture sample clock
    before: str
    trigger: str
    after: str


class OverlayModel:
    """What the overlay shows, folded from controller messages."""

    def __init__(self, transitions: int = 10) -> None:
        self.last: TurnRecord | None = None
        self.live: dict[str, float] = {}
        self.steps: deque[Step] = deque(maxlen=transitions)
        self.cpu_pam = 0.0
        self.cpu_all = 0.0

    def on(self, item: object) -> bool:
        match item:
            case StateChanged(transition=t):
                self.steps.append(Step(t.sample / 16_000, t.before.value, t.trigger.value, t.after.value))
                if t.trigger.value in ("wake", "push_to_talk", "follow_up", "barge_in"):
                    self.live = {}
            case Timing(name=name, ms=ms):
                self.live[name] = ms
            case TurnFinished(record=record):
                self.last, self.live = record, {}
            case _:
                return False
        return True

    def html(self) -> str:
        out = [f"<b>PAM debug</b> &nbsp; CPU {self.cpu_pam:.0f}% PAM · {self.cpu_all:.0f}% all"]
        if self.last is not None:
            r = self.last
            flags = " · interrupted" if r.interrupted else ""
            out.append(f"<br><b>last turn</b> · {html.escape(r.engine)} · {html.escape(r.trigger)}{flags}")
            rows = metric_rows(r.latencies)
            if r.interrupted:
                rows.append(("  heard before stop", f"{r.played_ms} ms"))
            out.append(_table(rows))
        if self.live:
            out.append("<br><b>this turn</b>")
            out.append(_table(metric_rows(self.live)))
        if self.steps:
            out.append("<br><b>transitions</b>")
            steps = [(f"{s.seconds:8.2f} s", f"{s.before} —{s.trigger}→ {s.after}") for s in self.steps]
            out.append(_table(steps, align="left"))
        return "".join(out)


def _table(rows: list[tuple[str, str]], align: str = "right") -> str:
    cells = "".join(
        f"<tr><td style='white-space:pre'>{html.escape(a)}</td><td align='{align}'>&nbsp;{html.escape(b)}</td></tr>"
        for a, b in rows
    )
    return f"<table cellspacing='0' cellpadding='0'>{cells}</table>"


class DebugOverlay(QWidget):
    def __init__(self, bridge: Bridge) -> None:
        super().__init__(
            None, Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setWindowTitle("PAM debug overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.model = OverlayModel()
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setStyleSheet("color: #e0f2f1;")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        font.setPointSize(9)
        self.label.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.label)
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # the first reading only starts the measurement
        psutil.cpu_percent(None)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._sample_cpu)
        self._drag_from: tuple[int, int] | None = None
        bridge.received.connect(self._on_event)
        self._render()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start(1000)
        self._render()
        screen = QApplication.primaryScreen().availableGeometry()
        self.move(screen.right() - self.width() - MARGIN, screen.top() + 48)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(20, 30, 35, 215))
        p.drawRoundedRect(self.rect(), 10, 10)

    # dragging it out of the way: it has no title bar
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.globalPosition().toPoint() - self.pos()
        self._drag_from = (pos.x(), pos.y())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            at = event.globalPosition().toPoint()
            self.move(at.x() - self._drag_from[0], at.y() - self._drag_from[1])

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None

    def _sample_cpu(self) -> None:
        # non-blocking: both return the use since the previous call
        self.model.cpu_pam = self._process.cpu_percent(None)
        self.model.cpu_all = psutil.cpu_percent(None)
        self._render()

    def _on_event(self, item: object) -> None:
        if self.model.on(item) and self.isVisible():
            self._render()

    def _render(self) -> None:
        self.label.setText(self.model.html())
        self.adjustSize()
        # it grows with its text: keep it on the screen
        screen = QApplication.primaryScreen().availableGeometry()
        overflow = self.geometry().right() - (screen.right() - MARGIN)
        if overflow > 0:
            self.move(self.x() - overflow, self.y())
