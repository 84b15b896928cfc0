"""Time to first audio with the local engine, end to end on the virtual devices: from the last
sample of the user's speech to the first sample of PAM's answer at the speaker."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from bench.room import Room, active_span, place
from bench.stats import summary
from pam.config import Config
from pam.conversation.messages import PushToTalk, StateChanged, StopSpeaking, TurnFinished
from pam.conversation.states import State
from tests.data.rv_speech import utterance_set

HOW = """
`turn_first_audio_ms`: PAM runs live with the local engine (`engine.mode = "local"`, models loaded
before the first trial) on the private PulseAudio room of `bench/room.py` (echo path on, AEC on).
Each trial is a push-to-talk turn: one of the RV questions of `tests/data/rv_speech.py`, spoken by
espeak-ng voices PAM was not tuned on (2–4 s), is played into the room. `speaker.monitor` holds the
question and PAM's answer on one sample clock; the question is located by cross-correlation and
subtracted, and the figure is the number of samples from its last loud sample to PAM's first loud
sample. Its parts come from the turn record: `endpoint` (silence waited before commit), `stt`,
`llm_first_clause`, `tts_first_chunk`; `output` is what remains (player queue, device buffers).
"""

RATE = 16_000
PARTS = ("endpoint_ms", "stt_ms", "llm_first_clause_ms", "tts_first_chunk_ms")


def _config(home: Path) -> Config:
    return Config.model_validate(
        {
            "audio": {"echo_cancellation": True},
            "wake": {"enabled": False},
            "engine": {"mode": "local"},
            "conversation": {"follow_up_s": 0.0, "chime": False},
            "store": {"path": str(home / "pam.sqlite3")},
        }
    )


def _to_idle(room: Room) -> None:
    deadline = time.monotonic() + 20
    while room.pam.controller.state is not State.IDLE and time.monotonic() < deadline:
        room.pam.controller.post(StopSpeaking())
        time.sleep(0.1)
    time.sleep(0.5)
    room.drain()


def run(quick: bool = False) -> dict[str, object]:
    utterances = [u for u in utterance_set() if 2.0 <= u.seconds <= 4.5][: 4 if quick else 12]
    first_audio: list[float] = []
    parts: dict[str, list[float]] = {name: [] for name in PARTS}
    with tempfile.TemporaryDirectory() as home, Room(_config(Path(home))) as room:
        ready = getattr(room.pam.engine, "wait_ready", None)
        if ready is not None:
            ready(300)
        for utterance in utterances:
            recording = room.record()
            room.pam.controller.post(PushToTalk())
            room.say(utterance.audio)
            room.wait_for(StateChanged, where=lambda s: s.transition.after is State.SPEAKING, timeout=60)
            time.sleep(1.0)
            audio = recording.stop()
            room.pam.controller.post(StopSpeaking())
            done = room.wait_for(TurnFinished, timeout=30)
            _to_idle(room)
            placed = place(audio, utterance.audio)
            start, _ = active_span(placed.pam[placed.speech_end :])
            if start == 0 and not np.any(placed.pam[placed.speech_end :]):
                continue
            first_audio.append(start * 1000 / RATE)
            for name in PARTS:
                if name in done.record.latencies:
                    parts[name].append(done.record.latencies[name])
    out: dict[str, object] = {"turn_first_audio_ms": summary(first_audio)}
    for name, values in parts.items():
        out[f"turn_{name}"] = summary(values)
    return out
