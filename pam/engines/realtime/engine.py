"""The online engine: speech to speech through the OpenAI Realtime API (GA protocol, official SDK).

One WebSocket session is kept open across turns, so the model remembers the conversation. The
engine runs its own asyncio loop on a thread; ``respond()`` only schedules the turn there and
returns. A turn:

1. waits until the previous answer is over (one response at a time per conversation),
2. resamples the user's 16 kHz audio to the API's 24 kHz PCM16 and appends it, then commits it
   and asks for a response (PAM does its own endpointing, see ``session.py``); text input becomes
   a user message item instead,
3. streams ``response.output_audio.delta`` out as ``AudioChunk`` (24 kHz int16, played as it
   arrives), the answer transcript as ``TextDelta`` and the input transcription as ``Transcript``,
4. runs each function call through the injected ``run_tool`` on a worker thread, returns
   ``function_call_output`` items and asks for the continuation once the response is done,
5. reports each ``response.done`` usage as a ``Usage`` event priced from the price table.

Barge-in (``cancel(played_ms)``) sends ``response.cancel`` when an answer is still being
generated and ``conversation.item.truncate`` at the milliseconds actually played, so the model's
memory holds only what the user heard; ``cancel(None)`` (nothing was heard) deletes the answer's
items, and for a speculative turn that was never committed the user's audio item too, because
the whole utterance will come again. A speculative turn's tool calls wait for ``commit()``.
Failures are emitted as ``OnlineFailed`` with their kind; the router decides whether the local
engine takes over.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, cast

from openai import AsyncOpenAI
from websockets.exceptions import ConnectionClosed

from pam import secrets
from pam.audio.convert import resample
from pam.config import RealtimeConfig
from pam.engines import pricing
from pam.engines.base import (
    AudioChunk,
    EngineDone,
    EngineEvent,
    EventSink,
    TextDelta,
    Timing,
    ToolCall,
    Transcript,
    Usage,
    UserInput,
)
from pam.engines.realtime import events as ev
from pam.engines.realtime.failures import from_exception, from_server_error
from pam.engines.realtime.session import INSTRUCTIONS, session_config
from pam.engines.router import ONLINE_ONLY, FailureKind, OnlineError, OnlineFailed

log = logging.getLogger(__name__)

ToolRunner = Callable[[str, dict[str, Any]], dict[str, Any]]

CAPTURE_RATE = 16_000
APPEND_SAMPLES = ev.API_RATE // 2  # 0.5 s per append keeps frames small without many round trips
IDLE_WAIT_S = 3.0  # how long a new turn waits for the previous (cancelled) answer to close
TRANSCRIPT_WAIT_S = 2.0  # EngineDone waits this long at most for the input transcription
PAM_EVENT = "pam_"  # prefix of event ids PAM sets on cancel/truncate, so their errors are recognised
# errors that only mean a cancel or truncate arrived after the answer had already ended
BENIGN_CODES = frozenset({"response_cancel_not_active"})


def truncation_points(
    items: Sequence[tuple[str, int]], played_ms: int | None, streaming: bool = False, rate: int = ev.API_RATE
) -> list[tuple[str, int]]:
    """Where to cut each answer audio item (id, samples received, in play order) so the model keeps
    exactly what was heard: fully heard items are left alone, the rest end at what was played.

    While the answer is still ``streaming``, the server holds more of the last item than PAM has
    received, so that item is cut even when everything received so far was heard."""
    left = max(played_ms or 0, 0) * rate // 1000
    points = []
    for index, (item_id, samples) in enumerate(items):
        heard = min(left, samples)
        left -= heard
        still_growing = streaming and index == len(items) - 1
        if heard < samples or still_growing:
            points.append((item_id, (heard + (left if still_growing else 0)) * 1000 // rate))
    return points


def tool_output(result: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(result, error) for the ToolCall event: a result carrying an "error" key reports that error."""
    error = result.get("error")
    return (None, str(error)) if error else (result, None)


