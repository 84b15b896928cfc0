"""Which engine answers a turn: online (OpenAI Realtime) first, the local one when online cannot.

Modes (``[engine] mode``): ``auto`` = online-first with failover, ``local`` = never online,
``online`` = never local (failures reach the user). In ``auto``:

* no API key, an unreachable server, a rejected key or an empty account → local, with ONE
  notice per outage saying why. A rejected key or an empty account is not retried: only the
  user can fix it.
* a failure in the middle of a turn (socket drop, server error, rate limit) → the same
  ``UserInput`` is handed to the local engine, so the turn still gets an answer.
* after a transient failure, online is retried in the background with capped exponential
  backoff and jitter (a rate limit's Retry-After is honoured); turns go local until a retry
  (or a later turn) succeeds.

The policy (``decide``, ``after_failure``, ``after_success``, ``Backoff``) is pure: it takes the
state, the time and a random number and returns the new state, so it is tested with plain values.
``Router`` is the thin threaded shell around it.
"""

from __future__ import annotations

import enum
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from pam.config import Config
from pam.engines.base import Engine, EngineDone, EngineEvent, EngineFailed, EngineTurn, EventSink, UserInput

log = logging.getLogger(__name__)

Mode = Literal["auto", "local", "online"]


class FailureKind(enum.Enum):
    NO_KEY = "no_key"
    NETWORK = "network"
    AUTH = "auth"
    QUOTA = "quota"
    RATE_LIMIT = "rate_limit"
    DROPPED = "dropped"
    SERVER = "server"


# failures only the user can fix (a new key, credit on the account): retrying would only repeat them
PERMANENT = frozenset({FailureKind.NO_KEY, FailureKind.AUTH, FailureKind.QUOTA})

KEY_HELP = "set OPENAI_API_KEY or store a key in the desktop keyring"

# what the user is told when PAM goes offline in auto mode (one sentence each)
NOTICES: dict[FailureKind, str] = {
    FailureKind.NO_KEY: f"No OpenAI API key is set, so PAM is answering offline; {KEY_HELP} to go online.",
    FailureKind.NETWORK: "PAM can't reach OpenAI, so it is answering offline and will keep trying to reconnect.",
    FailureKind.AUTH: f"OpenAI rejected the API key, so PAM is answering offline; {KEY_HELP} and restart PAM.",
    FailureKind.QUOTA: "The OpenAI account has no credit left, so PAM is answering offline.",
    FailureKind.RATE_LIMIT: "OpenAI is rate-limiting PAM, so it is answering offline for a while.",
    FailureKind.DROPPED: "The connection to OpenAI dropped, so PAM finished the answer offline.",
    FailureKind.SERVER: "OpenAI returned an error, so PAM finished the answer offline.",
}
BACK_ONLINE = "PAM is back online."

# what the user is told when a turn fails in online-only mode
ONLINE_ONLY: dict[FailureKind, str] = {
    FailureKind.NO_KEY: f"No OpenAI API key is set; {KEY_HELP}, or set [engine] mode to auto.",
    FailureKind.NETWORK: "PAM can't reach OpenAI; check the connection, or set [engine] mode to auto.",
    FailureKind.AUTH: f"OpenAI rejected the API key; {KEY_HELP} and restart PAM.",
    FailureKind.QUOTA: "The OpenAI account has no credit left; add credit or set [engine] mode to auto.",
    FailureKind.RATE_LIMIT: "OpenAI is rate-limiting PAM; wait a minute and try again.",
    FailureKind.DROPPED: "The connection to OpenAI dropped during the answer; please ask again.",
    FailureKind.SERVER: "OpenAI returned an error; please ask again.",
}


class OnlineError(Exception):
    """An online engine could not connect or answer. ``str(err)`` is a detail for the log only."""

    def __init__(self, kind: FailureKind, detail: str = "", retry_after_s: float | None = None) -> None:
        super().__init__(detail or kind.value)
        self.kind = kind
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class OnlineFailed(EngineFailed):
    """An online engine's ``EngineFailed`` that says why, so the router can decide what to do."""

    kind: FailureKind = FailureKind.SERVER
    retry_after_s: float | None = None


# ---- pure policy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Backoff:
    initial_s: float = 2.0
    max_s: float = 300.0
    jitter: float = 0.5  # up to this fraction of each wait is taken off at random

    def delay(self, failures: int, rand: float, retry_after_s: float | None = None) -> float:
        """Wait before retry number ``failures``: initial·2^(n-1) capped at max_s, jittered so many
        PAMs do not retry in step, never shorter than the server's Retry-After."""
        base = min(self.max_s, self.initial_s * 2.0 ** min(max(failures - 1, 0), 62))
        return max(base * (1.0 - self.jitter * rand), retry_after_s or 0.0)


