"""The usage dashboard: month to date, one stacked bar per day and engine for voice minutes,
turns, tool calls and estimated cost, read from the usage ledger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pam.conversation.messages import TurnFinished
from pam.store import usage
from pam.store.db import Store
from pam.ui.bridge import Bridge
from pam.ui.charts import BarChart, colour_for
from pam.ui.conversation import Reader
from pam.ui.status import Ready

METRICS: list[tuple[str, str, Callable[[float], str]]] = [
    ("voice_minutes", "Voice minutes", lambda v: f"{v:.1f}"),
    ("turns", "Turns", lambda v: f"{v:.0f}"),
    ("tool_calls", "Tool calls", lambda v: f"{v:.0f}"),
    ("cost_usd", "Estimated cost", lambda v: f"${v:.2f}"),
]
COUNTS = {"turns", "tool_calls"}


@dataclass(frozen=True)
class MonthUsage:
    first: date
    today: date
    days: list[str]  # day of the month, "1" .. today
    series: dict[str, dict[str, list[float]]]  # metric → engine → one value per day
    totals: usage.Totals


def month_usage(store: Store, today: date) -> MonthUsage:
    """Month to date from the ledger (engines with no use this month are left out)."""
    first = today.replace(day=1)
    by_engine = {engine: usage.daily(store, first, today, engine) for engine in usage.engines(store)}
    series: dict[str, dict[str, list[float]]] = {metric: {} for metric, _, _ in METRICS}
    for engine, days in by_engine.items():
        if not any(d.totals != usage.Totals() for d in days):
            continue
        for metric, _, _ in METRICS:
            series[metric][engine] = [float(getattr(d.totals, metric)) for d in days]
    labels = [str(i + 1) for i in range((today - first).days + 1)]
    return MonthUsage(first, today, labels, series, usage.totals(store, first, today))


def summary(month: MonthUsage) -> str:
    t = month.totals
    return (
        f"{month.first:%B %Y} to date: {t.turns} turns · {t.voice_minutes:.1f} voice minutes · "
        f"{t.tool_calls} tool calls · estimated ${t.cost_usd:.2f}"
    )


class UsageDashboard(QWidget):
    def __init__(self, bridge: Bridge, read: Reader, today: Callable[[], date] = date.today) -> None:
        super().__init__()
        self.setWindowTitle("PAM: usage")
        self.resize(900, 560)
        self._read = read
        self._today = today
        self.month: MonthUsage | None = None
        self.heading = QLabel("Loading…")
        self.heading.setWordWrap(True)
        self.legend = QLabel()
        self.charts = {metric: BarChart(title, fmt, whole=metric in COUNTS) for metric, title, fmt in METRICS}
        grid = QGridLayout()
        for i, chart in enumerate(self.charts.values()):
            grid.addWidget(chart, i // 2, i % 2)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.legend)
        layout.addLayout(grid, 1)
        # a burst of finished turns reloads once
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(500)
        self._soon.timeout.connect(self.reload)
        bridge.received.connect(self._on_event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.hide()

    def reload(self) -> None:
        today = self._today()
        self._read(lambda store: month_usage(store, today), self.show_month)

    def _on_event(self, item: object) -> None:
        if isinstance(item, TurnFinished | Ready) and self.isVisible():
            self._soon.start()

    def show_month(self, month: MonthUsage | None) -> None:
        if month is None:
            self.heading.setText("PAM is not running, so there is no usage to show yet.")
            return
        self.month = month
        self.heading.setText(summary(month))
        engines = sorted({e for per in month.series.values() for e in per})
        colours = {e: colour_for(e, i) for i, e in enumerate(engines)}
        self.legend.setText(
            "  ".join(f"<span style='color:{colours[e].name()}'>■</span> {e}" for e in engines)
            or "No use recorded this month yet."
        )
        for metric, chart in self.charts.items():
            chart.set_data(month.days, month.series[metric], colours)
