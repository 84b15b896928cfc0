"""The conversation window: the history from the database, then the live turn (partial and
final transcript, the answer as it streams), with interrupted turns marked."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QCloseEvent, QShowEvent, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from pam.conversation.messages import TurnFinished
from pam.engines.base import TextDelta, Transcript
from pam.store.db import Store
from pam.store.records import TurnRecord
from pam.ui.bridge import Bridge
from pam.ui.status import Ready

Reader = Callable[[Callable[[Store], Any], Callable[[Any], None]], None]
"""``read(job, on_done)``: run ``job(store)`` off the main thread, hand the result to ``on_done``."""

HISTORY_TURNS = 50


@dataclass(frozen=True)
class Exchange:
    started_at: float
    you: str
    pam: str
    interrupted: bool = False
    played_ms: int = 0
    error: str = ""
    engine: str = ""
    trigger: str = ""


def exchange_from_row(row: dict[str, Any]) -> Exchange:
    return Exchange(
        started_at=float(row.get("started_at") or 0.0),
        you=row.get("transcript") or "",
        pam=row.get("reply") or "",
        interrupted=bool(row.get("interrupted")),
        played_ms=int(row.get("played_ms") or 0),
        error=row.get("error") or "",
        engine=row.get("engine") or "",
        trigger=row.get("trigger") or "",
    )


def exchange_from_record(record: TurnRecord) -> Exchange:
    return Exchange(
        started_at=record.started_at,
        you=record.transcript,
        pam=record.reply,
        interrupted=record.interrupted,
        played_ms=record.played_ms,
        error=record.error,
        engine=record.engine,
        trigger=record.trigger,
    )


class ConversationLog:
    """Finished exchanges plus the one in progress; ``html()`` renders them."""

    def __init__(self, keep: int = 200) -> None:
        self.keep = keep
        self.history: list[Exchange] = []
        self.partial = ""  # the user's words so far, still changing
        self.heard = ""  # the user's final words of the turn in progress
        self.answer: list[str] = []

    def load(self, rows: list[dict[str, Any]]) -> None:
        """The stored turns (oldest first) replace the history; the live turn is kept."""
        self.history = [exchange_from_row(r) for r in rows][-self.keep :]

    def on(self, item: object) -> bool:
        """Fold in one message; True when something visible changed."""
        match item:
            case Transcript(text=text, final=False):
                self.partial = text
            case Transcript(text=text, final=True):
                self.heard, self.partial = text, ""
            case TextDelta(text=text):
                self.answer.append(text)
            case TurnFinished(record=record):
                self.history = [*self.history, exchange_from_record(record)][-self.keep :]
                self.partial, self.heard, self.answer = "", "", []
            case _:
                return False
        return True

    def html(self) -> str:
        parts = [_exchange_html(e) for e in self.history]
        if self.partial or self.heard or self.answer:
            you = _esc(self.heard) or f"<i style='color:#888'>{_esc(self.partial)}…</i>"
            parts.append(f"<p><b>You:</b> {you}</p>")
            if self.answer:
                parts.append(f"<p><b>PAM:</b> {_esc(''.join(self.answer))} ▍</p>")
        if not parts:
            return "<p style='color:#888'>No conversations yet. Say the wake word or use Push to talk.</p>"
        return "".join(parts)


def _esc(text: str) -> str:
    return html.escape(text.strip())


def _exchange_html(e: Exchange) -> str:
    when = time.strftime("%a %d %b %H:%M", time.localtime(e.started_at)) if e.started_at else ""
    meta = " · ".join(part for part in (when, e.engine) if part)
    you = _esc(e.you) or "<i style='color:#888'>(no transcript)</i>"
    answer = _esc(e.pam) or "<i style='color:#888'>(no answer)</i>"
    lines = [f"<p style='color:#888; margin-bottom:0'>{meta}</p>", f"<p><b>You:</b> {you}<br><b>PAM:</b> {answer}"]
    if e.interrupted:
        lines.append(f"<br><i style='color:#e65100'>interrupted after {e.played_ms / 1000:.1f} s</i>")
    if e.error:
        lines.append(f"<br><span style='color:#c62828'>{_esc(e.error)}</span>")
    lines.append("</p>")
    return "".join(lines)


class ConversationWindow(QWidget):
    def __init__(self, bridge: Bridge, read: Reader, push_to_talk: Callable[[], None]) -> None:
        super().__init__()
        self.setWindowTitle("PAM: conversation")
        self.resize(520, 600)
        self.log = ConversationLog()
        self._read = read
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        talk = QPushButton("Push to talk")
        talk.clicked.connect(push_to_talk)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(talk)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        bridge.received.connect(self._on_event)
        self._render()

    def showEvent(self, event: QShowEvent) -> None:
        self.reload()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()  # closing only hides it: the tray keeps running
        self.hide()

    def reload(self) -> None:
        self._read(lambda store: store.recent_turns(HISTORY_TURNS), self._loaded)

    def _loaded(self, rows: list[dict[str, Any]] | None) -> None:
        if rows is not None:
            self.log.load(rows)
            self._render()

    def _on_event(self, item: object) -> None:
        if isinstance(item, Ready) and self.isVisible():
            self.reload()  # PAM was rebuilt (settings, engine): the store is a new connection
        elif self.log.on(item) and self.isVisible():
            self._render()

    def _render(self) -> None:
        self.view.setHtml(self.log.html())
        self.view.moveCursor(QTextCursor.MoveOperation.End)
        self.view.ensureCursorVisible()
