"""`pam listen` as a user runs it: the real CLI in a subprocess, the real VAD and wake word models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pam.audio.files import write_wav

JFK = Path("/work/shared/data/real-speech/jfk.flac")


def pam_listen(path: Path, home: Path, *extra: str, **settings: str) -> subprocess.CompletedProcess[str]:
    # no PAM_* settings from the developer's shell: the defaults (or ``settings``) are what is tested
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
    env["PAM_HOME"] = str(home)
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "pam", "listen", str(path), *extra],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def events(path: Path, home: Path, **settings: str) -> list[dict[str, Any]]:
    done = pam_listen(path, home, "--json", **settings)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def espeak(text: str, path: Path) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    return path


@pytest.mark.models
@pytest.mark.skipif(not JFK.exists(), reason="shared speech data not present")
def test_jfk_speech_is_found_where_it_is(tmp_path: Path) -> None:
    """The reference boundaries come from the file itself: 10 ms RMS frames at least 15 dB above
    the recording's noise floor (its 10th percentile, about -42 dBFS), grouped across gaps shorter
    than commit_ms (480 ms): 0.33-2.11, 3.29-4.29, 5.42-7.50 and 8.19-10.18 s ("...for your
    country"). From 10.85 s the crowd starts cheering, which is voices too.

    Starts must be within 100 ms: five VAD frames, well inside the 300 ms pre-roll, so a start that
    late still loses no audio. Ends within 150 ms: WebRTC VAD drops weak word-final consonants
    (the "s" of "Americans" ends 90 ms before the energy does), and 150 ms is less than the
    speculate_ms window that follows every end anyway.
    """
    found = events(JFK, tmp_path)
    assert not [e for e in found if e["event"] == "wake"], "no one says the wake word in JFK's speech"
    starts = [e["t"] for e in found if e["event"] == "speech_start"]
    ends = [e for e in found if e["event"] == "speech_end"]
    phrases = [(0.33, 2.11), (3.29, 4.29), (5.42, 7.50), (8.19, 10.18)]
    assert len(starts) >= len(phrases) and len(ends) == len(starts)
    for (start, end), got_start, got_end in zip(phrases, starts, ends, strict=False):
        assert got_start == pytest.approx(start, abs=0.1)
        assert got_end["t"] == pytest.approx(end, abs=0.15)
        assert got_end["start"] == pytest.approx(max(got_start - 0.3, 0), abs=0.001)  # pre-roll
    assert starts[0] == pytest.approx(0.33, abs=0.1)
    assert ends[len(phrases) - 1]["t"] == pytest.approx(10.18, abs=0.15)
    # anything after the last phrase is the crowd, and still ends inside the 11 s file
    assert all(t >= 10.6 for t in starts[len(phrases) :])
    assert ends[-1]["t"] <= 11.0


@pytest.mark.models
def test_hey_jarvis_fires_the_wake_word_once(tmp_path: Path) -> None:
    # espeak-ng says "hey jarvis" in the first 0.75 s of the clip; openWakeWord needs a few 80 ms
    # chunks of context after the phrase, so a detection is due by about 1.3 s
    clip = espeak("hey jarvis, what's the weather", tmp_path / "hey_jarvis.wav")
    found = events(clip, tmp_path)
    wakes = [e for e in found if e["event"] == "wake"]
    assert len(wakes) == 1, found
    assert wakes[0]["model"] == "hey_jarvis"
    assert 0.5 <= wakes[0]["score"] <= 1.0
    assert 0.2 <= wakes[0]["t"] <= 1.3
    speech = [e for e in found if e["event"] != "wake"]
    assert [e["event"] for e in speech] == ["speech_start", "speech_end"]
    assert speech[0]["t"] < wakes[0]["t"] < speech[1]["t"]


@pytest.mark.models
def test_with_the_second_stage_the_wake_word_is_still_found_once(tmp_path: Path) -> None:
    clip = espeak("hey jarvis, what's the weather", tmp_path / "hey_jarvis.wav")
    found = events(clip, tmp_path, PAM_WAKE_VERIFY="true")
    assert [e["event"] for e in found] == ["speech_start", "wake", "speech_end"]


@pytest.mark.models
def test_speech_without_the_wake_word_does_not_fire_it(tmp_path: Path) -> None:
    clip = espeak("what's the weather like in Moab tomorrow", tmp_path / "weather.wav")
    found = events(clip, tmp_path)
    assert [e["event"] for e in found] == ["speech_start", "speech_end"]


@pytest.mark.models
@pytest.mark.parametrize("kind", ["digital_silence", "white_noise", "rumble"])
def test_silence_and_noise_give_no_events(tmp_path: Path, kind: str) -> None:
    rng = np.random.default_rng(3)
    seconds = 6
    if kind == "digital_silence":
        audio = np.zeros(16000 * seconds)
    elif kind == "white_noise":
        audio = rng.standard_normal(16000 * seconds) * 330  # about -40 dBFS
    else:
        # low-frequency room rumble (a generator, an engine): integrated noise, -30 dBFS
        walk = np.cumsum(rng.standard_normal(16000 * seconds))
        walk -= np.convolve(walk, np.ones(400) / 400, mode="same")
        audio = walk / walk.std() * 1000
    path = tmp_path / f"{kind}.wav"
    write_wav(path, audio.astype(np.int16))
    assert events(path, tmp_path) == []


def test_readable_output_names_each_event(tmp_path: Path) -> None:
    clip = espeak("what's the weather like in Moab tomorrow", tmp_path / "weather.wav")
    done = pam_listen(clip, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert "speech starts" in lines[0] and "speech ends" in lines[1]
    assert lines[0].strip().endswith("speech starts") and " s " in lines[0]


@pytest.mark.parametrize("kind", ["missing", "garbage", "truncated", "empty"])
def test_unreadable_input_gives_one_sentence_and_a_nonzero_exit(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.wav"
    if kind == "garbage":
        path.write_bytes(os.urandom(4000))
    elif kind == "truncated":
        write_wav(tmp_path / "full.wav", np.zeros(16000, dtype=np.int16))
        path.write_bytes((tmp_path / "full.wav").read_bytes()[:30])
    elif kind == "empty":
        write_wav(path, np.zeros(0, dtype=np.int16))
    done = pam_listen(path, tmp_path, "--json")
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pam: ") and str(path) in lines[0], done.stderr
    assert "Traceback" not in done.stderr
