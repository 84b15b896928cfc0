"""The fake Realtime server: a real WebSocket server on 127.0.0.1 (free port) on its own thread."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from fake_realtime.scenario import Audio, Call, Drop, Fail, Pause, Raw, Reply, Say, Scenario

RATE = 24_000


def tone(samples: int, start: int = 0) -> bytes:
    t = (np.arange(samples) + start) / RATE
    return (np.sin(2 * np.pi * 440.0 * t) * 0.3 * 32767).astype("<i2").tobytes()


@dataclass
class _Session:
    """One client connection's state."""

    ws: ServerConnection
    buffer: bytearray = field(default_factory=bytearray)
    playing: asyncio.Task[None] | None = None
    cancel_requested: bool = False


class FakeRealtimeServer:
    """Use as a context manager; point the SDK at ``base_url``. Everything it hears is recorded."""

    def __init__(self, scenario: Scenario | None = None) -> None:
        self.scenario = scenario or Scenario()
        self.replies: deque[Reply] = deque(self.scenario.replies)
        self.received: list[dict[str, Any]] = []  # every client event, in order, across connections
        self.handshakes: list[dict[str, str]] = []  # request headers of every upgrade attempt
        self.committed_audio: list[bytes] = []  # PCM16 24 kHz of every committed input buffer
        self.committed_items: list[str] = []  # the user item each commit created
        self.audio_sent_ns: list[int] = []  # perf_counter_ns just before each audio delta was written
        self.drop_ns: list[int] = []  # perf_counter_ns of each dropped connection
        self.handshake_ns: list[int] = []  # perf_counter_ns of each upgrade attempt
        self.audio_item_ids: list[str] = []  # the answer audio item of each response that had audio
        self.connections = 0
        self._sessions: list[_Session] = []
        self._ids = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-realtime", daemon=True)
        self._server: Server | None = None
        self.port = 0

    # -- lifecycle

    def __enter__(self) -> FakeRealtimeServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(5)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _start(self) -> None:
        self._server = await serve(
            self._handle, "127.0.0.1", 0, process_request=self._process_request, max_size=None, compression=None
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        assert self._server is not None
        playing = [s.playing for s in self._sessions if s.playing is not None and not s.playing.done()]
        for task in playing:
            task.cancel()
        await asyncio.gather(*playing, return_exceptions=True)
        self._server.close()
        await self._server.wait_closed()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- what the tests read

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in list(self.received) if e.get("type") == kind]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of_type(kind)
            if len(found) >= count:
                return found
            time.sleep(0.005)
        raise AssertionError(f"the server got no {count}× {kind} within {timeout} s")

    def set(self, **changes: Any) -> None:
        """Change the scenario between turns (e.g. stop refusing connections)."""
        for key, value in changes.items():
            setattr(self.scenario, key, value)

    # -- protocol

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):04d}"

    async def _send(self, session: _Session, event: dict[str, Any]) -> None:
        event.setdefault("event_id", self._id("event"))
        await session.ws.send(json.dumps(event))

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.handshakes.append(dict(request.headers.raw_items()))
        self.handshake_ns.append(time.perf_counter_ns())
        status = self.scenario.reject_status
        if status is None:
            return None
        response = connection.respond(status, "refused by the scenario\n")
        if self.scenario.retry_after is not None:
            response.headers["Retry-After"] = self.scenario.retry_after
        return response

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        session = _Session(ws)
        self._sessions.append(session)
        auth = ws.request.headers.get("Authorization", "") if ws.request else ""
        if auth != f"Bearer {self.scenario.api_key}":
            # what api.openai.com does: accept the upgrade, send an error, close with code 3000
            given = auth.removeprefix("Bearer ")
            await self._send(
                session,
                {
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                        "message": f"Incorrect API key provided: {given}.",
                    },
                },
            )
            await ws.close(3000, "invalid_request_error.invalid_api_key")
            return
        await self._send(session, {"type": "session.created", "session": {"type": "realtime", "id": self._id("sess")}})
        try:
            async for message in ws:
                event = json.loads(message)
                self.received.append(event)
                await self._on_event(session, event)
        except ConnectionClosed:  # the client (or a Drop step) ended it mid-conversation
            pass

    async def _on_event(self, session: _Session, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "session.update":
            await self._send(session, {"type": "session.updated", "session": event.get("session", {})})
        elif kind == "input_audio_buffer.append":
            session.buffer += base64.b64decode(event["audio"])
        elif kind == "input_audio_buffer.commit":
            await self._commit(session, event)
        elif kind == "conversation.item.create":
            item = dict(event["item"], id=event["item"].get("id") or self._id("item"))
            await self._send(session, {"type": "conversation.item.added", "item": item})
            await self._send(session, {"type": "conversation.item.done", "item": item})
        elif kind == "response.create":
            if session.playing is not None and not session.playing.done():
                await self._error(session, event, "conversation_already_has_active_response")
                return
            reply = self.replies.popleft() if self.replies else Reply()
            session.cancel_requested = False
            session.playing = asyncio.create_task(self._play(session, reply))
        elif kind == "response.cancel":
            if session.playing is None or session.playing.done():
                await self._error(session, event, "response_cancel_not_active")
            else:
                session.cancel_requested = True
        elif kind == "input_audio_buffer.clear":
            session.buffer.clear()
            await self._send(session, {"type": "input_audio_buffer.cleared"})
        elif kind == "conversation.item.delete":
            await self._send(session, {"type": "conversation.item.deleted", "item_id": event["item_id"]})
        elif kind == "conversation.item.truncate":
            fields = {k: event[k] for k in ("item_id", "content_index", "audio_end_ms")}
            await self._send(session, {"type": "conversation.item.truncated", **fields})

    async def _error(self, session: _Session, event: dict[str, Any], code: str) -> None:
        error = {
            "type": "invalid_request_error",
            "code": code,
            "message": code.replace("_", " "),
            "event_id": event.get("event_id"),
        }
        await self._send(session, {"type": "error", "error": error})

    async def _commit(self, session: _Session, event: dict[str, Any]) -> None:
        if not session.buffer:
            await self._error(session, event, "input_audio_buffer_commit_empty")
            return
        self.committed_audio.append(bytes(session.buffer))
        session.buffer.clear()
        item_id = self._id("item")
        self.committed_items.append(item_id)
        await self._send(
            session, {"type": "input_audio_buffer.committed", "item_id": item_id, "previous_item_id": None}
        )
        user_item = {"id": item_id, "type": "message", "role": "user", "content": [{"type": "input_audio"}]}
        await self._send(session, {"type": "conversation.item.added", "item": user_item})
        if self.scenario.user_transcript is not None:
            done = {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item_id,
                "content_index": 0,
                "transcript": self.scenario.user_transcript,
                "usage": self.scenario.transcript_usage,
            }
            await self._send(session, done)

    async def _play(self, session: _Session, reply: Reply) -> None:
        response_id = self._id("resp")
        audio_item = self._id("item")
        output: list[dict[str, Any]] = []
        await self._send(
            session,
            {
                "type": "response.created",
                "response": {"id": response_id, "object": "realtime.response", "status": "in_progress", "output": []},
            },
        )
        position = 0
        status = reply.status
        for step in reply.steps:
            if session.cancel_requested:
                status = "cancelled"
                break
            if isinstance(step, Audio):
                chunk = RATE * step.chunk_ms // 1000
                total = RATE * step.ms // 1000
                for start in range(0, total, chunk):
                    if session.cancel_requested:
                        break
                    size = min(chunk, total - start)
                    if position == 0:
                        self.audio_item_ids.append(audio_item)
                    delta = base64.b64encode(tone(size, position)).decode()
                    position += size
                    event = {
                        "type": "response.output_audio.delta",
                        "response_id": response_id,
                        "item_id": audio_item,
                        "output_index": 0,
                        "content_index": 0,
                        "delta": delta,
                        "event_id": self._id("event"),
                    }
                    message = json.dumps(event)
                    self.audio_sent_ns.append(time.perf_counter_ns())  # as close to the socket write as it gets
                    await session.ws.send(message)
                    await asyncio.sleep(step.pace_s)
            elif isinstance(step, Say):
                for word in step.text.split(" "):
                    await self._send(
                        session,
                        {
                            "type": "response.output_audio_transcript.delta",
                            "response_id": response_id,
                            "item_id": audio_item,
                            "output_index": 0,
                            "content_index": 0,
                            "delta": word + " ",
                        },
                    )
            elif isinstance(step, Call):
                await self._call(session, response_id, step, output)
            elif isinstance(step, Raw):
                await session.ws.send(step.text)
            elif isinstance(step, Fail):
                await self._send(
                    session, {"type": "error", "error": {"type": step.type, "code": step.code, "message": step.message}}
                )
            elif isinstance(step, Drop):
                self.drop_ns.append(time.perf_counter_ns())
                session.ws.transport.abort()
                return
            elif isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
        if position:
            output.insert(
                0,
                {
                    "id": audio_item,
                    "type": "message",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_audio"}],
                },
            )
        response: dict[str, Any] = {
            "id": response_id,
            "object": "realtime.response",
            "status": "cancelled" if session.cancel_requested else status,
            "output": output,
            "usage": reply.usage,
        }
        if session.cancel_requested:
            response["status_details"] = {"type": "cancelled", "reason": "client_cancelled"}
        elif reply.status_error is not None:
            response["status_details"] = {"type": "failed", "error": reply.status_error}
        await self._send(session, {"type": "response.done", "response": response})

    async def _call(self, session: _Session, response_id: str, step: Call, output: list[dict[str, Any]]) -> None:
        item_id = self._id("item")
        arguments = step.arguments if isinstance(step.arguments, str) else json.dumps(step.arguments)
        item = {
            "id": item_id,
            "type": "function_call",
            "status": "completed",
            "name": step.name,
            "call_id": step.call_id,
            "arguments": arguments,
        }
        index = len(output) + 1
        await self._send(
            session,
            {
                "type": "response.output_item.added",
                "response_id": response_id,
                "output_index": index,
                "item": dict(item, arguments="", status="in_progress"),
            },
        )
        await self._send(
            session,
            {
                "type": "response.function_call_arguments.delta",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": index,
                "call_id": step.call_id,
                "delta": arguments,
            },
        )
        await self._send(
            session,
            {
                "type": "response.function_call_arguments.done",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": index,
                "call_id": step.call_id,
                "name": step.name,
                "arguments": arguments,
            },
        )
        await self._send(
            session,
            {"type": "response.output_item.done", "response_id": response_id, "output_index": index, "item": item},
        )
        output.append(item)