@dataclass(frozen=True)
class OnlineState:
    failures: int = 0  # consecutive, reset by any success
    retry_at: float = 0.0  # no online attempt before this time (the caller's monotonic clock)
    blocked: FailureKind | None = None  # a permanent failure: online stays off
    noticed: FailureKind | None = None  # the outage the user was last told about


@dataclass(frozen=True)
class Decision:
    engine: Literal["online", "local"] | None  # None: fail the turn with ``failure``
    state: OnlineState
    notice: str | None = None
    failure: FailureKind | None = None


def decide(mode: Mode, state: OnlineState, now: float) -> Decision:
    """Which engine takes a new turn."""
    if mode == "local":
        return Decision("local", state)
    if mode == "online":
        if state.blocked is not None:
            return Decision(None, state, failure=state.blocked)
        return Decision("online", state)
    if state.blocked is not None:
        if state.noticed == state.blocked:
            return Decision("local", state)
        return Decision("local", replace(state, noticed=state.blocked), NOTICES[state.blocked])
    return Decision("online" if now >= state.retry_at else "local", state)


def after_failure(
    state: OnlineState,
    kind: FailureKind,
    now: float,
    rand: float,
    backoff: Backoff,
    retry_after_s: float | None = None,
) -> tuple[OnlineState, str | None]:
    """The state after an online failure, and the notice for the user (None: already told)."""
    failures = state.failures + 1
    if kind in PERMANENT:
        new = replace(state, failures=failures, blocked=kind)
    else:
        new = replace(state, failures=failures, retry_at=now + backoff.delay(failures, rand, retry_after_s))
    first_of_outage = state.noticed is None
    if first_of_outage or (kind in PERMANENT and state.noticed != kind):
        return replace(new, noticed=kind), NOTICES[kind]
    return new, None


def after_success(state: OnlineState) -> tuple[OnlineState, str | None]:
    return OnlineState(), (BACK_ONLINE if state.noticed is not None else None)


def next_retry_in(state: OnlineState, now: float) -> float | None:
    """Seconds until the background retry is due; None when there is nothing to retry."""
    if state.blocked is not None or state.failures == 0:
        return None
    return max(0.0, state.retry_at - now)


# ---- the threaded shell ----------------------------------------------------------------------


class OnlineEngine(Engine, Protocol):
    def connect(self) -> None:
        """Open the connection now (blocking); raises ``OnlineError``."""


class RouterTurn:
    """The turn handed to the controller. ``engine`` names who is answering it right now."""

    def __init__(self, user: UserInput) -> None:
        self.user = user
        self.engine = ""
        self._lock = threading.Lock()
        self._generation = 0  # bumped when the turn moves to another engine; stale events are dropped
        self._inner: EngineTurn | None = None
        self._cancelled = False
        self._committed = False
        self._played_ms: int | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self, played_ms: int | None = None) -> None:
        with self._lock:
            self._cancelled, self._played_ms, inner = True, played_ms, self._inner
        if inner is not None:
            inner.cancel(played_ms)

    def commit(self) -> None:
        """The controller keeps this speculative turn (passed on to engines whose turns take it)."""
        with self._lock:
            self._committed, inner = True, self._inner
        _commit(inner)


def _commit(turn: EngineTurn | None) -> None:
    commit = getattr(turn, "commit", None)
    if commit is not None:
        commit()


