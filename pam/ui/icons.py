"""PAM's tray icons, drawn at run time: a coloured disc per state with a white glyph, and a small
badge when answers come from the offline engine. Nothing to license, and sharp at any size.

``packaging/pam.svg`` is the same drawing as the WAITING icon, for the desktop entry."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from pam.ui.status import Look

SIZE = 64
LOADING_FRAMES = 8

COLOURS = {
    Look.LOADING: "#78909c",
    Look.IDLE: "#546e7a",
    Look.WAITING: "#00897b",
    Look.LISTENING: "#43a047",
    Look.THINKING: "#f59e0b",
    Look.SPEAKING: "#1e88e5",
    Look.MUTED: "#616161",
    Look.ERROR: "#d32f2f",
}
OFFLINE_BADGE = "#ff7043"


def _bars(p: QPainter, heights: tuple[float, ...]) -> None:
    for x, h in zip((19.0, 32.0, 45.0), heights, strict=True):
        p.drawRoundedRect(QRectF(x - 4, 32 - h / 2, 8, h), 4, 4)


def _mic(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(25, 12, 14, 25), 7, 7)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor("white"), 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    arc = QPainterPath(QPointF(18, 30))
    arc.cubicTo(QPointF(18, 48), QPointF(46, 48), QPointF(46, 30))
    p.drawPath(arc)
    p.drawLine(QPointF(32, 44), QPointF(32, 52))
    p.drawLine(QPointF(24, 52), QPointF(40, 52))


def _glyph(p: QPainter, look: Look, frame: int) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    if look in (Look.IDLE, Look.WAITING):
        _bars(p, (10.0, 22.0, 10.0) if look is Look.WAITING else (16.0, 16.0, 16.0))
    elif look is Look.SPEAKING:
        _bars(p, (18.0, 34.0, 24.0))
    elif look in (Look.LISTENING, Look.MUTED):
        _mic(p)
        if look is Look.MUTED:
            p.setPen(QPen(QColor(COLOURS[Look.MUTED]), 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            p.drawLine(QPointF(16, 16), QPointF(48, 48))
            p.setPen(QPen(QColor("white"), 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            p.drawLine(QPointF(16, 16), QPointF(48, 48))
    elif look is Look.THINKING:
        for x in (18.0, 32.0, 46.0):
            p.drawEllipse(QPointF(x, 32), 5.5, 5.5)
    elif look is Look.ERROR:
        p.drawRoundedRect(QRectF(28, 12, 8, 28), 4, 4)
        p.drawEllipse(QPointF(32, 49), 5, 5)
    elif look is Look.LOADING:
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor("white"), 6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        start = -(frame % LOADING_FRAMES) * (360 // LOADING_FRAMES)
        p.drawArc(QRectF(17, 17, 30, 30), start * 16, 270 * 16)


@cache
def pixmap(look: Look, offline: bool = False, frame: int = 0) -> QPixmap:
    """The icon at 64 px (needs a QGuiApplication)."""
    image = QPixmap(SIZE, SIZE)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(QColor(COLOURS[look])))
    p.drawEllipse(QRectF(2, 2, SIZE - 4, SIZE - 4))
    _glyph(p, look, frame)
    if offline:
        p.setPen(QPen(QColor("white"), 3))
        p.setBrush(QColor(OFFLINE_BADGE))
        p.drawEllipse(QPointF(SIZE - 12, SIZE - 12), 10, 10)
    p.end()
    return image


def icon(look: Look, offline: bool = False, frame: int = 0) -> QIcon:
    return QIcon(pixmap(look, offline, frame))


def app_icon() -> QIcon:
    return icon(Look.WAITING)
