"""Bad input through the real `pam` command: one sentence on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pam.audio import testing_pulse


def pam(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pam", *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    out = {**os.environ, "PAM_HOME": str(tmp_path / "home")}
    out.pop("DISPLAY", None)
    return out


def one_sentence(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("pam: ")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_no_audio_server(env: dict[str, str], tmp_path: Path) -> None:
    env["PULSE_SERVER"] = f"unix:{tmp_path}/nobody-listens-here"
    env["PAM_ENGINE_MODE"] = "canned"
    line = one_sentence(pam("run", "--headless", env=env))
    assert "audio" in line.lower() or "microphone" in line.lower()


@pytest.mark.e2e
@pytest.mark.skipif(not testing_pulse.available(), reason="pulseaudio is not installed")
def test_unknown_device_name(env: dict[str, str], pulse: testing_pulse.PrivatePulse) -> None:
    env["PULSE_SERVER"] = pulse.server
    env["PAM_ENGINE_MODE"] = "canned"
    env["PAM_AUDIO_INPUT_DEVICE"] = "no such microphone"
    line = one_sentence(pam("run", "--headless", env=env))
    assert "no such microphone" in line


def test_bad_config_value(env: dict[str, str], tmp_path: Path) -> None:
    config = Path(env["PAM_HOME"]) / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[listen]\nvad_aggressiveness = 7\n")
    proc = pam("talk", str(tmp_path / "x.wav"), env=env)
    line = one_sentence(proc)
    assert proc.returncode == 2
    assert "listen.vad_aggressiveness" in line and "0, 1, 2 or 3" in line


def test_config_that_is_not_toml(env: dict[str, str], tmp_path: Path) -> None:
    config = Path(env["PAM_HOME"]) / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[listen\n")
    assert "not valid TOML" in one_sentence(pam("talk", str(tmp_path / "x.wav"), env=env))


def test_unreadable_wav(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(os.urandom(2000))
    assert "Cannot read" in one_sentence(pam("talk", str(bad), env=env))


def test_corrupt_wake_word_model(env: dict[str, str], tmp_path: Path) -> None:
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not an onnx model")
    env["PAM_WAKE_MODEL"] = str(model)
    speech = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(speech), "hello there"], check=True)
    line = one_sentence(pam("listen", str(speech), env=env))
    assert "broken.onnx" in line
