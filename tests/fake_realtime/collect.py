"""Test helpers that are real parts, not mocks: an event sink that can be waited on, and an
engine wrapper that remembers what it was asked (to check that failover kept the user's audio)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from pam.engines.base import Engine, EngineDone, EngineEvent, EngineFailed, EngineTurn, EventSink, UserInput


class EventLog:
    """Collects engine events (from any thread) and lets a test wait for one."""

    def __init__(self, on_event: Callable[[EngineEvent], None] | None = None) -> None:
        self.events: list[EngineEvent] = []
        self.times_ns: list[int] = []
        self._cond = threading.Condition()
        self._on_event = on_event

    def __call__(self, event: EngineEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)
        with self._cond:
            self.events.append(event)
            self.times_ns.append(time.perf_counter_ns())
            self._cond.notify_all()

    def of(self, kind: type) -> list:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(self, kind: type, count: int = 1, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [e for e in self.events if isinstance(e, kind)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    names = [type(e).__name__ for e in self.events]
                    raise AssertionError(f"no {count}× {kind.__name__} within {timeout} s; got {names}")
                self._cond.wait(left)

    def wait_end(self, timeout: float = 10.0) -> EngineEvent:
        """The EngineDone or EngineFailed that ended the turn."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events:
                    if isinstance(event, EngineDone | EngineFailed):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the turn did not end within {timeout} s; got {self.events}")
                self._cond.wait(left)


class RecordingEngine:
    """Wraps a real engine and remembers every UserInput it was given."""

    def __init__(self, inner: Engine) -> None:
        self.inner = inner
        self.name = inner.name
        self.inputs: list[UserInput] = []

    def respond(self, user: UserInput, emit: EventSink) -> EngineTurn:
        self.inputs.append(user)
        return self.inner.respond(user, emit)

    def close(self) -> None:
        self.inner.close()
