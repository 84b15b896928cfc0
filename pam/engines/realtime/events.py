"""Realtime server messages → small immutable values the engine acts on.

Only the events PAM uses are parsed; the rest are skipped quietly. A message that is not JSON, or
lacks a field PAM needs, or carries audio that is not base64 PCM16, is logged and ignored: one bad
message from a server (or a proxy) must never end the user's turn or crash the engine.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pam.engines.base import Int16Audio

log = logging.getLogger(__name__)

API_RATE = 24_000  # PCM16 mono is the only PCM format the Realtime API speaks


@dataclass(frozen=True)
class SessionReady:
    """``session.created`` (the socket is live) or ``session.updated`` (PAM's config took)."""

    updated: bool


@dataclass(frozen=True)
class InputCommitted:
    item_id: str


@dataclass(frozen=True)
class ResponseCreated:
    response_id: str


@dataclass(frozen=True)
class AudioDelta:
    response_id: str
    item_id: str
    content_index: int
    samples: Int16Audio  # 24 kHz mono


@dataclass(frozen=True)
class AnswerText:
    response_id: str
    text: str


@dataclass(frozen=True)
class UserTranscript:
    item_id: str
    text: str
    final: bool
    usage: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class TranscriptFailed:
    item_id: str


@dataclass(frozen=True)
class FunctionCall:
    response_id: str
    call_id: str
    name: str
    arguments: str  # JSON text as the model wrote it; may be invalid


@dataclass(frozen=True)
class ServerError:
    type: str
    code: str
    message: str
    event_id: str = ""  # the client event it answers, when the server says


@dataclass(frozen=True)
class ResponseDone:
    response_id: str
    status: str
    usage: Mapping[str, Any] = field(default_factory=dict)
    error: ServerError | None = None  # why a "failed" response failed
    item_ids: tuple[str, ...] = ()  # the conversation items the response added


ServerEvent = (
    SessionReady
    | InputCommitted
    | ResponseCreated
    | AudioDelta
    | AnswerText
    | UserTranscript
    | TranscriptFailed
    | FunctionCall
    | ResponseDone
    | ServerError
)


class Malformed(ValueError):
    pass


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise Malformed(f"{key} is not a string")
    return value


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Malformed(f"{key} is not an integer")
    return value


def _map(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise Malformed(f"{key} is not an object")
    return value


def decode_pcm16(text: str) -> Int16Audio:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise Malformed("audio is not base64") from err
    if len(raw) % 2:
        raise Malformed("audio has an odd number of bytes")
    return np.frombuffer(raw, dtype="<i2").astype(np.int16, copy=False)


def encode_pcm16(samples: Int16Audio) -> str:
    return base64.b64encode(np.asarray(samples, dtype="<i2").tobytes()).decode("ascii")


def _error(data: Mapping[str, Any]) -> ServerError:
    def text(key: str) -> str:
        value = data.get(key)
        return value if isinstance(value, str) else ""

    return ServerError(type=text("type"), code=text("code"), message=text("message"), event_id=text("event_id"))


def _audio_delta(e: Mapping[str, Any]) -> AudioDelta:
    return AudioDelta(
        _str(e, "response_id"), _str(e, "item_id"), _int(e, "content_index"), decode_pcm16(_str(e, "delta"))
    )


def _response_done(e: Mapping[str, Any]) -> ResponseDone:
    response = _map(e, "response")
    usage = response.get("usage")
    details = response.get("status_details")
    failure = details.get("error") if isinstance(details, Mapping) else None
    status = response.get("status")
    output = response.get("output")
    items = output if isinstance(output, list) else []
    return ResponseDone(
        response_id=_str(response, "id"),
        status=status if isinstance(status, str) else "completed",
        usage=usage if isinstance(usage, Mapping) else {},
        error=_error(failure) if isinstance(failure, Mapping) else None,
        item_ids=tuple(i["id"] for i in items if isinstance(i, Mapping) and isinstance(i.get("id"), str)),
    )


def _output_item_done(e: Mapping[str, Any]) -> FunctionCall | None:
    item = _map(e, "item")
    if item.get("type") != "function_call":
        return None
    return FunctionCall(_str(e, "response_id"), _str(item, "call_id"), _str(item, "name"), _str(item, "arguments"))


def _transcript_done(e: Mapping[str, Any]) -> UserTranscript:
    usage = e.get("usage")
    return UserTranscript(
        _str(e, "item_id"), _str(e, "transcript"), True, usage if isinstance(usage, Mapping) else None
    )


_PARSERS: dict[str, Callable[[Mapping[str, Any]], ServerEvent | None]] = {
    "session.created": lambda e: SessionReady(updated=False),
    "session.updated": lambda e: SessionReady(updated=True),
    "input_audio_buffer.committed": lambda e: InputCommitted(_str(e, "item_id")),
    "response.created": lambda e: ResponseCreated(_str(_map(e, "response"), "id")),
    "response.output_audio.delta": _audio_delta,
    "response.output_audio_transcript.delta": lambda e: AnswerText(_str(e, "response_id"), _str(e, "delta")),
    "response.output_text.delta": lambda e: AnswerText(_str(e, "response_id"), _str(e, "delta")),
    "conversation.item.input_audio_transcription.delta": lambda e: UserTranscript(
        _str(e, "item_id"), _str(e, "delta"), False
    ),
    "conversation.item.input_audio_transcription.completed": _transcript_done,
    "conversation.item.input_audio_transcription.failed": lambda e: TranscriptFailed(_str(e, "item_id")),
    "response.function_call_arguments.done": lambda e: FunctionCall(
        _str(e, "response_id"), _str(e, "call_id"), _str(e, "name"), _str(e, "arguments")
    ),
    "response.output_item.done": _output_item_done,
    "response.done": _response_done,
    "error": lambda e: _error(_map(e, "error")),
}


def parse(message: bytes | str) -> ServerEvent | None:
    """The event in one server message, or None for events PAM ignores and for malformed ones."""
    try:
        data = json.loads(message)
    except (ValueError, RecursionError):
        log.warning("ignored a Realtime message that is not JSON: %.120r", message)
        return None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        log.warning("ignored a Realtime message without a type: %.120r", message)
        return None
    parser = _PARSERS.get(data["type"])
    if parser is None:
        return None
    try:
        return parser(data)
    except Malformed as err:
        log.warning("ignored a malformed %s event (%s)", data["type"], err)
        return None
