"""The wake word's second stage, between the listener and the controller.

A detection passes on only if the checker (Whisper, ``pam.wakeword.verify``) hears the phrase in the
audio the listener attached to it; otherwise a ``WakeRejected`` goes on instead. The check takes about
0.1 s (more on a busy machine), far too long for the listener thread, which must keep up with the
microphone every 20 ms, so ``WakeConfirmer`` runs it on its own thread and holds back the events that follow a detection until
the verdict is in: the controller sees them in their original order, and the request spoken right
after "hey PAM" is not lost.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator

from pam.listen.events import ListenEvent, WakeDetected, WakeRejected
from pam.wakeword.verify import Checker

log = logging.getLogger(__name__)


def judge(event: WakeDetected, checker: Checker) -> WakeDetected | WakeRejected:
    if event.audio is None:
        return event  # nothing to check (a detection from elsewhere than the listener)
    verdict = checker.check(event.audio)
    log.info("wake word %s %.2f: second stage heard %r in %.0f ms", event.model, event.score, verdict.text,
             verdict.seconds * 1000)  # fmt: skip
    if verdict.confirmed:
        return event
    return WakeRejected(event.sample, event.model, event.score, verdict.text)


def confirmed(events: Iterable[ListenEvent], checker: Checker | None) -> Iterator[ListenEvent]:
    """``events`` with every detection judged in line (for files, where nothing runs in real time)."""
    for event in events:
        yield judge(event, checker) if checker is not None and isinstance(event, WakeDetected) else event


class WakeConfirmer:
    """A sink for the listener thread that forwards to ``sink`` on its own thread, judging each
    detection with ``checker`` on the way. ``checker`` may be swapped (or set to None, which passes
    detections through unchecked) while running."""

    def __init__(self, sink: Callable[[ListenEvent], None], checker: Checker | None = None) -> None:
        self.sink = sink
        self.checker = checker
        self._queue: queue.SimpleQueue[ListenEvent | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="pam-wake-check", daemon=True)

    def __call__(self, event: ListenEvent) -> None:
        self._queue.put(event)

    def start(self) -> WakeConfirmer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while (event := self._queue.get()) is not None:
            checker = self.checker
            if checker is not None and isinstance(event, WakeDetected):
                try:
                    event = judge(event, checker)
                except Exception:
                    # a broken check must not cost the user their wake word: let the detection through
                    log.exception("the wake word check failed; passing the detection on unchecked")
            self.sink(event)
