"""The turn controller: one thread that owns the state machine and turns events into actions.

Everything reaches it through ``post()`` (listener events, engine events, commands), so its
state is only ever touched by its own thread. Timeouts run on the capture sample clock carried
by the listener's events; the wall clock is used only to measure how long engines take.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pam.audio.player import Player
from pam.config import ConversationConfig
from pam.conversation.messages import (
    Announce,
    Command,
    MuteChanged,
    Notice,
    PushToTalk,
    SetMuted,
    Shutdown,
    StateChanged,
    StopSpeaking,
    TurnFinished,
)
from pam.conversation.states import State, Trigger, TurnStateMachine
from pam.engines.base import (
    AudioChunk,
    Engine,
    EngineDone,
    EngineEvent,
    EngineFailed,
    EngineTurn,
    Int16Audio,
    TextDelta,
    Timing,
    ToolCall,
    Transcript,
    Usage,
    UserInput,
)
from pam.errors import StoreError
from pam.listen.events import (
    SAMPLE_RATE,
    ListenEvent,
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    Tick,
    WakeDetected,
    WakeRejected,
)
from pam.store.db import Store
from pam.store.records import TurnRecord

log = logging.getLogger(__name__)

Message = ListenEvent | EngineEvent | Command | Notice
Subscriber = Callable[[Any], None]

# Speech after the wake word shorter than this is taken as the wake phrase trailing off, not a request.
MIN_REQUEST_MS = 250


def _ms(samples: int) -> float:
    return samples * 1000.0 / SAMPLE_RATE


@dataclass
class _Turn:
    """The turn in progress; only the controller thread touches it."""

    trigger: str
    listen_from: int
    started_at: float = field(default_factory=time.time)
    deadline: int = 0
    heard_speech: bool = False
    engine_turn: EngineTurn | None = None
    engine_turn_id: int = 0
    speculative: bool = False
    held: list[EngineEvent] = field(default_factory=list)
    committed_at: float = 0.0
    engine_done: bool = False
    first_audio: bool = False
    first_audio_sample: int = 0
    heard_ms: int = 0
    transcript: str = ""
    reply: list[str] = field(default_factory=list)
    latencies: dict[str, float] = field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    states: list[tuple[str, int]] = field(default_factory=list)
    error: str = ""


class Controller:
    def __init__(
        self,
        engine: Engine,
        player: Player,
        store: Store,
        config: ConversationConfig,
        session_id: int,
        chime: Int16Audio | None = None,
        end_tone: Int16Audio | None = None,
    ) -> None:
        self.engine = engine
        self.player = player
        self.store = store
        self.config = config
        self.session_id = session_id
        self.chime = chime
        self.end_tone = end_tone
        self.muted = False
        self.machine = TurnStateMachine()
        self._inbox: queue.Queue[Message] = queue.Queue()
        self._subscribers: list[Subscriber] = []
        self._turn: _Turn | None = None
        self._next_engine_turn = 1
        self._announcements: list[str] = []
        self._now = 0
        self._thread: threading.Thread | None = None

    # --- wiring -----------------------------------------------------------------------------

    def subscribe(self, callback: Subscriber) -> None:
        """``callback`` gets StateChanged, TurnFinished, Notice, SpeechStarted/SpeechEnded, WakeDetected/WakeRejected
        and every engine event of the current turn, on the controller thread."""
        self._subscribers.append(callback)

    def post(self, message: Message) -> None:
        """Thread-safe; the only way in."""
        self._inbox.put(message)

    @property
    def state(self) -> State:
        return self.machine.state

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pam-controller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.post(Shutdown())
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            try:
                message = self._inbox.get(timeout=0.02)
            except queue.Empty:
                self._check_playback()
                self._announce_next()
                continue
            try:
                self.handle(message)
            except Exception:
                # A bug in one event must not take the assistant down; the turn is ended and kept.
                log.exception("controller failed on %r", type(message).__name__)
                self._cancel_turn("internal error")
            if isinstance(message, Shutdown):
                return
            self._check_playback()
            self._announce_next()

    def _publish(self, item: Any) -> None:
        for callback in self._subscribers:
            try:
                callback(item)
            except Exception:
                log.exception("subscriber failed")

    def _fire(self, trigger: Trigger) -> None:
        step = self.machine.fire(trigger, self._now)
        if self._turn:
            self._turn.states.append((step.after.value, step.sample))
        self._publish(StateChanged(step))

    # --- dispatch ---------------------------------------------------------------------------

    def handle(self, message: Message) -> None:
        if self.muted and isinstance(
            message, WakeDetected | WakeRejected | SpeechStarted | SpeechPaused | SpeechResumed | SpeechEnded
        ):
            return  # frames captured before the mute are still in the ring: a muted mic hears nothing
        match message:
            case Tick(sample=sample):
                self._now = max(self._now, sample)
                self._check_deadline()
            case WakeDetected():
                self._now = max(self._now, message.sample)
                self._publish(message)
                self._on_wake(message)
            case WakeRejected():
                self._publish(message)
            case SpeechStarted(sample=sample):
                self._now = max(self._now, sample)
                self._publish(message)
                self._on_speech_started()
            case SpeechPaused():
                self._now = max(self._now, message.sample)
                self._on_paused(message)
            case SpeechResumed():
                self._on_resumed()
            case SpeechEnded():
                self._now = max(self._now, message.sample)
                self._publish(message)
                self._on_ended(message)
            case Announce(text=text):
                self._announcements.append(text)
            case Notice():
                self._publish(message)
            case PushToTalk():
                if self.muted:
                    self._publish(Notice("The microphone is muted; unmute it to talk to PAM."))
                else:
                    self._on_push_to_talk()
            case SetMuted(muted=muted):
                self.muted = muted
                if muted:
                    self._cancel_turn("muted")
                self._publish(MuteChanged(muted))
            case StopSpeaking():
                if self.state in (State.COMMITTED, State.SPEAKING):
                    self._interrupt(Trigger.CANCEL)
            case Shutdown():
                self._cancel_turn("shutdown")
            case _:
                self._on_engine_event(message)

    # --- listening --------------------------------------------------------------------------

    def _begin_listening(self, trigger: Trigger, listen_from: int, timeout_s: float, **kw: Any) -> None:
        deadline = self._now + int(timeout_s * SAMPLE_RATE)
        self._turn = _Turn(trigger=kw.pop("label", trigger.value), listen_from=listen_from, deadline=deadline, **kw)
        self._fire(trigger)

    def _on_wake(self, event: WakeDetected) -> None:
        if self.state in (State.COMMITTED, State.SPEAKING):
            self._interrupt(Trigger.BARGE_IN)
        if self.state is State.IDLE:
            self._begin_listening(Trigger.WAKE, event.sample, self.config.no_speech_timeout_s)
            if self.chime is not None and self.config.chime:
                self.player.begin()
                self.player.play(self.chime, SAMPLE_RATE)
        elif self.state is State.LISTENING and self._turn:
            self._turn.listen_from = event.sample

    def _on_push_to_talk(self) -> None:
        if self.state in (State.COMMITTED, State.SPEAKING):
            self._interrupt(Trigger.BARGE_IN)
        if self.state is State.IDLE:
            self._begin_listening(Trigger.PUSH_TO_TALK, self._now, self.config.no_speech_timeout_s)

    def _on_speech_started(self) -> None:
        if self.state in (State.COMMITTED, State.SPEAKING) and not self._in_grace():
            self._interrupt(Trigger.BARGE_IN)
        if self._turn and self.state is State.LISTENING:
            self._turn.heard_speech = True

    def _in_grace(self) -> bool:
        """Right after the answer starts, the echo canceller may not have found the echo yet
        (the echo path can shift while PAM is quiet); "speech" then is most likely PAM itself."""
        turn = self._turn
        grace = int(self.config.barge_in_grace_ms * SAMPLE_RATE / 1000)
        return bool(turn and turn.first_audio and self._now - turn.first_audio_sample < grace)

    def _request_audio(self, start_sample: int, audio: Int16Audio) -> Int16Audio | None:
        """The user's request inside an utterance, or None if it is only the wake phrase.

        After a wake word the whole utterance is kept (the STT and the model cope with "hey PAM"
        in front, and cutting at the detector's late timestamp would clip the first word).
        """
        turn = self._turn
        assert turn is not None
        end_sample = start_sample + len(audio)
        if end_sample <= turn.listen_from:
            return None
        if turn.trigger == Trigger.WAKE.value and _ms(end_sample - turn.listen_from) < MIN_REQUEST_MS:
            return None
        return audio

    def _on_paused(self, event: SpeechPaused) -> None:
        if self.state is not State.LISTENING or self._turn is None:
            return
        audio = self._request_audio(event.start_sample, event.audio)
        if audio is None:
            return
        self._fire(Trigger.PAUSE)
        self._start_engine(audio, speculative=True)

    def _on_resumed(self) -> None:
        if self.state is State.SPECULATIVE and self._turn:
            self._drop_engine_turn()
            self._fire(Trigger.RESUME)

    def _on_ended(self, event: SpeechEnded) -> None:
        turn = self._turn
        if self.state not in (State.LISTENING, State.SPECULATIVE) or turn is None:
            return
        audio = self._request_audio(event.start_sample, event.audio)
        if audio is None:
            if self.state is State.SPECULATIVE:
                self._drop_engine_turn()
                self._fire(Trigger.RESUME)
            return
        turn.heard_ms = round(_ms(len(audio)))
        turn.committed_at = time.monotonic()
        turn.latencies["endpoint_ms"] = _ms(self._now - event.sample)
        self._fire(Trigger.COMMIT)
        self.player.begin()
        if turn.speculative:
            turn.speculative = False
            if turn.engine_turn:
                turn.engine_turn.commit()
            held, turn.held = turn.held, []
            for held_event in held:
                self._on_engine_event(held_event)
        else:
            self._start_engine(audio, speculative=False)

    def _announce_next(self) -> None:
        """Say a waiting announcement once PAM is idle: it never talks over the user or itself."""
        if not self._announcements or self.state is not State.IDLE or self.muted:
            return
        text = self._announcements.pop(0)
        self._turn = _Turn(trigger="reminder", listen_from=self._now, committed_at=time.monotonic())
        self._fire(Trigger.ANNOUNCE)
        self.player.begin()
        self._start_engine(None, speculative=False, say=text)

    def _check_deadline(self) -> None:
        turn = self._turn
        if turn and self.state is State.LISTENING and self._now >= turn.deadline:
            if turn.heard_speech:
                turn.deadline = self._now + int(self.config.no_speech_timeout_s * SAMPLE_RATE)
                return
            self._turn = None
            self._fire(Trigger.TIMEOUT)
            if self.end_tone is not None and self.config.chime:
                self.player.begin()
                self.player.play(self.end_tone, SAMPLE_RATE)

    # --- engine -----------------------------------------------------------------------------

    def _start_engine(self, audio: Int16Audio | None, speculative: bool, say: str | None = None) -> None:
        turn = self._turn
        assert turn is not None
        turn.engine_turn_id = self._next_engine_turn
        self._next_engine_turn += 1
        turn.speculative = speculative
        turn.held = []
        turn.engine_done = False
        user = UserInput(turn_id=turn.engine_turn_id, audio=audio, speculative=speculative, say=say)
        turn.engine_turn = self.engine.respond(user, self.post)

    def _drop_engine_turn(self) -> None:
        turn = self._turn
        if turn and turn.engine_turn:
            turn.engine_turn.cancel(None)
            turn.engine_turn = None
            turn.engine_turn_id = 0
            turn.held = []
            turn.speculative = False

    def _on_engine_event(self, event: EngineEvent) -> None:
        turn = self._turn
        if turn is None or event.turn_id != turn.engine_turn_id:
            return  # from a cancelled or finished turn
        if turn.speculative:
            turn.held.append(event)
            return
        self._publish(event)
        match event:
            case Transcript(text=text, final=True):
                turn.transcript = text
            case TextDelta(text=text):
                turn.reply.append(text)
            case AudioChunk():
                self._on_audio(turn, event)
            case Timing(name=name, ms=ms):
                turn.latencies[name] = ms
            case ToolCall():
                turn.tool_calls.append(
                    {
                        "name": event.name,
                        "arguments": event.arguments,
                        "result": event.result,
                        "error": event.error,
                    }
                )
            case Usage():
                pass  # the usage ledger subscribes to these directly
            case EngineFailed(message=message):
                turn.error = message
                turn.engine_done = True
                self._publish(Notice(message))
            case EngineDone():
                turn.engine_done = True

    def _on_audio(self, turn: _Turn, chunk: AudioChunk) -> None:
        if not turn.first_audio:
            turn.first_audio = True
            turn.first_audio_sample = self._now
            turn.latencies["engine_first_audio_ms"] = (time.monotonic() - turn.committed_at) * 1000.0
            turn.latencies["first_audio_ms"] = turn.latencies["engine_first_audio_ms"] + turn.latencies.get(
                "endpoint_ms", 0.0
            )
            self._fire(Trigger.FIRST_AUDIO)
        self.player.play(chunk.samples, chunk.sample_rate)

    def _check_playback(self) -> None:
        """Finish the turn once the engine is done and the player has played everything."""
        turn = self._turn
        if turn is None or not turn.engine_done or self.player.busy:
            return
        if self.state is State.COMMITTED:
            self._finish(turn, interrupted=False)
            self._fire(Trigger.DONE)
        elif self.state is State.SPEAKING:
            self._finish(turn, interrupted=False)
            if self.config.follow_up_s > 0:
                self._begin_listening(Trigger.FOLLOW_UP, self._now, self.config.follow_up_s)
            else:
                self._fire(Trigger.DONE)

    # --- ending turns -----------------------------------------------------------------------

    def _interrupt(self, trigger: Trigger) -> None:
        """Barge-in or stop: silence first, then cancel the engine with what was actually heard."""
        self.player.stop()
        turn = self._turn
        played = self.player.played_ms()
        if turn and turn.engine_turn:
            turn.engine_turn.cancel(played)
        if turn:
            self._finish(turn, interrupted=True)
        if trigger is Trigger.BARGE_IN:
            timeout = self.config.no_speech_timeout_s
            self._begin_listening(trigger, self._now, timeout, label="barge_in", heard_speech=True)
        else:
            self._fire(trigger)

    def _cancel_turn(self, reason: str) -> None:
        turn = self._turn
        if turn is None:
            return
        if turn.engine_turn:
            turn.engine_turn.cancel(self.player.played_ms())
        self.player.stop()
        if self.state in (State.COMMITTED, State.SPEAKING):
            turn.error = turn.error or reason
            self._finish(turn, interrupted=True)
        if self.machine.can(Trigger.CANCEL):
            self._fire(Trigger.CANCEL)
        self._turn = None

    def _finish(self, turn: _Turn, interrupted: bool) -> None:
        record = TurnRecord(
            session_id=self.session_id,
            started_at=turn.started_at,
            ended_at=time.time(),
            trigger=turn.trigger,
            engine=getattr(turn.engine_turn, "engine", "") or self.engine.name,
            transcript=turn.transcript,
            reply="".join(turn.reply).strip(),
            interrupted=interrupted,
            played_ms=self.player.played_ms(),
            heard_ms=turn.heard_ms,
            error=turn.error,
            states=tuple(turn.states),
            latencies=dict(turn.latencies),
            tool_calls=tuple(turn.tool_calls),
        )
        self._turn = None
        turn_id = 0
        try:
            turn_id = self.store.save_turn(record)
        except StoreError as err:
            self._publish(Notice(str(err)))
        self._publish(TurnFinished(record, turn_id))