class RealtimeTurn:
    """One user turn. ``cancel``/``commit`` may be called from any thread; the rest runs on the loop."""

    def __init__(self, engine: RealtimeEngine, user: UserInput, emit: EventSink) -> None:
        self.user = user
        self.cancelled = False
        self.committed = not user.speculative
        self._engine = engine
        self._emit = emit
        self.finished = False  # EngineDone or OnlineFailed was emitted
        self.responding = False  # one of this turn's responses is being generated
        self.audio_items: list[tuple[str, int]] = []  # (item id, samples) in play order
        self.output_items: list[str] = []  # every item the turn's finished responses added
        self.response_samples = 0
        self.input_seconds = 0.0 if user.audio is None else len(user.audio) / CAPTURE_RATE
        self.input_billed = False
        self.user_item = ""
        self.transcript_done = asyncio.Event()
        self.decided = asyncio.Event()  # committed or cancelled: held tool calls may go ahead or drop
        self.calls: dict[str, asyncio.Task[tuple[str, dict[str, Any]]]] = {}
        self.requested_ns = 0
        self.first_audio = False

    @property
    def turn_id(self) -> int:
        return self.user.turn_id

    def cancel(self, played_ms: int | None = None) -> None:
        """Stop the turn; ``played_ms`` is how much of the answer was heard (None: nothing, discard it)."""
        if self.cancelled:
            return
        self.cancelled = True  # from here on nothing but usage reaches the controller
        self._engine._schedule(self._engine._cancel(self, played_ms))

    def commit(self) -> None:
        """The controller keeps this speculative turn: its tool calls (side effects) may now run."""
        self.committed = True
        self._engine._loop.call_soon_threadsafe(self.decided.set)

    def send(self, event: EngineEvent) -> None:
        if not self.cancelled and not self.finished:
            self._emit(event)

    def bill(self, event: Usage) -> None:
        """Usage is reported even for a cancelled turn: the tokens were spent all the same."""
        self._emit(event)

    def add_audio(self, item_id: str, samples: int) -> None:
        if self.audio_items and self.audio_items[-1][0] == item_id:
            self.audio_items[-1] = (item_id, self.audio_items[-1][1] + samples)
        else:
            self.audio_items.append((item_id, samples))
        self.response_samples += samples