class Router:
    """An Engine that hands each turn to the online or the local engine (see the module doc)."""

    name = "router"

    def __init__(
        self,
        mode: Mode,
        local: Engine,
        online: OnlineEngine | None,
        *,
        backoff: Backoff | None = None,
        notify: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.mode: Mode = mode
        self._local = local
        self._online = online
        self._backoff = backoff or Backoff()
        self.notify = notify  # where notices go besides the log (the app may set it later)
        self._clock = clock
        self._rand = rand
        self._lock = threading.Lock()
        self._state = OnlineState() if online is not None else OnlineState(blocked=FailureKind.NO_KEY)
        self._wake = threading.Event()
        self._connect_now = False
        self._closed = False
        self._retrier: threading.Thread | None = None

    # -- the Engine interface

    def respond(self, user: UserInput, emit: EventSink) -> RouterTurn:
        turn = RouterTurn(user)
        if user.say is not None:  # nothing to understand: PAM's own voice says it, online or not
            self._start(turn, self._local, emit)
            return turn
        with self._lock:
            decision = decide(self.mode, self._state, self._clock())
            self._state = decision.state
        self._tell(decision.notice)
        if decision.engine is None:
            turn.engine = "realtime"
            assert decision.failure is not None
            emit(EngineFailed(user.turn_id, ONLINE_ONLY[decision.failure]))
        elif decision.engine == "online" and self._online is not None:
            self._start(turn, self._online, emit)
        else:
            self._start(turn, self._local, emit)
        return turn

    def wait_ready(self, timeout: float | None = None) -> bool:
        """The local engine's models (the online engine loads none)."""
        return self._local.wait_ready(timeout)

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._online is not None:
            self._online.close()
        self._local.close()

    # -- extras for the app and the tray

    def start(self) -> None:
        """Connect online in the background now, so the first turn does not wait for it."""
        if self.mode != "local" and self._online is not None:
            self._connect_now = True
            self._ensure_retrier()
            self._wake.set()

    @property
    def active(self) -> str:
        """The engine a turn starting now would get: its name ("realtime", "local", ...) or "none"
        (online-only mode while online is blocked)."""
        with self._lock:
            engine = decide(self.mode, self._state, self._clock()).engine
        if engine == "online" and self._online is not None:
            return self._online.name
        return self._local.name if engine == "local" else "none"

    # -- internals

    def _start(self, turn: RouterTurn, engine: Engine, emit: EventSink) -> None:
        with turn._lock:
            turn._generation += 1
            generation = turn._generation
            turn.engine = engine.name
        sink = self._online_sink(turn, generation, emit) if engine is self._online else emit
        inner = engine.respond(turn.user, sink)
        with turn._lock:
            current = turn._generation == generation
            if current:
                turn._inner = inner
            cancel_now = current and turn._cancelled
            commit_now = current and turn._committed
        if cancel_now:  # the user barged in while the engine was starting
            inner.cancel(turn._played_ms)
        elif commit_now:  # committed before this engine took the turn over
            _commit(inner)

    def _online_sink(self, turn: RouterTurn, generation: int, emit: EventSink) -> EventSink:
        answered = False

        def sink(event: EngineEvent) -> None:
            nonlocal answered
            if turn._generation != generation:
                return  # the turn already moved to the local engine
            if isinstance(event, EngineFailed):
                failed = event if isinstance(event, OnlineFailed) else None
                kind = failed.kind if failed else FailureKind.SERVER
                self._failed(kind, failed.retry_after_s if failed else None, event.message)
                if self.mode == "online":
                    emit(EngineFailed(event.turn_id, ONLINE_ONLY[kind]))
                elif not turn.cancelled:
                    log.info("turn %d: failing over to %s", event.turn_id, self._local.name)
                    self._start(turn, self._local, emit)
                return
            if not answered and not isinstance(event, EngineDone):
                answered = True
                self._succeeded()
            emit(event)

        return sink

    def _failed(self, kind: FailureKind, retry_after_s: float | None, detail: str) -> None:
        with self._lock:
            self._state, notice = after_failure(
                self._state, kind, self._clock(), self._rand(), self._backoff, retry_after_s
            )
            wait = next_retry_in(self._state, self._clock())
        log.warning("online engine failed (%s): %s", kind.value, detail)
        if wait is not None:
            log.info("retrying online in %.1f s", wait)
            self._ensure_retrier()
            self._wake.set()
        self._tell(notice)

    def _succeeded(self) -> None:
        with self._lock:
            self._state, notice = after_success(self._state)
        self._tell(notice)

    def _tell(self, notice: str | None) -> None:
        if notice is None:
            return
        log.warning("%s", notice)
        if self.notify is not None:
            self.notify(notice)

    def _ensure_retrier(self) -> None:
        with self._lock:
            if self._retrier is None and not self._closed:
                self._retrier = threading.Thread(target=self._retry_loop, name="pam-online-retry", daemon=True)
                self._retrier.start()

    def _retry_loop(self) -> None:
        online = self._online
        assert online is not None
        while not self._closed:
            with self._lock:
                wait = 0.0 if self._connect_now else next_retry_in(self._state, self._clock())
                self._connect_now = False
            if wait is None or wait > 0:
                self._wake.wait(wait)
                self._wake.clear()
                continue
            try:
                online.connect()
            except OnlineError as err:
                self._failed(err.kind, err.retry_after_s, str(err))
            else:
                self._succeeded()


def build_router(
    config: Config,
    assets: object,
    local: Engine,
    *,
    mode: Mode | None = None,
    tools: Sequence[dict[str, Any]] = (),
    run_tool: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Router:
    """The engine for modes auto/online: the realtime engine (when a key is set) in front of ``local``.

    ``assets`` is accepted so every engine builder has one shape; the online engine loads no models.
    ``tools``/``run_tool``: the tool registry's OpenAI functions and its runner."""
    from pam.engines.realtime import build_engine  # the SDK loads only when online is wanted

    configured = config.engine.mode
    chosen: Mode = mode or (configured if configured in ("auto", "local", "online") else "auto")
    # built even in local mode: the tray can switch the mode of a running router
    online = build_engine(config.realtime, tools=tools, run_tool=run_tool)
    backoff = Backoff(config.realtime.retry_initial_s, config.realtime.retry_max_s)
    return Router(chosen, local, online, backoff=backoff, notify=notify)
