"""Where the desktop has no system tray (plain GNOME without the AppIndicator extension): a small
window with PAM's state, push-to-talk, the same menu, and a sentence saying why it is there."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

NO_TRAY = (
    "Your desktop shows no system tray (on GNOME, install the “AppIndicator and KStatusNotifierItem "
    "Support” extension), so PAM runs in this small window instead. Closing it quits PAM."
)


class StatusWindow(QWidget):
    def __init__(self, menu: QMenu, push_to_talk: Callable[[], None], on_close: Callable[[], None]) -> None:
        super().__init__()
        self.setWindowTitle("PAM")
        self._on_close = on_close
        self.icon = QLabel()
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        bold = self.headline.font()
        bold.setBold(True)
        self.headline.setFont(bold)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.why = QLabel(NO_TRAY)
        self.why.setWordWrap(True)
        self.why.setStyleSheet("color: #666")
        talk = QPushButton("Push to talk")
        talk.clicked.connect(push_to_talk)
        more = QPushButton("Menu")
        more.setMenu(menu)
        top = QHBoxLayout()
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(self.headline)
        text.addWidget(self.message)
        top.addLayout(text, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(talk)
        buttons.addWidget(more)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(buttons)
        layout.addWidget(self.why)
        self.setMinimumWidth(400)

    def show_status(self, icon: QIcon, headline: str) -> None:
        self.icon.setPixmap(icon.pixmap(48, 48))
        self.headline.setText(headline)
        self.setWindowIcon(icon)
        self.adjustSize()  # wrapped text changes the height it needs

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.adjustSize()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._on_close()
        super().closeEvent(event)
