"""The realtime engine end to end: the real ``openai`` SDK client against the fake Realtime server
on 127.0.0.1, with a real spoken utterance (espeak-ng) as the user's audio."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from fake_realtime import Audio, Call, EventLog, Fail, FakeRealtimeServer, Raw, Reply, Say, Scenario
from fake_realtime.scenario import DEFAULT_USAGE, TEST_KEY

from pam.audio.convert import resample
from pam.config import RealtimeConfig
from pam.engines.base import (
    AudioChunk,
    EngineDone,
    Int16Audio,
    TextDelta,
    Timing,
    ToolCall,
    Transcript,
    Usage,
    UserInput,
)
from pam.engines.canned import espeak
from pam.engines.realtime import RealtimeEngine
from pam.engines.router import FailureKind, OnlineFailed

MakeEngine = Callable[..., RealtimeEngine]


@pytest.fixture(scope="module")
def utterance() -> Int16Audio:
    samples, rate = espeak("How far is the next campground?")
    return resample(samples, rate, 16_000)


@pytest.fixture
def make_engine() -> Iterator[MakeEngine]:
    engines: list[RealtimeEngine] = []

    def make(server: FakeRealtimeServer, key: str = TEST_KEY, **kwargs: Any) -> RealtimeEngine:
        engine = RealtimeEngine(RealtimeConfig(base_url=server.base_url), key, **kwargs)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def _answer_audio(log: EventLog) -> Int16Audio:
    chunks = log.of(AudioChunk)
    assert chunks and all(c.sample_rate == 24_000 and c.samples.dtype == np.int16 for c in chunks)
    return np.concatenate([c.samples for c in chunks])


def _kinds(log: EventLog) -> list[str]:
    return [type(e).__name__ for e in log.events]


def test_a_normal_turn(make_engine: MakeEngine, utterance: Int16Audio) -> None:
    reply = Reply(steps=(Say("Hello there, traveller."), Audio(ms=400)))
    with FakeRealtimeServer(Scenario(replies=[reply])) as server:
        engine = make_engine(server)
        log = EventLog()
        engine.respond(UserInput(1, audio=utterance), log)
        assert log.wait_end() == EngineDone(1)
        assert _kinds(log)[-1] == "EngineDone"

        assert len(_answer_audio(log)) == 24_000 * 400 // 1000
        assert "".join(e.text for e in log.of(TextDelta)).strip() == "Hello there, traveller."
        assert log.of(Transcript) == [Transcript(1, "how far is the next campground", True)]
        assert {t.name for t in log.of(Timing)} >= {"realtime_first_audio_ms", "realtime_connect_ms"}

        # what went over the wire: PAM's session, the user's audio at 24 kHz, commit, response
        session = server.of_type("session.update")[0]["session"]
        assert session["audio"]["input"]["turn_detection"] is None
        assert session["audio"]["output"]["voice"] == "marin"
        kinds = [e["type"] for e in server.received]
        assert kinds.index("input_audio_buffer.commit") < kinds.index("response.create")
        sent = np.frombuffer(server.committed_audio[0], dtype="<i2")
        assert len(sent) == len(utterance) * 3 // 2
        assert np.array_equal(sent, resample(utterance, 16_000, 24_000))
        assert server.handshakes[0]["Authorization"] == f"Bearer {TEST_KEY}"


def test_the_sdk_honours_openai_base_url(
    make_engine: MakeEngine, utterance: Int16Audio, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeRealtimeServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        engine = RealtimeEngine(RealtimeConfig(), TEST_KEY)  # base_url "" = the SDK's own resolution
        try:
            log = EventLog()
            engine.respond(UserInput(1, audio=utterance), log)
            assert log.wait_end() == EngineDone(1)
        finally:
            engine.close()
        assert server.connections == 1


def test_text_input_is_a_user_message(make_engine: MakeEngine) -> None:
    with FakeRealtimeServer() as server:
        engine = make_engine(server)
        log = EventLog()
        engine.respond(UserInput(1, text="Where can we dump the tanks?"), log)
        assert log.wait_end() == EngineDone(1)
        item = server.of_type("conversation.item.create")[0]["item"]
        assert item == {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Where can we dump the tanks?"}],
        }
        assert server.of_type("input_audio_buffer.commit") == []


def test_usage_events_carry_the_cost(make_engine: MakeEngine, utterance: Int16Audio) -> None:
    usage = {
        "total_tokens": 8100,
        "input_tokens": 6000,
        "output_tokens": 2100,
        "input_token_details": {
            "text_tokens": 1000,
            "audio_tokens": 5000,
            "cached_tokens": 1200,
            "cached_tokens_details": {"text_tokens": 200, "audio_tokens": 1000},
        },
        "output_token_details": {"text_tokens": 100, "audio_tokens": 2000},
    }
    with FakeRealtimeServer(Scenario(replies=[Reply(steps=(Audio(ms=1000),), usage=usage)])) as server:
        engine = make_engine(server)
        log = EventLog()
        engine.respond(UserInput(7, audio=utterance), log)
        log.wait_end()
    answer, transcription = sorted(log.of(Usage), key=lambda u: u.cost_usd, reverse=True)
    # gpt-realtime: 800·$4 + 200·$0.40 + 4000·$32 + 1000·$0.40 + 100·$16 + 2000·$64 per 1M tokens
    assert answer.cost_usd == pytest.approx(0.26128)
    assert answer.engine == "realtime" and answer.turn_id == 7
    assert answer.tokens["input_tokens"] == 6000 and answer.tokens["output_tokens"] == 2100
    assert answer.tokens["cached_audio_input"] == 1000
    assert answer.audio_seconds == pytest.approx(len(utterance) / 16_000 + 1.0)
    # gpt-4o-mini-transcribe: 30 audio tokens·$3 + 8 text tokens·$5 per 1M
    assert transcription.cost_usd == pytest.approx(0.00013)


def test_a_tool_call_round_trip(make_engine: MakeEngine, utterance: Int16Audio) -> None:
    expenses: list[dict[str, Any]] = []

    def run_tool(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        assert name == "add_expense"
        expenses.append(arguments)
        return {"ok": True, "total_today": sum(e["amount"] for e in expenses)}

    tool = {
        "type": "function",
        "name": "add_expense",
        "description": "Record money spent.",
        "parameters": {
            "type": "object",
            "properties": {"amount": {"type": "number"}, "category": {"type": "string"}},
            "required": ["amount"],
        },
    }
    replies = [
        Reply(
            steps=(Say("Let me note that."), Audio(ms=200), Call("add_expense", {"amount": 42.5, "category": "fuel"}))
        ),
        Reply(steps=(Say("Done, 42 fifty on fuel."), Audio(ms=300))),
    ]
    with FakeRealtimeServer(Scenario(replies=replies)) as server:
        engine = make_engine(server, tools=[tool], run_tool=run_tool)
        log = EventLog()
        engine.respond(UserInput(1, audio=utterance), log)
        assert log.wait_end() == EngineDone(1)

        assert server.of_type("session.update")[0]["session"]["tools"] == [tool]
        assert log.of(ToolCall) == [
            ToolCall(1, "add_expense", {"amount": 42.5, "category": "fuel"}, {"ok": True, "total_today": 42.5}, None)
        ]
        output = server.of_type("conversation.item.create")[0]["item"]
        assert output["type"] == "function_call_output" and output["call_id"] == "call_1"
        assert json.loads(output["output"]) == {"ok": True, "total_today": 42.5}
        kinds = [e["type"] for e in server.received]
        assert kinds.count("response.create") == 2
        assert kinds.index("conversation.item.create") < len(kinds) - 1 - kinds[::-1].index("response.create")
        assert len(_answer_audio(log)) == 24_000 * 500 // 1000
        assert len([u for u in log.of(Usage) if "text_input" in u.tokens]) == 2  # one per response


def test_a_failing_tool_is_reported_to_the_model(make_engine: MakeEngine) -> None:
    def run_tool(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("the budget file is locked")

    replies = [
        Reply(steps=(Call("add_expense", {"amount": 3}),)),
        Reply(steps=(Call("add_expense", "{not json", call_id="call_2"),)),
        Reply(steps=(Say("Sorry, I couldn't save that."), Audio(ms=120))),
    ]
    with FakeRealtimeServer(Scenario(replies=replies)) as server:
        engine = make_engine(server, tools=[{"type": "function", "name": "add_expense"}], run_tool=run_tool)
        log = EventLog()
        engine.respond(UserInput(1, text="I spent three dollars on ice"), log)
        assert log.wait_end(timeout=15) == EngineDone(1)
        errors = [t.error for t in log.of(ToolCall)]
        assert errors == ["the tool failed (ValueError)", "the arguments were not a JSON object"]
        outputs = [json.loads(e["item"]["output"]) for e in server.of_type("conversation.item.create")[1:]]
        assert outputs == [{"error": "the tool failed (ValueError)"}, {"error": "the arguments were not a JSON object"}]


def test_barge_in_cancels_and_truncates_at_the_played_ms(make_engine: MakeEngine, utterance: Int16Audio) -> None:
    long_answer = Reply(steps=(Say("There are three campgrounds within ten miles."), Audio(ms=4000, pace_s=0.02)))
    with FakeRealtimeServer(Scenario(replies=[long_answer])) as server:
        engine = make_engine(server)
        log = EventLog()
        turn = engine.respond(UserInput(1, audio=utterance), log)
        log.wait_for(AudioChunk, count=5)
        turn.cancel(played_ms=230)

        truncate = server.wait_for("conversation.item.truncate")[0]
        assert truncate["audio_end_ms"] == 230
        assert truncate["content_index"] == 0
        assert truncate["item_id"] == server.audio_item_ids[0]
        assert len(server.of_type("response.cancel")) == 1
        kinds = [e["type"] for e in server.received]
        assert kinds.index("response.cancel") < kinds.index("conversation.item.truncate")

        # the cancelled answer is still billed, but nothing else reaches the controller
        log.wait_for(Usage, count=2)
        chunks = len(log.of(AudioChunk))
        time.sleep(0.2)
        assert len(log.of(AudioChunk)) == chunks < 4000 // 40
        assert log.of(EngineDone) == []

        # the session is ready for the next turn at once
        after = EventLog()
        engine.respond(UserInput(2, audio=utterance), after)
        assert after.wait_end() == EngineDone(2)


def test_barge_in_after_the_answer_arrived_only_truncates(make_engine: MakeEngine, utterance: Int16Audio) -> None:
    with FakeRealtimeServer(Scenario(replies=[Reply(steps=(Audio(ms=2000),))])) as server:
        engine = make_engine(server)
        log = EventLog()
        turn = engine.respond(UserInput(1, audio=utterance), log)
        log.wait_end()
        turn.cancel(played_ms=1500)  # the player was still playing the answer
        truncate = server.wait_for("conversation.item.truncate")[0]
        assert truncate["audio_end_ms"] == 1500
        time.sleep(0.1)
        assert server.of_type("response.cancel") == []


def test_a_server_error_event_fails_the_turn_and_keeps_the_session(
    make_engine: MakeEngine, utterance: Int16Audio
) -> None:
    replies = [Reply(steps=(Audio(ms=80), Fail(), Audio(ms=2000, pace_s=0.01)))]
    with FakeRealtimeServer(Scenario(replies=replies)) as server:
        engine = make_engine(server)
        log = EventLog()
        engine.respond(UserInput(1, audio=utterance), log)
        end = log.wait_end()
        assert isinstance(end, OnlineFailed) and end.kind is FailureKind.SERVER
        server.wait_for("response.cancel")  # the rest of that answer is not wanted
        nxt = EventLog()
        engine.respond(UserInput(2, audio=utterance), nxt)
        assert nxt.wait_end() == EngineDone(2)
        assert server.connections == 1


def test_a_rate_limited_response_reports_the_wait(make_engine: MakeEngine) -> None:
    error = {"type": "requests", "code": "rate_limit_exceeded", "message": "Please try again in 2.5s."}
    with FakeRealtimeServer(Scenario(replies=[Reply(steps=(), status="failed", status_error=error)])) as server:
        engine = make_engine(server)
        log = EventLog()
        engine.respond(UserInput(1, text="hello"), log)
        end = log.wait_end()
        assert isinstance(end, OnlineFailed)
        assert (end.kind, end.retry_after_s) == (FailureKind.RATE_LIMIT, 2.5)


def test_malformed_events_are_logged_and_ignored(
    make_engine: MakeEngine, utterance: Int16Audio, caplog: pytest.LogCaptureFixture
) -> None:
    junk = (
        Raw("{this is not json"),
        Raw("[1, 2, 3]"),
        Raw('{"type": "response.output_audio.delta", "delta": "!!!"}'),
        Raw('{"type": "response.done"}'),
        Raw('{"type": "error", "error": 42}'),
    )
    reply = Reply(steps=(*junk, Say("Still here."), Audio(ms=200)))
    with FakeRealtimeServer(Scenario(replies=[reply])) as server, caplog.at_level(logging.WARNING):
        engine = make_engine(server)
        log = EventLog()
        engine.respond(UserInput(1, audio=utterance), log)
        assert log.wait_end() == EngineDone(1)
    assert len(_answer_audio(log)) == 24_000 * 200 // 1000
    ignored = [r for r in caplog.records if "ignored" in r.getMessage()]
    assert len(ignored) == len(junk)


def test_auth_failure_is_a_clear_auth_error(make_engine: MakeEngine) -> None:
    with FakeRealtimeServer(Scenario(api_key="sk-the-right-key-0000000000")) as server:
        engine = make_engine(server, key="sk-a-wrong-key-1111111111")
        log = EventLog()
        engine.respond(UserInput(1, text="hello"), log)
        end = log.wait_end()
        assert isinstance(end, OnlineFailed) and end.kind is FailureKind.AUTH
        assert "rejected the API key" in end.message


def test_a_speculative_turn_holds_its_tools_until_committed(make_engine: MakeEngine, utterance: Int16Audio) -> None:
    ran: list[str] = []
    replies = [Reply(steps=(Call("add_note", {"text": "fuse under the step"}),)), Reply(steps=(Audio(ms=120),))]
    with FakeRealtimeServer(Scenario(replies=replies)) as server:
        engine = make_engine(
            server,
            tools=[{"type": "function", "name": "add_note"}],
            run_tool=lambda n, a: ran.append(n) or {"ok": True},
        )
        log = EventLog()
        turn = engine.respond(UserInput(1, audio=utterance, speculative=True), log)
        server.wait_for("response.create")  # answered at once, to save the commit wait...
        time.sleep(0.3)
        assert ran == []  # ...but no side effects while the user may still be talking
        turn.commit()
        assert log.wait_end() == EngineDone(1)
        assert ran == ["add_note"]


def test_cancelling_an_uncommitted_turn_erases_it(make_engine: MakeEngine, utterance: Int16Audio) -> None:
    with FakeRealtimeServer(Scenario(replies=[Reply(steps=(Audio(ms=3000, pace_s=0.02),))])) as server:
        engine = make_engine(server)
        log = EventLog()
        turn = engine.respond(UserInput(1, audio=utterance, speculative=True), log)
        log.wait_for(AudioChunk, count=3)
        turn.cancel(None)  # the user went on talking: this utterance will come again in full
        deleted = {e["item_id"] for e in server.wait_for("conversation.item.delete", count=2)}
        assert deleted == {server.committed_items[0], server.audio_item_ids[0]}
        assert server.of_type("conversation.item.truncate") == []
        again = EventLog()
        engine.respond(UserInput(2, audio=utterance), again)
        assert again.wait_end() == EngineDone(2)


def test_usage_default_fixture_is_priced(make_engine: MakeEngine) -> None:
    """The fake's default usage, priced by hand: 100·4 + 20·32 + 15·16 + 45·64 per 1M tokens."""
    assert DEFAULT_USAGE["input_tokens"] == 120
    with FakeRealtimeServer() as server:
        engine = make_engine(server)
        log = EventLog()
        engine.respond(UserInput(1, text="hi"), log)
        log.wait_end()
    assert [u.cost_usd for u in log.of(Usage)] == [pytest.approx(0.00416)]
