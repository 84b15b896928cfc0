"""The offline engine's parts, measured inside the engine on the held-out spoken RV utterances.

Writes `stt_wer`, `stt_ms`, `llm_tokens_per_s`, `llm_prompt_ms`, `llm_first_clause_ms`, `tts_rtf`,
`tts_first_chunk_ms`, `engine_first_audio_ms`, `local_peak_rss_mb`, `local_load_s` and the load
average seen during the run (`local_bench_loadavg`), since the machine's other work skews
every wall-clock figure here.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from typing import Any

from bench.stats import summary
from pam.config import Config
from pam.engines.base import EngineEvent, TextDelta, Timing, UserInput
from pam.engines.local.engine import LocalEngine, LocalTurn
from tests.data.rv_speech import UTTERANCES, utterance_set, word_error_rate

LONG_ANSWER_PROMPT = "Write a long poem about the open road."
CANCEL_AFTER_S = 0.05

HOW = """
All figures come from one process holding the whole local stack (Whisper tiny.en int8 via
faster-whisper, Qwen2.5-Coder-0.5B-Instruct Q4_K_M via xllamacpp, Piper joe-medium on one ONNX
thread), loaded once with PAM's default `[local]` settings. The input is 12 RV questions and
commands (2.3-3.9 s each) spoken by four espeak-ng voices held out from all tuning
(tests/data/rv_speech.py).
`stt_wer`: word error rate of `SpeechToText.transcribe` on those 12 (numbers normalised, so "$40"
= "forty dollars"). `stt_ms`: wall time of one transcription, engine otherwise idle.
Then each utterance is one full turn through `LocalEngine.respond` (conversation history on),
and the engine's own `Timing` events are collected: `llm_first_clause_ms` (LLM request to the
first complete clause; `llm_prompt_ms` is the part of it spent evaluating the prompt's new
tokens), `tts_first_chunk_ms` (first clause queued to its audio ready),
`engine_first_audio_ms` (the engine's `local_first_audio_ms`: `respond()` called to the first
`AudioChunk`, i.e. STT + LLM to first clause + TTS first chunk + hand-offs), `llm_tokens_per_s` (llama.cpp's generation rate, mean of
the turns). `tts_rtf`: Piper synthesis time / audio duration over the answers' clauses.
`cancel_llm_ms`: barge-in while the LLM writes (a text question with a long answer, cancelled
from another thread 50 ms after its first clause): `cancel()` to the LLM's stream returning;
`cancel_all_ms`: to the turn's `finished` event (the speaker finishes a clause it had started).
`local_peak_rss_mb`: the process's peak RSS (ru_maxrss) after all of it.
The CPU (2 cores) is shared with other work while this runs: `local_bench_loadavg` is the 1-minute
load average at the end; above ~2 every wall time here is inflated.
"""


def run(quick: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    engine = LocalEngine.from_config(Config())
    try:
        if not engine.wait_ready(timeout=900):
            raise RuntimeError("the local engine did not load within 15 minutes")
        load_s = time.perf_counter() - started
        if engine.problems or engine.stt is None or engine.voice is None:
            raise RuntimeError(f"the local engine is incomplete: {engine.problems}")
        utterances = utterance_set()[: 4 if quick else None]

        stt_ms, hypotheses = [], []
        for utterance in utterances:
            t0 = time.perf_counter()
            hypotheses.append(engine.stt.transcribe(utterance.audio))
            stt_ms.append((time.perf_counter() - t0) * 1000)
        wer = word_error_rate(list(UTTERANCES[: len(hypotheses)]), hypotheses)

        timings: dict[str, list[float]] = {}
        answers: list[str] = []
        for turn_id, utterance in enumerate(utterances, start=1):
            for name, ms in _turn_timings(engine, UserInput(turn_id=turn_id, audio=utterance.audio), answers):
                timings.setdefault(name, []).append(ms)

        synth_s = audio_s = 0.0
        for answer in answers:
            t0 = time.perf_counter()
            samples = engine.voice.synthesize(answer)
            synth_s += time.perf_counter() - t0
            audio_s += len(samples) / engine.voice.sample_rate
        llm_stop, all_stop = _cancel_latencies(engine, trials=2 if quick else 6)
        rates = timings.get("llm_tokens_per_s", [])
        return {
            "stt_wer": round(wer, 3),
            "stt_ms": summary(stt_ms),
            "llm_tokens_per_s": round(sum(rates) / len(rates), 1) if rates else float("nan"),
            "llm_prompt_ms": summary(timings.get("llm_prompt_ms", [])),
            "llm_first_clause_ms": summary(timings.get("llm_first_clause_ms", [])),
            "tts_first_chunk_ms": summary(timings.get("tts_first_chunk_ms", [])),
            "tts_rtf": round(synth_s / audio_s, 3) if audio_s else float("nan"),
            "engine_first_audio_ms": summary(timings.get("local_first_audio_ms", [])),
            "cancel_llm_ms": summary(llm_stop),
            "cancel_all_ms": summary(all_stop),
            "local_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "local_load_s": round(load_s, 1),
            "local_bench_loadavg": round(os.getloadavg()[0], 2),
        }
    finally:
        engine.close()


class _BargeIn:
    """An event sink that cancels its turn from another thread just after the first clause."""

    def __init__(self) -> None:
        self.turn: LocalTurn | None = None
        self._armed = True

    def __call__(self, event: EngineEvent) -> None:
        if isinstance(event, TextDelta) and self._armed and self.turn is not None:
            self._armed = False
            threading.Timer(CANCEL_AFTER_S, self.turn.cancel, args=(0,)).start()


def _cancel_latencies(engine: LocalEngine, trials: int) -> tuple[list[float], list[float]]:
    """Barge-in while the LLM writes: cancel 50 ms after the first clause, from another thread."""
    llm_stop, all_stop = [], []
    for trial in range(trials):
        sink = _BargeIn()
        turn = sink.turn = engine.respond(UserInput(turn_id=1000 + trial, text=LONG_ANSWER_PROMPT), sink)
        if not turn.wait(300):
            raise RuntimeError("a cancelled turn did not stop within 5 minutes")
        if turn.cancelled_at is None or turn.llm_stopped_at is None or turn.llm_finish != "cancelled":
            continue  # the answer was over before the cancel: nothing to measure
        llm_stop.append((turn.llm_stopped_at - turn.cancelled_at) * 1000)
        all_stop.append((time.perf_counter() - turn.cancelled_at) * 1000)
    return llm_stop, all_stop


def _turn_timings(engine: LocalEngine, user: UserInput, answers: list[str]) -> list[tuple[str, float]]:
    """One turn; its Timing events, and its answer appended to ``answers``."""
    found: list[tuple[str, float]] = []

    def sink(event: EngineEvent) -> None:
        if isinstance(event, Timing):
            found.append((event.name, event.ms))

    turn = engine.respond(user, sink)
    if not turn.wait(300):
        turn.cancel()
        raise RuntimeError(f"turn {user.turn_id} did not finish in 5 minutes")
    if turn.answer:
        answers.append(turn.answer)
    return found
