"""Checks once a second for timers and reminders that came due and hands them to the controller.

Due items are taken from the database exactly once, so one that fell due while PAM was off is
said at the next start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from pam.conversation.messages import Announce, Notice
from pam.errors import PamError
from pam.store.db import Store
from pam.tools.timers import due

log = logging.getLogger(__name__)


class ReminderClock:
    def __init__(self, store: Store, post: Callable[[Announce | Notice], None]) -> None:
        self.store = store
        self.post = post
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pam-reminders", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def check(self, now: datetime) -> None:
        for reminder in due(self.store, now):
            self.post(Notice(reminder.announcement))
            self.post(Announce(reminder.announcement))

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.check(datetime.now())
            except PamError as err:
                log.warning("reminders: %s", err)
