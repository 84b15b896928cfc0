"""Barge-in on the virtual devices, with the room echoing PAM back into the mic and the echo
canceller on: how fast PAM goes quiet when the user talks over it, and whether its own echo
ever cuts it off."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from bench.room import Room, active_span, place, silent_from
from bench.stats import summary
from pam.audio.testing_pulse import spoken
from pam.config import Config
from pam.conversation.messages import PushToTalk, StateChanged, StopSpeaking, TurnFinished
from pam.conversation.states import State
from pam.engines.canned import CannedEngine

HOW = """
`barge_in_stop_ms`: PAM (canned engine, a long spoken answer) plays into a private PulseAudio null
sink that stands for the room; a loopback carries the room to the virtual microphone (PAM hears
itself, ~20 ms path) and WebRTC AEC3 runs on the mic with the player's output as reference. While
PAM speaks, an espeak-ng interruption (voices varied) is played into the same room at a random
moment 0.4–2.0 s into the answer. `speaker.monitor` is recorded: it holds both voices mixed on one
sample clock. The interruption is located by cross-correlation and subtracted; the figure is the
number of samples from its first loud sample to where PAM's remaining output goes silent,
in ms (PAM's output counts as silent once it stays quiet for 200 ms, longer than its gaps
between words). `false_barge_in_per_min`: the same room with echo and AEC, PAM answering back to back with
nobody speaking; every answer cut short counts.
"""

RATE = 16_000
LONG_REPLY = (
    "Sure. The nearest campground with full hookups is about forty miles north, past the river "
    "crossing. They usually have spaces open on weekdays, the dump station is by the entrance, and "
    "the road in is paved, so it is fine for a big rig. Call ahead if you arrive after six."
)
INTERRUPTIONS = [  # said in one breath: a pause as long as commit_ms would end the request early
    ("Wait stop", "en-us+m3"),
    ("Hold on a second", "en-us+f2"),
    ("No that is enough", "en+m1"),
    ("Actually never mind", "en-us+f4"),
]


def _config(home: Path) -> Config:
    return Config.model_validate(
        {
            "audio": {"echo_cancellation": True},
            "wake": {"enabled": False},
            "conversation": {"follow_up_s": 0.0, "chime": False},
            "store": {"path": str(home / "pam.sqlite3")},
        }
    )


def _speaking(item: object) -> bool:
    return isinstance(item, StateChanged) and item.transition.after is State.SPEAKING


def _quiet(room: Room) -> None:
    """End whatever PAM is doing so the next trial starts from IDLE."""
    room.pam.controller.post(StopSpeaking())
    deadline = time.monotonic() + 10
    while room.pam.controller.state is not State.IDLE and time.monotonic() < deadline:
        time.sleep(0.05)
        if room.pam.controller.state in (State.COMMITTED, State.SPEAKING):
            room.pam.controller.post(StopSpeaking())
    time.sleep(0.3)
    room.drain()


def stop_latencies(room: Room, trials: int, rng: random.Random) -> list[float]:
    request = spoken("Where can we camp tonight?", "en-us")
    clips = [spoken(text, name) for text, name in INTERRUPTIONS]
    out: list[float] = []
    for trial in range(trials):
        clip = clips[trial % len(clips)]
        room.pam.controller.post(PushToTalk())
        room.say(request)
        room.wait_for(StateChanged, where=lambda s: _speaking(s), timeout=30)
        recording = room.record()
        time.sleep(rng.uniform(0.4, 2.0))
        room.say(clip)
        done = room.wait_for(TurnFinished, timeout=30)
        time.sleep(len(clip) / RATE + 0.3)
        audio = recording.stop()
        _quiet(room)
        if not done.record.interrupted:
            continue
        placed = place(audio, clip)
        before = placed.pam[max(0, placed.speech_start - RATE // 5) : placed.speech_start]
        if active_span(before) == (0, 0):
            continue  # PAM happened to be between words when the user spoke: nothing to stop
        out.append(silent_from(placed.pam, placed.speech_start) * 1000 / RATE)
    return out


def false_barge_ins(room: Room, seconds: float) -> tuple[int, float]:
    request = spoken("Tell me about the campground.", "en-us")
    cut, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        room.pam.controller.post(PushToTalk())
        room.say(request)
        done = room.wait_for(TurnFinished, timeout=60)
        cut += int(done.record.interrupted)
        _quiet(room)
    return cut, (time.monotonic() - started) / 60.0


def run(quick: bool = False) -> dict[str, object]:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as home, Room(_config(Path(home)), engine=CannedEngine(LONG_REPLY)) as room:
        stops = stop_latencies(room, 6 if quick else 24, rng)
        cut, minutes = false_barge_ins(room, 60 if quick else 180)
    return {
        "barge_in_stop_ms": summary(stops),
        "false_barge_in_per_min": round(cut / minutes, 3),
    }
