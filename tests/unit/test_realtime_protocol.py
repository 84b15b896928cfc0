"""The online engine's pure parts: parsing server events, the session body, failure kinds and
where barge-in truncates the answer audio."""

from __future__ import annotations

import base64
import json
import logging

import numpy as np
import pytest
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.frames import Close
from websockets.http11 import Response

from pam.config import RealtimeConfig
from pam.engines.realtime import events as ev
from pam.engines.realtime.engine import tool_output, truncation_points
from pam.engines.realtime.failures import from_exception, from_server_error, retry_after_from_message
from pam.engines.realtime.session import function_tools, session_config
from pam.engines.router import FailureKind


def _msg(**event: object) -> str:
    return json.dumps(event)


def test_audio_delta_decodes_to_int16() -> None:
    samples = np.array([0, 1, -1, 32767, -32768], dtype=np.int16)
    parsed = ev.parse(
        _msg(
            type="response.output_audio.delta",
            response_id="r",
            item_id="i",
            content_index=0,
            delta=base64.b64encode(samples.astype("<i2").tobytes()).decode(),
        )
    )
    assert isinstance(parsed, ev.AudioDelta)
    assert parsed.samples.dtype == np.int16
    assert np.array_equal(parsed.samples, samples)
    assert ev.decode_pcm16(ev.encode_pcm16(samples)).tolist() == samples.tolist()


def test_the_events_pam_uses() -> None:
    assert ev.parse(_msg(type="session.updated", session={})) == ev.SessionReady(updated=True)
    assert ev.parse(_msg(type="response.created", response={"id": "r1"})) == ev.ResponseCreated("r1")
    assert ev.parse(_msg(type="response.output_audio_transcript.delta", response_id="r1", delta="Hi")) == ev.AnswerText(
        "r1", "Hi"
    )
    call = _msg(type="response.function_call_arguments.done", response_id="r1", call_id="c", name="n", arguments="{}")
    assert ev.parse(call) == ev.FunctionCall("r1", "c", "n", "{}")
    item_done = _msg(
        type="response.output_item.done",
        response_id="r1",
        item={"type": "function_call", "call_id": "c", "name": "n", "arguments": "{}"},
    )
    assert ev.parse(item_done) == ev.FunctionCall("r1", "c", "n", "{}")
    assert ev.parse(_msg(type="response.output_item.done", response_id="r1", item={"type": "message"})) is None
    done = ev.parse(
        _msg(
            type="response.done",
            response={
                "id": "r1",
                "status": "failed",
                "usage": {"input_tokens": 3},
                "status_details": {"error": {"type": "rate_limit_error", "code": "rate_limit_exceeded"}},
            },
        )
    )
    assert isinstance(done, ev.ResponseDone)
    assert (done.status, dict(done.usage)) == ("failed", {"input_tokens": 3})
    assert done.error is not None and done.error.code == "rate_limit_exceeded"
    error = ev.parse(_msg(type="error", error={"type": "server_error", "code": None, "message": "boom"}))
    assert error == ev.ServerError("server_error", "", "boom")


def test_unknown_events_are_skipped_quietly(caplog: pytest.LogCaptureFixture) -> None:
    assert ev.parse(_msg(type="rate_limits.updated", rate_limits=[])) is None
    assert not caplog.records


