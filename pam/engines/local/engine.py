"""The offline engine: faster-whisper → llama.cpp → Piper, streamed clause by clause.

Three threads of its own, so ``respond`` returns at once:

* loader: loads the models once at construction (STT, LLM, voice), each announcing when it is
  ready, so the first turn does not pay for loading (a turn that comes earlier waits).
* worker: one turn at a time: transcribe, let a tool answer or stream the LLM, cut its text into
  clauses and queue each clause for speech as soon as it is complete.
* speaker: synthesises queued clauses in order and emits the audio, while the LLM writes on.

Cancelling a turn stops the LLM at its next token and the speaker before its next clause; the
turn's events stop at once. Events are emitted from the worker and the speaker, never at the
same time (a lock serialises them), in order within a turn, ending with EngineDone or
EngineFailed; a cancelled turn ends silently.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from pam import paths
from pam.assets import Assets
from pam.config import Config, LocalConfig
from pam.engines.base import (
    AudioChunk,
    EngineDone,
    EngineEvent,
    EngineFailed,
    EventSink,
    TextDelta,
    Timing,
    Transcript,
    UserInput,
)
from pam.engines.local.clauses import ClauseSplitter
from pam.engines.local.history import History
from pam.engines.local.hooks import ToolOutcome, ToolQuery, ToolRouter
from pam.engines.local.llm import LocalLlm, parse_examples
from pam.engines.local.normalize import normalize_numbers
from pam.engines.local.resources import CpuPlan, available_cores, plan_threads, quiet_idle_threads
from pam.engines.local.stt import SpeechToText
from pam.engines.local.tts import PiperSpeech, Voice, load_voice
from pam.errors import PamError

log = logging.getLogger(__name__)

PROMPTS = paths.project_root() / "resources" / "prompts"
NO_LLM_ANSWER = "I can't think offline right now."
NO_STT_MESSAGE = "Offline speech recognition is not available; run 'pam doctor' to see why."
TURN_FAILED_MESSAGE = "Something went wrong while answering offline; please try again."
PAUSE_AFTER_SENTENCE_MS = 180
PAUSE_AFTER_CLAUSE_MS = 60
HEARD_SLACK_MS = 100  # a clause counts as heard if all but its trailing pause was played
COMMIT_POLL_S = 0.05

ProgressSink = Callable[[str], None]
T = TypeVar("T")


class LocalTurn:
    """One turn in flight; the handle ``respond`` returns."""

    def __init__(self, user: UserInput, emit: EventSink, emit_lock: threading.Lock) -> None:
        self.user = user
        self.turn_id = user.turn_id
        self.started = time.perf_counter()
        self.finished = threading.Event()  # set when the engine has stopped all work on this turn
        self.played_ms: int | None = None
        self.cancelled_at: float | None = None  # perf_counter() stamps, for measuring how fast work stops
        self.llm_stopped_at: float | None = None
        self.llm_finish = ""  # "stop", "length" or "cancelled", once the LLM has answered
        self.transcript = ""
        self.answer = ""
        self._emit = emit
        self._emit_lock = emit_lock
        self._cancelled = threading.Event()
        self._committed = threading.Event()
        self._spoken: list[tuple[str, float]] = []  # clause, ms of answer audio up to its end
        self._audio_ms = 0.0
        self._clauses = 0

    def cancel(self, played_ms: int | None = None) -> None:
        """Stop this turn; ``played_ms`` is how much of the answer was heard (None: nothing, discard it)."""
        if not self._cancelled.is_set():
            self.played_ms = played_ms
            self.cancelled_at = time.perf_counter()
            self._cancelled.set()

    def commit(self) -> None:
        """The controller keeps this speculative turn: tools with side effects may now run."""
        self._committed.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def committed(self) -> bool:
        return self._committed.is_set() or not self.user.speculative

    def wait(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)

    def wait_for_commit(self, timeout: float) -> bool:
        return self._committed.wait(timeout)

    def next_clause(self) -> int:
        """The index of the clause about to be queued (0 for the first)."""
        self._clauses += 1
        return self._clauses - 1

    @property
    def spoke(self) -> bool:
        return bool(self._spoken)

    def note_spoken(self, text: str, audio_ms: float = 0.0, pause_ms: float = 0.0) -> None:
        """``text`` was handed out as ``audio_ms`` of audio, ending with ``pause_ms`` of silence."""
        self._audio_ms += audio_ms
        self._spoken.append((text, self._audio_ms - pause_ms))

    def emit(self, event: EngineEvent) -> None:
        with self._emit_lock:
            if self.cancelled:
                return
            try:
                self._emit(event)
            except Exception:
                log.exception("the event sink failed on %s", type(event).__name__)

    def heard(self) -> str | None:
        """The part of the answer the user heard before cancelling; None if nothing was."""
        if not self.played_ms:
            return None
        limit = self.played_ms + HEARD_SLACK_MS
        return " ".join(text for text, end_ms in self._spoken if end_ms <= limit) or None


@dataclass(frozen=True)
class _Say:
    turn: LocalTurn
    text: str
    queued_at: float


@dataclass(frozen=True)
class _End:
    turn: LocalTurn
    failure: str | None = None


class LocalEngine:
    """The Engine protocol, offline. Build it with ``from_config``; it loads in the background."""

    name = "local"

    def __init__(
        self,
        settings: LocalConfig,
        assets: Assets,
        tool_router: ToolRouter | None = None,
        on_progress: ProgressSink | None = None,
        cores: int | None = None,
    ) -> None:
        quiet_idle_threads()
        self.settings = settings
        self.assets = assets
        self.tool_router = tool_router
        self.plan: CpuPlan = plan_threads(cores or available_cores(), settings.stt_threads, settings.llm_threads)
        self.problems: list[str] = []  # one sentence per part that did not load
        self.ready = threading.Event()
        self.stt: SpeechToText | None = None
        self.llm: LocalLlm | None = None
        self.voice: Voice | None = None
        self._on_progress = on_progress
        self._stt_ready = threading.Event()
        self._llm_ready = threading.Event()
        self._voice_ready = threading.Event()
        self.history = History(settings.history_tokens)
        self._turns: queue.Queue[LocalTurn | None] = queue.Queue()
        self._speech: queue.Queue[_Say | _End | None] = queue.Queue()
        self._emit_lock = threading.Lock()
        self._active: LocalTurn | None = None
        self._closed = False
        self._threads = [
            threading.Thread(target=self._load, name="pam-local-load", daemon=True),
            threading.Thread(target=self._work, name="pam-local-work", daemon=True),
            threading.Thread(target=self._speak, name="pam-local-speak", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @classmethod
    def from_config(
        cls,
        config: Config,
        assets: Assets | None = None,
        tool_router: ToolRouter | None = None,
        on_progress: ProgressSink | None = None,
    ) -> LocalEngine:
        return cls(config.local, assets or Assets(), tool_router=tool_router, on_progress=on_progress)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until every model has loaded or failed to (see ``problems``); False on timeout."""
        return self.ready.wait(timeout)

    def respond(self, user: UserInput, emit: EventSink) -> LocalTurn:
        if self._closed:
            raise PamError("The local engine was closed; start PAM again.")
        turn = LocalTurn(user, emit, self._emit_lock)
        self._turns.put(turn)
        return turn

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._active is not None:
            self._active.cancel()
        self._turns.put(None)
        self._speech.put(None)
        # the loader is waited for to the end: a model it finished after close() returned would be
        # freed by the garbage collector on whatever thread, and llama.cpp's threads with it
        loader, *workers = self._threads
        loader.join()
        for thread in workers:
            thread.join(timeout=30)
        if self.llm is not None:
            self.llm.close()
            self.llm = None

    # -- loading ---------------------------------------------------------------------------------

    def _load(self) -> None:
        settings = self.settings
        try:
            self._progress("Loading offline speech recognition")
            self.stt = self._try_load(
                "speech recognition",
                lambda: SpeechToText(
                    self.assets.path(settings.stt_model),
                    threads=self.plan.stt_threads,
                    beam_size=settings.stt_beam_size,
                    vocabulary=settings.stt_vocabulary or _prompt("stt_vocabulary.txt"),
                ),
            )
            self._stt_ready.set()
            self._progress("Loading the offline language model")
            self.llm = self._try_load(
                "language model",
                lambda: LocalLlm(
                    self.assets.path(settings.llm_model, progress=True),
                    threads=self.plan.llm_threads,
                    context=settings.llm_context,
                    system_prompt=_prompt("local_system.txt"),
                    examples=parse_examples(_prompt("local_examples.txt")),
                ),
            )
            self._llm_ready.set()
            self._progress("Loading the offline voice")
            self.voice, warnings = load_voice(
                lambda: PiperSpeech(
                    self.assets.path(settings.voice),
                    self.assets.path(f"{settings.voice}_config"),
                    threads=self.plan.tts_threads,
                    length_scale=settings.length_scale,
                ),
                settings.fallback_voice,
                settings.length_scale,
            )
            for warning in warnings:
                self._problem(warning)
        finally:
            for event in (self._stt_ready, self._llm_ready, self._voice_ready, self.ready):
                event.set()
            self._progress("Offline engine ready" if not self.problems else "Offline engine ready, with problems")

    def _try_load(self, what: str, load: Callable[[], T]) -> T | None:
        started = time.perf_counter()
        try:
            loaded = load()
        except PamError as err:
            self._problem(str(err))
            return None
        except Exception as err:  # third-party loaders fail with many error types
            self._problem(f"The offline {what} could not be loaded ({err}).")
            return None
        log.info("offline %s loaded in %.1f s", what, time.perf_counter() - started)
        return loaded

    def _problem(self, sentence: str) -> None:
        self.problems.append(sentence)
        log.warning("%s", sentence)
        self._progress(sentence)

    def _progress(self, message: str) -> None:
        log.info("%s", message)
        if self._on_progress is not None:
            self._on_progress(message)

    # -- the worker: transcript, tools, LLM --------------------------------------------------------

    def _work(self) -> None:
        previous: LocalTurn | None = None
        while (turn := self._turns.get()) is not None:
            if previous is not None and previous.cancelled:
                self.history.amend(previous.turn_id, previous.heard())
            previous = self._active = turn
            failure = None
            try:
                if not turn.cancelled:
                    self._answer(turn)
            except PamError as err:
                failure = str(err)
            except Exception:
                log.exception("offline turn %d failed", turn.turn_id)
                failure = TURN_FAILED_MESSAGE
            self._speech.put(_End(turn, failure))
        self._active = None

    def _answer(self, turn: LocalTurn) -> None:
        if turn.user.say:  # an announcement: nothing to understand, nothing for the history
            self._say(turn, turn.user.say)
            return
        text = self._transcribe(turn)
        if turn.cancelled:
            return
        turn.transcript = text
        turn.emit(Transcript(turn.turn_id, text))
        if not text:
            return
        outcome = self._route(turn, text)
        if turn.cancelled:
            return
        if outcome is not None and outcome.say:
            self._say(turn, outcome.say)
            self.history.add(turn.turn_id, text, outcome.say)
            return
        self._llm_ready.wait()
        if self.llm is None:
            self._say(turn, NO_LLM_ANSWER)
            return
        self._think(turn, self.llm, text, outcome.facts if outcome is not None else None)

    def _transcribe(self, turn: LocalTurn) -> str:
        user = turn.user
        if user.text and user.text.strip():
            return user.text.strip()
        if user.audio is None or user.audio.size == 0:
            return ""
        self._stt_ready.wait()
        if self.stt is None:
            raise PamError(NO_STT_MESSAGE)
        started = time.perf_counter()
        text = self.stt.transcribe(user.audio)
        turn.emit(Timing(turn.turn_id, "stt_ms", _ms_since(started)))
        return text

    def _route(self, turn: LocalTurn, text: str) -> ToolOutcome | None:
        if self.tool_router is None:
            return None
        query = ToolQuery(text=text, normalized=normalize_numbers(text), speculative=not turn.committed)
        try:
            outcome = self.tool_router(query)
            if outcome is not None and outcome.needs_commit:
                if not self._wait_for_commit(turn):
                    return None
                outcome = self.tool_router(dataclasses.replace(query, speculative=False))
        except Exception:
            log.exception("the tool router failed on %r; the LLM answers instead", text)
            return None
        for call in outcome.calls if outcome is not None else ():
            turn.emit(dataclasses.replace(call, turn_id=turn.turn_id))
        return outcome

    def _wait_for_commit(self, turn: LocalTurn) -> bool:
        """Hold a speculative turn until it is committed; give up if cancelled or a newer turn waits."""
        while not turn.committed:
            if turn.cancelled or not self._turns.empty():
                return False
            turn.wait_for_commit(COMMIT_POLL_S)
        return not turn.cancelled

    def _think(self, turn: LocalTurn, llm: LocalLlm, text: str, facts: str | None) -> None:
        settings = self.settings
        splitter = ClauseSplitter(settings.first_clause_chars, settings.clause_chars)
        started = time.perf_counter()
        first = True

        def take(clause: str) -> None:
            nonlocal first
            if first:
                turn.emit(Timing(turn.turn_id, "llm_first_clause_ms", _ms_since(started)))
                first = False
            self._queue_clause(turn, clause)

        def on_text(delta: str) -> bool:
            if turn.cancelled:
                return True
            for clause in splitter.feed(delta):
                take(clause)
            return turn.cancelled

        prompt = f"{text}\n\n(Facts from PAM's own data: {facts})" if facts else text
        generation = llm.chat(self.history.messages(), prompt, on_text, settings.max_tokens, settings.temperature)
        turn.llm_stopped_at = time.perf_counter()
        turn.llm_finish = generation.finish_reason
        turn.answer = generation.text
        self.history.add(turn.turn_id, text, generation.text)
        if generation.finish_reason == "cancelled":
            return
        complete = splitter.count
        rest = splitter.flush()
        # an answer cut off by max_tokens ends mid-sentence: better to stop after a whole clause
        if rest and not (generation.finish_reason == "length" and complete > 0):
            take(rest)
        turn.emit(Timing(turn.turn_id, "llm_prompt_ms", generation.prompt_ms))
        turn.emit(Timing(turn.turn_id, "llm_tokens_per_s", generation.tokens_per_s))

    def _say(self, turn: LocalTurn, text: str) -> None:
        splitter = ClauseSplitter(self.settings.first_clause_chars, self.settings.clause_chars)
        turn.answer = text
        for clause in [*splitter.feed(text), splitter.flush()]:
            if clause:
                self._queue_clause(turn, clause)

    def _queue_clause(self, turn: LocalTurn, clause: str) -> None:
        turn.emit(TextDelta(turn.turn_id, f" {clause}" if turn.next_clause() else clause))
        self._speech.put(_Say(turn, clause, time.perf_counter()))

    # -- the speaker: clause audio -----------------------------------------------------------------

    def _speak(self) -> None:
        while (item := self._speech.get()) is not None:
            turn = item.turn
            if isinstance(item, _End):
                turn.emit(EngineFailed(turn.turn_id, item.failure) if item.failure else EngineDone(turn.turn_id))
                turn.finished.set()
            elif not turn.cancelled:
                self._voice_ready.wait()
                try:
                    self._speak_clause(turn, item)
                except Exception:  # one bad clause must not end the answer
                    log.exception("could not speak %r", item.text)

    def _speak_clause(self, turn: LocalTurn, item: _Say) -> None:
        voice = self.voice
        if voice is None:  # text only: the TextDelta was the answer
            turn.note_spoken(item.text)
            return
        samples = voice.synthesize(item.text)
        if turn.cancelled or samples.size == 0:
            return
        pause_ms = PAUSE_AFTER_SENTENCE_MS if item.text[-1] in ".!?…" else PAUSE_AFTER_CLAUSE_MS
        samples = np.concatenate([samples, np.zeros(voice.sample_rate * pause_ms // 1000, dtype=np.int16)])
        if not turn.spoke:
            turn.emit(Timing(turn.turn_id, "tts_first_chunk_ms", _ms_since(item.queued_at)))
            turn.emit(Timing(turn.turn_id, "local_first_audio_ms", _ms_since(turn.started)))
        turn.emit(AudioChunk(turn.turn_id, samples, voice.sample_rate))
        turn.note_spoken(item.text, 1000 * samples.size / voice.sample_rate, pause_ms)


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _prompt(name: str) -> str:
    return (PROMPTS / name).read_text(encoding="utf-8").strip()
