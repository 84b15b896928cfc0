"""The router: its pure policy on plain values, then the threaded shell with two stand-in engines
(small real Engine implementations defined here; no network is involved)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np
from fake_realtime import EventLog

from pam.engines.base import AudioChunk, EngineDone, EngineEvent, EngineFailed, EventSink, TextDelta, UserInput
from pam.engines.router import (
    BACK_ONLINE,
    NOTICES,
    ONLINE_ONLY,
    Backoff,
    FailureKind,
    OnlineError,
    OnlineFailed,
    OnlineState,
    Router,
    after_failure,
    after_success,
    decide,
    next_retry_in,
)

BACKOFF = Backoff(initial_s=2.0, max_s=60.0, jitter=0.5)


# ---- pure policy


def test_modes_pick_their_engine() -> None:
    healthy = OnlineState()
    assert decide("local", healthy, 0.0).engine == "local"
    assert decide("online", healthy, 0.0).engine == "online"
    assert decide("auto", healthy, 0.0).engine == "online"


def test_auto_stays_local_until_the_retry_time() -> None:
    state = OnlineState(failures=1, retry_at=10.0, noticed=FailureKind.NETWORK)
    assert decide("auto", state, 9.9).engine == "local"
    assert decide("auto", state, 10.0).engine == "online"


def test_no_key_goes_local_with_one_notice() -> None:
    first = decide("auto", OnlineState(blocked=FailureKind.NO_KEY), 0.0)
    assert (first.engine, first.notice) == ("local", NOTICES[FailureKind.NO_KEY])
    second = decide("auto", first.state, 1.0)
    assert (second.engine, second.notice) == ("local", None)


def test_online_only_fails_at_once_when_blocked() -> None:
    decision = decide("online", OnlineState(blocked=FailureKind.AUTH), 0.0)
    assert decision.engine is None
    assert decision.failure is FailureKind.AUTH


def test_backoff_doubles_up_to_the_cap_and_jitter_only_shortens() -> None:
    assert [BACKOFF.delay(n, rand=0.0) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert BACKOFF.delay(3, rand=1.0) == 4.0  # half of 8 taken off at most
    assert 4.0 <= BACKOFF.delay(3, rand=0.37) <= 8.0
    assert BACKOFF.delay(10_000, rand=0.0) == 60.0  # no overflow however long the outage


def test_retry_after_is_a_floor() -> None:
    assert BACKOFF.delay(1, rand=0.0, retry_after_s=30.0) == 30.0
    assert BACKOFF.delay(1, rand=0.0, retry_after_s=0.5) == 2.0


def test_transient_failures_back_off_and_notify_once() -> None:
    state, notice = after_failure(OnlineState(), FailureKind.NETWORK, now=100.0, rand=0.0, backoff=BACKOFF)
    assert notice == NOTICES[FailureKind.NETWORK]
    assert (state.failures, state.retry_at) == (1, 102.0)
    assert next_retry_in(state, 101.0) == 1.0
    state, notice = after_failure(state, FailureKind.DROPPED, now=103.0, rand=0.0, backoff=BACKOFF)
    assert notice is None  # same outage: the user already knows
    assert (state.failures, state.retry_at) == (2, 107.0)


def test_rate_limit_waits_at_least_the_servers_retry_after() -> None:
    state, _ = after_failure(OnlineState(), FailureKind.RATE_LIMIT, 0.0, 0.0, BACKOFF, retry_after_s=20.0)
    assert state.retry_at == 20.0


def test_auth_failure_blocks_online_without_retrying() -> None:
    state, notice = after_failure(OnlineState(), FailureKind.AUTH, 0.0, 0.0, BACKOFF)
    assert notice == NOTICES[FailureKind.AUTH]
    assert state.blocked is FailureKind.AUTH
    assert next_retry_in(state, 1e9) is None
    assert decide("auto", state, 1e9).engine == "local"


def test_a_permanent_failure_is_told_even_during_an_outage() -> None:
    state, _ = after_failure(OnlineState(), FailureKind.NETWORK, 0.0, 0.0, BACKOFF)
    state, notice = after_failure(state, FailureKind.QUOTA, 5.0, 0.0, BACKOFF)
    assert notice == NOTICES[FailureKind.QUOTA]


def test_success_resets_and_announces_the_return() -> None:
    state, _ = after_failure(OnlineState(), FailureKind.NETWORK, 0.0, 0.0, BACKOFF)
    assert after_success(state) == (OnlineState(), BACK_ONLINE)
    assert after_success(OnlineState()) == (OnlineState(), None)


# ---- the threaded shell, with stand-in engines


class _Turn:
    def __init__(self) -> None:
        self.cancelled_with: list[int | None] = []

    def cancel(self, played_ms: int | None = None) -> None:
        self.cancelled_with.append(played_ms)


class ScriptedOnline:
    """Plays a fixed list of events for every turn, on its own thread, like a real engine."""

    name = "realtime"

    def __init__(
        self,
        script: Sequence[EngineEvent],
        connect_errors: Sequence[OnlineError] = (),
        gate: threading.Event | None = None,  # hold the script until the test opens it
    ) -> None:
        self.script = script
        self.gate = gate
        self.connect_errors = list(connect_errors)
        self.connects = 0
        self.inputs: list[UserInput] = []
        self.turns: list[_Turn] = []

    def respond(self, user: UserInput, emit: EventSink) -> _Turn:
        self.inputs.append(user)
        turn = _Turn()
        self.turns.append(turn)

        def play() -> None:
            if self.gate is not None:
                self.gate.wait(5)
            for event in self.script:
                if turn.cancelled_with:
                    return
                emit(event)

        threading.Thread(target=play, daemon=True).start()
        return turn

    def connect(self) -> None:
        self.connects += 1
        if self.connect_errors:
            raise self.connect_errors.pop(0)

    def close(self) -> None:
        pass


class EchoLocal:
    name = "local"

    def __init__(self) -> None:
        self.inputs: list[UserInput] = []

    def respond(self, user: UserInput, emit: EventSink) -> _Turn:
        self.inputs.append(user)
        emit(TextDelta(user.turn_id, "local answer"))
        emit(EngineDone(user.turn_id))
        return _Turn()

    def close(self) -> None:
        pass


AUDIO = np.arange(1600, dtype=np.int16)
CHUNK = AudioChunk(1, np.zeros(240, dtype=np.int16), 24_000)


def test_a_drop_mid_turn_hands_the_same_input_to_the_local_engine() -> None:
    online = ScriptedOnline([CHUNK, OnlineFailed(1, "dropped", FailureKind.DROPPED)])
    local = EchoLocal()
    told: list[str] = []
    router = Router("auto", local, online, notify=told.append, backoff=Backoff(initial_s=60.0))
    log = EventLog()
    user = UserInput(1, audio=AUDIO)
    turn = router.respond(user, log)
    assert isinstance(log.wait_end(), EngineDone)
    assert local.inputs == [user] and local.inputs[0].audio is AUDIO
    assert [type(e).__name__ for e in log.events] == ["AudioChunk", "TextDelta", "EngineDone"]
    assert turn.engine == "local"
    assert told == [NOTICES[FailureKind.DROPPED]]
    assert router.active == "local"  # backing off


def test_online_only_reports_the_failure_instead_of_going_local() -> None:
    online = ScriptedOnline([OnlineFailed(1, "x", FailureKind.NETWORK)])
    local = EchoLocal()
    router = Router("online", local, online, backoff=Backoff(initial_s=60.0))
    log = EventLog()
    router.respond(UserInput(1, text="hi"), log)
    end = log.wait_end()
    assert isinstance(end, EngineFailed) and end.message == ONLINE_ONLY[FailureKind.NETWORK]
    assert local.inputs == []


def test_without_a_key_turns_go_local_with_one_notice() -> None:
    local = EchoLocal()
    told: list[str] = []
    router = Router("auto", local, None, notify=told.append)
    for turn_id in (1, 2):
        log = EventLog()
        assert router.respond(UserInput(turn_id, text="hi"), log).engine == "local"
        log.wait_end()
    assert told == [NOTICES[FailureKind.NO_KEY]]
    online_only = EventLog()
    Router("online", local, None).respond(UserInput(3, text="hi"), online_only)
    assert online_only.wait_end() == EngineFailed(3, ONLINE_ONLY[FailureKind.NO_KEY])


def test_an_auth_failure_is_not_retried() -> None:
    online = ScriptedOnline([OnlineFailed(1, "bad key", FailureKind.AUTH)])
    local = EchoLocal()
    router = Router("auto", local, online, backoff=Backoff(initial_s=0.01, max_s=0.01))
    log = EventLog()
    router.respond(UserInput(1, text="hi"), log)
    log.wait_end()
    time.sleep(0.2)
    assert online.connects == 0
    second = EventLog()
    assert router.respond(UserInput(2, text="again"), second).engine == "local"
    assert len(online.inputs) == 1


def test_the_background_retry_brings_online_back() -> None:
    online = ScriptedOnline([CHUNK, EngineDone(1)], connect_errors=[OnlineError(FailureKind.NETWORK, "still down")])
    local = EchoLocal()
    told: list[str] = []
    router = Router("auto", local, online, notify=told.append, backoff=Backoff(initial_s=0.05, max_s=0.1))
    router.start()  # warm-up connect fails (network), the retry after the backoff succeeds
    deadline = time.monotonic() + 5.0
    # the notice is told just after the state flips, on the retry thread: wait for both
    while router.active != "realtime" or online.connects < 2 or told[-1:] != [BACK_ONLINE]:
        assert time.monotonic() < deadline, "online never came back"
        time.sleep(0.01)
    assert told == [NOTICES[FailureKind.NETWORK], BACK_ONLINE]
    log = EventLog()
    assert router.respond(UserInput(1, text="hi"), log).engine == "realtime"
    assert isinstance(log.wait_end(), EngineDone)
    router.close()


def test_a_cancelled_turn_does_not_fail_over() -> None:
    gate = threading.Event()
    online = ScriptedOnline([OnlineFailed(1, "dropped", FailureKind.DROPPED)], gate=gate)
    local = EchoLocal()
    router = Router("auto", local, online, backoff=Backoff(initial_s=60.0))
    log = EventLog()
    turn = router.respond(UserInput(1, text="hi"), log)
    turn.cancel(120)
    online.turns[0].cancelled_with.clear()  # let the stand-in report its failure anyway
    gate.set()
    time.sleep(0.1)
    assert local.inputs == []
    assert log.events == []


def test_cancel_reaches_the_answering_engine_with_the_played_ms() -> None:
    online = ScriptedOnline([CHUNK])
    router = Router("auto", EchoLocal(), online)
    turn = router.respond(UserInput(1, text="hi"), EventLog())
    turn.cancel(250)
    assert online.turns[0].cancelled_with == [250]


class CommittableLocal(EchoLocal):
    def __init__(self) -> None:
        super().__init__()
        self.commits = 0

    def respond(self, user: UserInput, emit: EventSink) -> _Turn:
        super().respond(user, emit)
        outer = self

        class Turn(_Turn):
            def commit(self) -> None:
                outer.commits += 1

        return Turn()


def test_commit_reaches_the_engine_even_after_a_failover() -> None:
    local = CommittableLocal()
    router = Router("local", local, None)
    router.respond(UserInput(1, text="hi", speculative=True), EventLog()).commit()
    assert local.commits == 1

    gate = threading.Event()
    failing = ScriptedOnline([OnlineFailed(2, "dropped", FailureKind.DROPPED)], gate=gate)
    router = Router("auto", local, failing, backoff=Backoff(initial_s=60.0))
    log = EventLog()
    turn = router.respond(UserInput(2, text="hi", speculative=True), log)
    turn.commit()  # committed while still online...
    gate.set()
    log.wait_end()
    assert local.commits == 2  # ...so the local engine that took over is committed too
