"""A stacked daily bar chart drawn with QPainter (PySide6-Essentials has no QtCharts)."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

PALETTE = ["#1e88e5", "#fb8c00", "#8e24aa", "#43a047", "#e53935", "#00acc1", "#6d4c41"]
KNOWN = {"realtime": "#1e88e5", "local": "#fb8c00", "canned": "#9e9e9e", "router": "#8e24aa"}


def colour_for(name: str, index: int) -> QColor:
    return QColor(KNOWN.get(name, PALETTE[index % len(PALETTE)]))


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ at or above ``value`` (1 for nothing), for the y axis."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value * (1 - 1e-9):
            return float(step * power)
    return float(10 * power)


class BarChart(QWidget):
    def __init__(self, title: str, fmt: Callable[[float], str], whole: bool = False) -> None:
        super().__init__()
        self.title = title
        self.fmt = fmt
        self.whole = whole  # counts: no gridline label between whole numbers
        self.labels: list[str] = []
        self.series: dict[str, list[float]] = {}
        self.colours: dict[str, QColor] = {}
        self.setMinimumSize(320, 180)

    def sizeHint(self) -> QSize:
        return QSize(420, 220)

    def set_data(self, labels: list[str], series: dict[str, list[float]], colours: dict[str, QColor]) -> None:
        self.labels, self.series, self.colours = labels, series, colours
        self.update()

    def totals(self) -> list[float]:
        return [sum(values[i] for values in self.series.values()) for i in range(len(self.labels))]

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        faint = QColor(text)
        faint.setAlpha(60)
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(text)
        totals = self.totals()
        p.drawText(QRectF(8, 4, self.width() - 16, 20), Qt.AlignmentFlag.AlignLeft, self.title)
        p.drawText(QRectF(8, 4, self.width() - 16, 20), Qt.AlignmentFlag.AlignRight, self.fmt(sum(totals)))
        p.setFont(self.font())
        left, top, right, bottom = 48.0, 30.0, self.width() - 10.0, self.height() - 22.0
        top_value = nice_ceiling(max(totals, default=0.0))
        for fraction in (0.0, 0.5, 1.0):
            y = bottom - fraction * (bottom - top)
            p.setPen(QPen(faint, 1))
            p.drawLine(int(left), int(y), int(right), int(y))
            value = top_value * fraction
            if not self.whole or value.is_integer():
                p.setPen(text)
                p.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignmentFlag.AlignRight, self.fmt(value))
        n = len(self.labels)
        if n == 0:
            return
        slot = (right - left) / n
        width = max(2.0, slot * 0.7)
        for i, label in enumerate(self.labels):
            x = left + i * slot + (slot - width) / 2
            y = bottom
            for name, values in self.series.items():
                height = values[i] / top_value * (bottom - top)
                if height > 0:
                    p.fillRect(QRectF(x, y - height, width, height), self.colours.get(name, QColor("gray")))
                    y -= height
            if i == 0 or i == n - 1 or (i + 1) % 5 == 0:
                p.setPen(text)
                p.drawText(QRectF(x - 10, bottom + 2, width + 20, 18), Qt.AlignmentFlag.AlignHCenter, label)
