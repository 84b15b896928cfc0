"""Crossing threads into the Qt main thread, which must never wait on audio, models or the disk.

``Bridge`` re-emits messages from any thread (the controller's, the session worker's) on the Qt
main thread. ``Background`` runs a function on its own worker thread and hands the result (or
the error) to a callback on the main thread.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from pam.engines.base import AudioChunk

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Err = Callable[[BaseException], None]


class Bridge(QObject):
    """``received`` fires on the main thread for every message posted from any thread."""

    received = Signal(object)
    _arrived = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        # queued explicitly: the emitting thread is never the one that runs the slots
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def post(self, item: object) -> None:
        """Thread-safe. Audio chunks are dropped here: the UI never needs the samples."""
        if isinstance(item, AudioChunk):
            return
        with contextlib.suppress(RuntimeError):  # the app is shutting down and the bridge is gone
            self._arrived.emit(item)

    @Slot(object)
    def _deliver(self, item: object) -> None:
        self.received.emit(item)


class Background(QObject):
    """One worker thread; jobs run in the order they were submitted."""

    _finished = Signal(object, object)  # callback, result or error

    def __init__(self, name: str = "pam-ui-worker") -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def run(self, job: Callable[[], Any], on_done: Done | None = None, on_error: Err | None = None) -> Future[Any]:
        def work() -> Any:
            try:
                result = job()
            except Exception as err:
                if on_error is None:
                    log.exception("background job failed")
                self._emit(on_error, err)
                raise
            self._emit(on_done, result)
            return result

        return self._pool.submit(work)

    def _emit(self, callback: Done | Err | None, value: Any) -> None:
        if callback is None:
            return
        with contextlib.suppress(RuntimeError):  # the app is shutting down
            self._finished.emit(callback, value)

    @Slot(object, object)
    def _deliver(self, callback: Callable[[Any], None], value: Any) -> None:
        callback(value)

    def shutdown(self, wait: bool = True) -> None:
        """No new jobs; those already submitted still run (``wait``: until they have)."""
        self._pool.shutdown(wait=wait)