@pytest.mark.parametrize(
    "message",
    [
        "{not json",
        "[1, 2]",
        _msg(kind="no type"),
        _msg(type="response.output_audio.delta", response_id="r", item_id="i", delta="%%%not-base64%%%"),
        _msg(type="response.output_audio.delta", response_id="r", item_id="i", delta="AAEC"),  # odd byte count
        _msg(type="response.output_audio.delta", response_id="r", delta="AAAA"),  # no item id
        _msg(type="response.created", response="r1"),
        _msg(type="response.done"),
        _msg(type="error", error="boom"),
    ],
)
def test_malformed_messages_are_logged_and_ignored(message: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pam.engines.realtime.events"):
        assert ev.parse(message) is None
    assert "ignored" in caplog.text


def test_session_turns_server_vad_off_and_uses_24k_pcm() -> None:
    body = session_config(RealtimeConfig(voice="cedar", transcription_model=""))
    audio = body["audio"]
    assert body["type"] == "realtime"
    assert audio["input"]["turn_detection"] is None
    assert "transcription" not in audio["input"]
    assert audio["input"]["format"] == audio["output"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert audio["output"]["voice"] == "cedar"
    assert "travel companion" in body["instructions"]
    assert "tools" not in body


def test_tools_accept_realtime_and_chat_shapes() -> None:
    schema = {"type": "object", "properties": {"amount": {"type": "number"}}}
    chat = {"type": "function", "function": {"name": "add_expense", "description": "Add one.", "parameters": schema}}
    flat = {"type": "function", "name": "list_stops"}
    assert function_tools([chat, flat]) == [
        {"type": "function", "name": "add_expense", "description": "Add one.", "parameters": schema},
        {"type": "function", "name": "list_stops", "parameters": {"type": "object", "properties": {}}},
    ]
    body = session_config(RealtimeConfig(), [chat])
    assert body["tool_choice"] == "auto" and body["tools"][0]["name"] == "add_expense"


def test_truncation_keeps_exactly_what_was_heard() -> None:
    one = [("a", 48_000)]  # 2 s of answer audio
    assert truncation_points(one, 1234) == [("a", 1234)]
    assert truncation_points(one, 2000) == []  # all heard: nothing to cut
    assert truncation_points(one, 5000) == []
    assert truncation_points(one, None) == [("a", 0)]
    two = [("a", 12_000), ("b", 24_000)]  # 0.5 s before a tool call, 1 s after it
    assert truncation_points(two, 800) == [("b", 300)]
    assert truncation_points(two, 200) == [("a", 200), ("b", 0)]
    # mid-stream the server has more of the last item than PAM received: cut it at what was played
    assert truncation_points(one, 2300, streaming=True) == [("a", 2300)]
    assert truncation_points(two, 200, streaming=True) == [("a", 200), ("b", 0)]


def test_tool_results_with_an_error_are_reported_as_errors() -> None:
    assert tool_output({"ok": True}) == ({"ok": True}, None)
    assert tool_output({"error": "unknown place"}) == (None, "unknown place")


@pytest.mark.parametrize(
    ("code", "type_", "kind"),
    [
        ("invalid_api_key", "invalid_request_error", FailureKind.AUTH),
        ("insufficient_quota", "insufficient_quota", FailureKind.QUOTA),
        ("rate_limit_exceeded", "requests", FailureKind.RATE_LIMIT),
        ("", "server_error", FailureKind.SERVER),
    ],
)
def test_server_errors_map_to_failure_kinds(code: str, type_: str, kind: FailureKind) -> None:
    assert from_server_error(ev.ServerError(type_, code, "msg")).kind is kind


def test_rate_limit_messages_give_the_wait() -> None:
    err = from_server_error(ev.ServerError("requests", "rate_limit_exceeded", "Please try again in 1.5s."))
    assert err.retry_after_s == 1.5
    assert retry_after_from_message("try again in 250ms") == 0.25
    assert retry_after_from_message("slow down") is None


def _refused(status: int, headers: dict[str, str] | None = None) -> InvalidStatus:
    response = Response(status, "refused", Headers(headers or {}))
    return InvalidStatus(response)


def test_transport_failures_map_to_failure_kinds() -> None:
    assert from_exception(_refused(401)).kind is FailureKind.AUTH
    limited = from_exception(_refused(429, {"Retry-After": "7"}))
    assert (limited.kind, limited.retry_after_s) == (FailureKind.RATE_LIMIT, 7.0)
    assert from_exception(_refused(502)).kind is FailureKind.SERVER
    assert from_exception(ConnectionRefusedError(111, "refused")).kind is FailureKind.NETWORK
    assert from_exception(TimeoutError()).kind is FailureKind.NETWORK
    dropped = ConnectionClosedError(None, None)
    assert from_exception(dropped).kind is FailureKind.DROPPED
    rejected = ConnectionClosedError(Close(3000, "invalid_request_error.invalid_api_key"), None)
    assert from_exception(rejected).kind is FailureKind.AUTH
