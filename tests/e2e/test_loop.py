"""The whole loop on real (virtual) devices: the private PulseAudio room, the real listener, the
controller, the canned engine (espeak-ng), the player, and a real SQLite file."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from bench.room import Room, active_span, place, silent_from
from pam.audio import testing_pulse
from pam.audio.files import read_audio, write_wav
from pam.audio.testing_pulse import spoken
from pam.config import Config
from pam.conversation.messages import PushToTalk, StateChanged, TurnFinished
from pam.conversation.states import State
from pam.engines.canned import CannedEngine
from pam.listen.events import SpeechEnded, SpeechStarted
from pam.listen.listener import listen_file
from pam.store.db import Store

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not testing_pulse.available(), reason="pulseaudio is not installed"),
]
RATE = 16_000
JFK = Path(__file__).resolve().parents[3] / "shared" / "data" / "real-speech" / "jfk.flac"
LONG_REPLY = (
    "The nearest campground with full hookups is about forty miles north, past the river crossing, "
    "and they usually have spaces open on weekdays, so you should be fine if you arrive before dark."
)


def config(tmp_path: Path, **audio: object) -> Config:
    return Config.model_validate(
        {
            "audio": {"echo_cancellation": False, **audio},
            "wake": {"enabled": False},
            "engine": {"mode": "canned"},
            "conversation": {"follow_up_s": 0.0, "chime": False},
            "store": {"path": str(tmp_path / "pam.sqlite3")},
        }
    )


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PAM_HOME", str(tmp_path / "home"))
    yield


def test_real_speech_through_the_virtual_mic_has_the_same_boundaries_as_its_recording(tmp_path: Path) -> None:
    """The live listener and the file listener agree on what the mic delivered. The recording,
    not the played file, is the reference: a busy machine may starve the player, and the silence
    the sound server then puts in the mic is heard by both."""
    cfg = config(tmp_path)

    def boundaries(events: Iterable[object]) -> list[tuple[int, type]]:
        return [(e.sample, type(e)) for e in events if isinstance(e, SpeechStarted | SpeechEnded)]

    # the four phrases; the crowd that starts cheering at 10.85 s may or may not pass for speech
    expected = len([b for b in boundaries(listen_file(JFK, cfg)) if b[0] < 10.5 * RATE])
    with Room(cfg, echo=False) as room:
        mic = room.pulse.record_mic()
        room.say(read_audio(JFK)).wait()
        heard = []
        while len(heard) < expected:
            event = room.wait_for((SpeechStarted, SpeechEnded), timeout=10)
            heard.append((event.sample, type(event)))
        time.sleep(0.5)  # the recording holds the last phrase's end
        recorded = tmp_path / "mic.wav"
        write_wav(recorded, mic.stop(), RATE)
    from_recording = boundaries(listen_file(recorded, cfg))[:expected]
    assert [kind for _, kind in heard] == [kind for _, kind in from_recording]

    # the two clocks start at different moments: compare each utterance's length
    def lengths(bounds: list[tuple[int, type]]) -> list[float]:
        return [(end - start) / 16 for (start, _), (end, _) in zip(bounds[::2], bounds[1::2], strict=True)]

    drift_ms = [abs(h - f) for h, f in zip(lengths(heard), lengths(from_recording), strict=True)]
    assert max(drift_ms) <= 60, drift_ms  # three 20 ms frames


def test_push_to_talk_turn_is_answered_on_the_speaker(tmp_path: Path) -> None:
    request = spoken("What is the weather like in Moab tomorrow?")
    with Room(config(tmp_path), echo=False) as room:
        recording = room.record()
        room.pam.controller.post(PushToTalk())
        room.say(request)
        done = room.wait_for(TurnFinished, timeout=30)
        time.sleep(0.3)
        out = recording.stop()
    assert done.record.reply == "Okay, I heard you."
    assert not done.record.interrupted
    loud_start, loud_end = active_span(out)
    assert loud_end - loud_start > RATE  # the ~1.4 s acknowledgement reached the speaker
    rows = Store(tmp_path / "pam.sqlite3").recent_turns()
    assert [(r["engine"], r["interrupted"]) for r in rows] == [("canned", False)]


def test_barge_in_with_echo_and_canceller_stops_playback(tmp_path: Path) -> None:
    request = spoken("Where can we camp tonight?")
    interruption = spoken("Hold on a second", "en-us+m3")
    cfg = config(tmp_path, echo_cancellation=True)
    with Room(cfg, engine=CannedEngine(LONG_REPLY)) as room:
        room.pam.controller.post(PushToTalk())
        room.say(request)
        room.wait_for(StateChanged, where=lambda s: s.transition.after is State.SPEAKING, timeout=30)
        recording = room.record()
        time.sleep(1.5)
        room.say(interruption)
        done = room.wait_for(TurnFinished, timeout=30)
        time.sleep(len(interruption) / RATE + 0.2)
        out = recording.stop()
    assert done.record.interrupted
    assert 500 < done.record.played_ms < 8000
    placed = place(out, interruption)
    talked_on = silent_from(placed.pam, placed.speech_start)
    # generous bound: speed is benchmarked (bench/barge_in.py), this checks that it stops at all
    assert talked_on < 0.6 * RATE, f"PAM kept talking {talked_on / 16:.0f} ms into the user's speech"


def test_echo_alone_does_not_interrupt_pam(tmp_path: Path) -> None:
    request = spoken("Tell me about the campground.")
    cfg = config(tmp_path, echo_cancellation=True)
    with Room(cfg, engine=CannedEngine(LONG_REPLY)) as room:
        room.pam.controller.post(PushToTalk())
        room.say(request)
        done = room.wait_for(TurnFinished, timeout=60)
    assert not done.record.interrupted, "PAM's own voice coming back through the room cut it off"