class RealtimeEngine:
    name = "realtime"

    def __init__(
        self,
        config: RealtimeConfig,
        api_key: str,
        *,
        tools: Sequence[dict[str, Any]] = (),
        run_tool: ToolRunner | None = None,
        prices: pricing.PriceTable | None = None,
        instructions: str = INSTRUCTIONS,
    ) -> None:
        self._config = config
        secrets.protect(api_key)
        self._run_tool = run_tool
        self._session = session_config(config, tools if run_tool is not None else (), instructions)
        table = prices or pricing.load_prices(config.prices_file)
        self._price = table.price(config.model)
        self._transcription_price = table.price(config.transcription_model) if config.transcription_model else None
        self._prices_version = table.version
        # max_retries=0: PAM's router owns retrying, with its own backoff and the local fallback
        self._client = AsyncOpenAI(api_key=api_key, base_url=config.base_url or None, max_retries=0)
        self._ids = itertools.count(1)
        # everything below belongs to the loop thread
        self._loop = asyncio.new_event_loop()
        self._connect_lock = asyncio.Lock()
        self._submit_lock = asyncio.Lock()
        self._idle = asyncio.Event()
        self._idle.set()
        self._conn: Any = None  # the SDK's AsyncRealtimeConnection
        self._reader: asyncio.Task[None] | None = None
        self._active: RealtimeTurn | None = None  # the turn whose response is requested or streaming
        self._responses: dict[str, RealtimeTurn] = {}
        self._user_items: dict[str, RealtimeTurn] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # fire-and-forget work, kept alive until done
        self._closing = False
        self._thread = threading.Thread(target=self._loop.run_forever, name="pam-realtime", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return str(self._client.base_url)

    # -- the Engine interface (any thread)

    def respond(self, user: UserInput, emit: EventSink) -> RealtimeTurn:
        """Start the turn on the engine loop and return at once.

        Speculative input is answered like committed input (the controller holds the events until
        it commits, which saves the commit wait), but its tool calls wait for ``commit()``, and
        ``cancel(None)`` deletes the turn's items so the conversation never holds a half-heard
        utterance or an answer nobody heard."""
        turn = RealtimeTurn(self, user, emit)
        self._schedule(self._run_turn(turn))
        return turn

    def connect(self) -> None:
        """Open the session now (the router's warm-up and background retry); raises OnlineError."""
        future = asyncio.run_coroutine_threadsafe(self._connected(), self._loop)
        try:
            future.result(timeout=self._config.connect_timeout_s + 2.0)
        except concurrent.futures.TimeoutError as err:
            future.cancel()
            raise OnlineError(FailureKind.NETWORK, f"no session from {self.url} in time") from err

    def wait_ready(self, timeout: float | None = None) -> bool:
        return True  # nothing to load: the connection is made per turn

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        try:
            future.result(timeout=3.0)
        except Exception as err:  # closing is best effort: the loop stops either way
            log.debug("realtime shutdown: %s", type(err).__name__)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=3.0)

    def _schedule(self, coro: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop)

    # -- the session (loop thread)

    async def _connected(self) -> Any:
        async with self._connect_lock:
            if self._conn is not None:
                return self._conn
            try:
                async with asyncio.timeout(self._config.connect_timeout_s):
                    conn = await self._client.realtime.connect(model=self._config.model).enter()
                    try:
                        await self._await_session(conn, updated=False)
                        await conn.session.update(session=cast(Any, self._session))
                        await self._await_session(conn, updated=True)
                    except BaseException:
                        await conn.close()
                        raise
            except Exception as err:
                raise from_exception(err, self.url) from err
            log.info("realtime session open (%s, %s)", self._config.model, self.url)
            self._conn = conn
            self._reader = asyncio.create_task(self._read(conn))
            return conn

    async def _await_session(self, conn: Any, updated: bool) -> None:
        while True:
            event = ev.parse(await conn.recv_bytes())
            if isinstance(event, ev.ServerError):
                raise from_server_error(event)
            if isinstance(event, ev.SessionReady) and event.updated == updated:
                return

    async def _read(self, conn: Any) -> None:
        failure = OnlineError(FailureKind.DROPPED, "the session ended")
        try:
            while True:
                event = ev.parse(await conn.recv_bytes())
                if event is not None:
                    try:
                        self._dispatch(event)
                    except Exception:  # a bug in one handler must not end the session
                        log.exception("realtime: handling %s failed", type(event).__name__)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            failure = from_exception(err, self.url)
        if self._conn is conn:
            self._conn = None
        self._idle.set()
        if self._closing:
            return
        log.info("realtime session closed: %s", failure)  # a turn it cuts short is logged as failed
        turns = set(self._responses.values())
        if self._active is not None:
            turns.add(self._active)
        self._responses.clear()
        self._active = None
        for turn in turns:
            if turn.responding or turn.calls:
                self._fail(turn, failure)

    async def _shutdown(self) -> None:
        self._closing = True
        if self._conn is not None:
            await self._conn.close()
        if self._reader is not None:
            self._reader.cancel()
        await self._client.close()

    # -- a turn (loop thread)

    async def _run_turn(self, turn: RealtimeTurn) -> None:
        try:
            started = time.perf_counter()
            was_connected = self._conn is not None
            conn = await self._connected()
            if not was_connected:
                turn.send(Timing(turn.turn_id, "realtime_connect_ms", (time.perf_counter() - started) * 1000))
            async with self._submit_lock:  # one turn's input at a time into the shared input buffer
                await self._submit(conn, turn)
        except OnlineError as err:
            self._fail(turn, err)
        except Exception as err:
            self._fail(turn, from_exception(err, self.url))

    async def _submit(self, conn: Any, turn: RealtimeTurn) -> None:
        if not self._idle.is_set():
            try:
                await asyncio.wait_for(self._idle.wait(), IDLE_WAIT_S)
            except TimeoutError:
                log.warning("the previous answer did not close in %.0f s; going ahead", IDLE_WAIT_S)
        if turn.cancelled:
            return
        user = turn.user
        if user.audio is None or not len(user.audio):
            if not user.text:
                turn.send(EngineDone(turn.turn_id))
                turn.finished = True
                return
            item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": user.text}]}
            self._active = turn
            await conn.conversation.item.create(item=item)
        else:
            self._active = turn
            audio = resample(user.audio, CAPTURE_RATE, ev.API_RATE)
            for start in range(0, len(audio), APPEND_SAMPLES):
                if turn.cancelled:  # barged in while sending: drop what is in the buffer
                    await conn.input_audio_buffer.clear()
                    self._active = None
                    return
                await conn.input_audio_buffer.append(audio=ev.encode_pcm16(audio[start : start + APPEND_SAMPLES]))
            await conn.input_audio_buffer.commit()
        if turn.cancelled:
            self._active = None
            return
        await self._request_response(conn, turn)

    async def _request_response(self, conn: Any, turn: RealtimeTurn) -> None:
        self._idle.clear()
        turn.responding = True
        turn.requested_ns = time.perf_counter_ns()
        await conn.response.create()

    def _dispatch(self, event: ev.ServerEvent) -> None:
        if isinstance(event, ev.ResponseCreated):
            if self._active is not None:
                self._responses[event.response_id] = self._active
                self._active.response_samples = 0
        elif isinstance(event, ev.AudioDelta | ev.AnswerText | ev.FunctionCall | ev.ResponseDone):
            turn = self._responses.get(event.response_id)
            if turn is None:
                log.debug("realtime: %s for an unknown response", type(event).__name__)
            elif isinstance(event, ev.AudioDelta):
                self._on_audio(turn, event)
            elif isinstance(event, ev.AnswerText):
                turn.send(TextDelta(turn.turn_id, event.text))
            elif isinstance(event, ev.FunctionCall):
                self._on_function_call(turn, event)
            else:
                self._on_response_done(turn, event)
        elif isinstance(event, ev.InputCommitted):
            if self._active is not None and not self._active.user_item:
                self._active.user_item = event.item_id
                self._user_items[event.item_id] = self._active
        elif isinstance(event, ev.UserTranscript | ev.TranscriptFailed):
            self._on_transcript(event)
        elif isinstance(event, ev.ServerError):
            self._on_error(event)

    def _on_audio(self, turn: RealtimeTurn, event: ev.AudioDelta) -> None:
        if turn.cancelled or turn.finished:
            return
        turn.add_audio(event.item_id, len(event.samples))
        turn.send(AudioChunk(turn.turn_id, event.samples, ev.API_RATE))
        if not turn.first_audio:
            turn.first_audio = True
            ms = (time.perf_counter_ns() - turn.requested_ns) / 1e6
            turn.send(Timing(turn.turn_id, "realtime_first_audio_ms", ms))

    def _on_transcript(self, event: ev.UserTranscript | ev.TranscriptFailed) -> None:
        turn = self._user_items.get(event.item_id)
        if turn is None:
            return
        if isinstance(event, ev.TranscriptFailed):
            log.info("realtime: the input transcription failed for turn %d", turn.turn_id)
            turn.transcript_done.set()
            return
        if event.final:
            del self._user_items[event.item_id]
            turn.transcript_done.set()
        if not turn.cancelled:  # the transcript of a finished turn is still the user's words
            turn._emit(Transcript(turn.turn_id, event.text, event.final))
        if event.usage and self._transcription_price is not None:
            usage = pricing.transcription_usage(event.usage)
            tokens = {f"transcription_{k}": v for k, v in usage.as_dict().items() if not k.endswith("_tokens")}
            tokens |= {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
            cost = pricing.cost_usd(usage, self._transcription_price)
            turn.bill(Usage(turn.turn_id, self.name, tokens, 0.0, cost))

    def _on_function_call(self, turn: RealtimeTurn, call: ev.FunctionCall) -> None:
        if turn.cancelled or turn.finished or call.call_id in turn.calls:
            return  # arguments.done and output_item.done both announce the same call
        turn.calls[call.call_id] = asyncio.create_task(self._call_tool(turn, call))

    async def _call_tool(self, turn: RealtimeTurn, call: ev.FunctionCall) -> tuple[str, dict[str, Any]]:
        if not turn.committed:  # a speculative turn may still be thrown away: no side effects yet
            await turn.decided.wait()
        if turn.cancelled:
            return call.call_id, {"error": "the user interrupted"}
        try:
            arguments = json.loads(call.arguments or "{}")
        except ValueError:
            arguments = None
        if not isinstance(arguments, dict):
            result: dict[str, Any] = {"error": "the arguments were not a JSON object"}
            arguments = {}
        elif self._run_tool is None:
            result = {"error": f"there is no tool named {call.name}"}
        else:
            try:
                result = await asyncio.to_thread(self._run_tool, call.name, arguments)
            except Exception as err:  # a broken tool is reported to the model, never ends the turn
                log.exception("tool %s failed", call.name)
                result = {"error": f"the tool failed ({type(err).__name__})"}
        value, error = tool_output(result)
        turn.send(ToolCall(turn.turn_id, call.name, arguments, value, error))
        return call.call_id, result

    def _on_response_done(self, turn: RealtimeTurn, done: ev.ResponseDone) -> None:
        self._responses.pop(done.response_id, None)
        self._idle.set()
        turn.responding = False
        turn.output_items.extend(done.item_ids)
        self._bill(turn, done)
        if turn.cancelled or turn.finished:
            if self._active is turn:
                self._active = None
            return
        if done.status == "failed":
            error = done.error or ev.ServerError("server_error", "", "the response failed")
            self._fail(turn, from_server_error(error))
        elif turn.calls:
            self._spawn(self._continue_after_tools(turn))
        else:
            self._active = None
            self._spawn(self._finish(turn))

    def _bill(self, turn: RealtimeTurn, done: ev.ResponseDone) -> None:
        """One Usage per response; its audio_seconds are the voice that went through the API for it
        (the user's audio on the turn's first response, plus the answer audio received)."""
        if not done.usage:
            return
        usage = pricing.response_usage(done.usage)
        seconds = turn.response_samples / ev.API_RATE
        if not turn.input_billed:
            seconds += turn.input_seconds
            turn.input_billed = True
        cost = pricing.cost_usd(usage, self._price)
        log.debug("turn %d: %s USD (prices %s)", turn.turn_id, f"{cost:.6f}", self._prices_version)
        turn.bill(Usage(turn.turn_id, self.name, usage.as_dict(), seconds, cost))

    async def _continue_after_tools(self, turn: RealtimeTurn) -> None:
        outputs = await asyncio.gather(*turn.calls.values())
        turn.calls.clear()
        conn = self._conn
        if turn.cancelled or turn.finished or conn is None:
            if self._active is turn:
                self._active = None
            return
        try:
            for call_id, result in outputs:
                item = {"type": "function_call_output", "call_id": call_id, "output": json.dumps(result)}
                await conn.conversation.item.create(item=item)
            await self._request_response(conn, turn)
        except (ConnectionClosed, OSError) as err:
            log.debug("realtime: continuation not sent (%s); the reader reports the drop", type(err).__name__)

    async def _finish(self, turn: RealtimeTurn) -> None:
        if turn.user_item and self._transcription_price is not None:
            try:
                await asyncio.wait_for(turn.transcript_done.wait(), TRANSCRIPT_WAIT_S)
            except TimeoutError:
                log.info("turn %d ends without an input transcript", turn.turn_id)
        turn.send(EngineDone(turn.turn_id))
        turn.finished = True

    def _on_error(self, error: ev.ServerError) -> None:
        turn = self._active
        ours = error.event_id.startswith(PAM_EVENT) or error.code in BENIGN_CODES
        if ours or turn is None or turn.cancelled or turn.finished:
            log.info("realtime error (no turn affected): %s/%s: %s", error.type, error.code, error.message)
            return
        self._fail(turn, from_server_error(error))

    def _fail(self, turn: RealtimeTurn, err: OnlineError) -> None:
        if turn.finished:
            return
        log.warning("realtime turn %d failed (%s): %s", turn.turn_id, err.kind.value, err)
        message = ONLINE_ONLY[err.kind]
        turn.send(OnlineFailed(turn.turn_id, message, err.kind, err.retry_after_s))
        turn.finished = True
        for task in turn.calls.values():
            task.cancel()
        turn.calls.clear()
        if self._active is turn:
            self._active = None
        if turn.responding and self._conn is not None:
            # stop an answer nobody will hear; its response.done still bills the turn
            self._spawn(self._send_quietly(self._conn.response.cancel(event_id=self._event_id())))

    # -- barge-in (loop thread)

    async def _cancel(self, turn: RealtimeTurn, played_ms: int | None) -> None:
        turn.decided.set()
        conn = self._conn
        if conn is None:
            return
        streaming = turn.responding
        if streaming:
            await self._send_quietly(conn.response.cancel(event_id=self._event_id()))
        if played_ms is not None:
            for item_id, end_ms in truncation_points(turn.audio_items, played_ms, streaming):
                truncate = conn.conversation.item.truncate(
                    item_id=item_id, content_index=0, audio_end_ms=end_ms, event_id=self._event_id()
                )
                await self._send_quietly(truncate)
            turn.audio_items.clear()
            return
        # nothing was heard: the answer never happened, and an utterance that was never committed
        # will come again in full, so its partial audio goes too
        async with self._submit_lock:  # the next turn starts after the clean-up
            if streaming:
                try:
                    await asyncio.wait_for(self._idle.wait(), IDLE_WAIT_S)
                except TimeoutError:
                    log.warning("a cancelled answer did not close in %.0f s", IDLE_WAIT_S)
            doomed = list(turn.output_items)
            if turn.user_item and not turn.committed:
                doomed.append(turn.user_item)
            for item_id in doomed:
                await self._send_quietly(conn.conversation.item.delete(item_id=item_id, event_id=self._event_id()))
            turn.audio_items.clear()
            turn.output_items.clear()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _event_id(self) -> str:
        return f"{PAM_EVENT}{next(self._ids)}"

    @staticmethod
    async def _send_quietly(send: Coroutine[Any, Any, None]) -> None:
        try:
            await send
        except (ConnectionClosed, OSError) as err:
            log.debug("realtime: not sent (%s)", type(err).__name__)
