"""Failover: the router with the real realtime engine (SDK → fake server on 127.0.0.1) and the
real canned engine (espeak-ng) as the local side."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from fake_realtime import Audio, Drop, EventLog, FakeRealtimeServer, RecordingEngine, Reply, Say, Scenario
from fake_realtime.scenario import TEST_KEY

from pam.audio.convert import resample
from pam.config import RealtimeConfig
from pam.engines.base import AudioChunk, EngineDone, EngineFailed, Int16Audio, TextDelta, UserInput
from pam.engines.canned import CannedEngine, espeak
from pam.engines.realtime import RealtimeEngine, build_engine
from pam.engines.router import BACK_ONLINE, NOTICES, ONLINE_ONLY, Backoff, FailureKind, Mode, Router

FAST = Backoff(initial_s=0.2, max_s=0.4, jitter=0.0)


@pytest.fixture(scope="module")
def utterance() -> Int16Audio:
    samples, rate = espeak("Is there a dump station near here?")
    return resample(samples, rate, 16_000)


class Rig:
    def __init__(self, router: Router, online: RealtimeEngine | None, local: RecordingEngine, told: list[str]) -> None:
        self.router, self.online, self.local, self.told = router, online, local, told


MakeRig = Callable[..., Rig]


@pytest.fixture
def make_rig() -> Iterator[MakeRig]:
    routers: list[Router] = []

    def make(base_url: str, mode: Mode = "auto", key: str | None = TEST_KEY, backoff: Backoff = FAST) -> Rig:
        config = RealtimeConfig(base_url=base_url, connect_timeout_s=2.0)
        online = build_engine(config, environ={"OPENAI_API_KEY": key} if key else {})
        local = RecordingEngine(CannedEngine())
        told: list[str] = []
        router = Router(mode, local, online, backoff=backoff, notify=told.append)
        routers.append(router)
        return Rig(router, online, local, told)

    yield make
    for router in routers:
        router.close()


def _wait(condition: Callable[[], Any], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_socket_drop_mid_answer_finishes_the_turn_locally(make_rig: MakeRig, utterance: Int16Audio) -> None:
    replies = [Reply(steps=(Say("The nearest dump station"), Audio(ms=200), Drop())), Reply()]
    with FakeRealtimeServer(Scenario(replies=replies)) as server:
        rig = make_rig(server.base_url)
        log = EventLog()
        user = UserInput(1, audio=utterance)
        turn = rig.router.respond(user, log)
        assert log.wait_end(timeout=15) == EngineDone(1)
        assert turn.engine == "canned"

        # the local engine got the user's words exactly as they were spoken
        assert len(rig.local.inputs) == 1
        assert rig.local.inputs[0] is user
        assert np.array_equal(rig.local.inputs[0].audio, utterance)
        rates = [c.sample_rate for c in log.of(AudioChunk)]
        assert 24_000 in rates and rates[-1] != 24_000  # online audio first, then the local voice
        assert log.of(TextDelta)[-1].text == "Okay, I heard you."
        assert rig.told == [NOTICES[FailureKind.DROPPED]]

        # the background retry reconnects, and the next turn is online again
        _wait(lambda: server.connections == 2 and rig.router.active == "realtime")
        again = EventLog()
        assert rig.router.respond(UserInput(2, audio=utterance), again).engine == "realtime"
        assert again.wait_end() == EngineDone(2)
        assert rig.told[-1] == BACK_ONLINE


def test_auth_failure_goes_local_with_a_clear_notice_and_no_retry(make_rig: MakeRig) -> None:
    with FakeRealtimeServer(Scenario(api_key="sk-the-right-key-000000000000")) as server:
        rig = make_rig(server.base_url, key="sk-a-wrong-key-11111111111111")
        first = EventLog()
        assert rig.router.respond(UserInput(1, text="hello"), first).engine == "realtime"
        assert first.wait_end(timeout=15) == EngineDone(1)  # answered locally in the same turn
        assert rig.local.inputs[0].text == "hello"
        assert rig.told == [NOTICES[FailureKind.AUTH]]
        assert "rejected the API key" in rig.told[0]

        time.sleep(3 * FAST.max_s)
        assert server.connections == 1  # never retried: only a new key can fix it
        second = EventLog()
        assert rig.router.respond(UserInput(2, text="again"), second).engine == "canned"
        second.wait_end(timeout=15)
        assert server.connections == 1


def test_rate_limit_backs_off_for_retry_after_then_recovers(make_rig: MakeRig) -> None:
    with FakeRealtimeServer(Scenario(reject_status=429, retry_after="1")) as server:
        rig = make_rig(server.base_url)
        log = EventLog()
        rig.router.respond(UserInput(1, text="weather tomorrow?"), log)
        assert log.wait_end(timeout=15) == EngineDone(1)
        assert rig.told == [NOTICES[FailureKind.RATE_LIMIT]]
        assert rig.router.active == "canned"
        server.set(reject_status=None)
        _wait(lambda: len(server.handshake_ns) >= 2 and server.connections == 1, timeout=10)
        waited_s = (server.handshake_ns[1] - server.handshake_ns[0]) / 1e9
        assert waited_s >= 1.0  # the server's Retry-After, not PAM's shorter 0.2 s backoff
        _wait(lambda: rig.told[-1:] == [BACK_ONLINE])
        assert rig.router.active == "realtime"


def test_no_network_goes_local(make_rig: MakeRig) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens here once the socket closes
    rig = make_rig(f"http://127.0.0.1:{closed_port}/v1", backoff=Backoff(initial_s=60.0))
    log = EventLog()
    rig.router.respond(UserInput(1, text="hello"), log)
    assert log.wait_end(timeout=15) == EngineDone(1)
    assert rig.told == [NOTICES[FailureKind.NETWORK]]
    assert rig.local.inputs[0].text == "hello"


def test_no_key_goes_local_with_one_notice(make_rig: MakeRig) -> None:
    rig = make_rig("http://127.0.0.1:9/v1", key=None)
    assert rig.online is None
    for turn_id in (1, 2):
        log = EventLog()
        assert rig.router.respond(UserInput(turn_id, text="hi"), log).engine == "canned"
        log.wait_end(timeout=15)
    assert rig.told == [NOTICES[FailureKind.NO_KEY]]


def test_online_only_mode_reports_a_drop_instead_of_going_local(make_rig: MakeRig, utterance: Int16Audio) -> None:
    with FakeRealtimeServer(Scenario(replies=[Reply(steps=(Audio(ms=80), Drop()))])) as server:
        rig = make_rig(server.base_url, mode="online")
        log = EventLog()
        rig.router.respond(UserInput(1, audio=utterance), log)
        assert log.wait_end(timeout=15) == EngineFailed(1, ONLINE_ONLY[FailureKind.DROPPED])
        assert rig.local.inputs == []


def test_warm_start_connects_before_the_first_turn(make_rig: MakeRig) -> None:
    with FakeRealtimeServer() as server:
        rig = make_rig(server.base_url)
        rig.router.start()
        server.wait_for("session.update")
        log = EventLog()
        rig.router.respond(UserInput(1, text="hi"), log)
        assert log.wait_end() == EngineDone(1)
        assert server.connections == 1
        assert rig.told == []
