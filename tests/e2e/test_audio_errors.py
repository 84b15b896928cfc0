"""What a user sees when there is no audio server, or the configured device does not exist."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pam.audio.capture import MicCapture
from pam.audio.devices import list_devices, pick_device
from pam.audio.player import DevicePlayer
from pam.audio.ring import SampleRing
from pam.audio.testing_pulse import PrivatePulse
from pam.errors import AudioError

pytestmark = pytest.mark.e2e

DEAD_SERVER = {**os.environ, "PULSE_SERVER": "unix:/nonexistent/pam-no-audio-server"}

OPEN_BOTH = """
from pam.audio.capture import MicCapture
from pam.audio.player import DevicePlayer
from pam.audio.ring import SampleRing
from pam.errors import AudioError
for make in (lambda: MicCapture(SampleRing(4096)).start(), lambda: DevicePlayer()):
    try:
        make()
    except AudioError as err:
        print(err)
"""


def test_no_audio_server_gives_a_sentence_not_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-c", OPEN_BOTH], env=DEAD_SERVER, capture_output=True, text=True, timeout=60
    )
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0, result.stderr
    assert len(lines) == 2, result.stdout + result.stderr
    assert all(line.startswith("No audio server or sound device was found") for line in lines)
    assert "microphone" in lines[0] and "speakers" in lines[1] and "`pam devices`" in lines[0]


def test_pam_devices_without_a_server_says_what_to_do() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pam", "devices"], env=DEAD_SERVER, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.startswith("pam: No audio server or sound device was found")
    assert len(result.stderr.strip().splitlines()) == 1


def test_devices_are_listed_with_the_defaults(pulse: PrivatePulse) -> None:
    devices = list_devices()
    assert sum(d.is_default_input for d in devices) == 1
    assert sum(d.is_default_output for d in devices) == 1
    assert pick_device("", "input") is None
    assert pick_device("PULSE", "output") == next(d.index for d in devices if d.name == "pulse")
    result = subprocess.run(
        [sys.executable, "-m", "pam", "devices", "--json"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and '"is_default_input": true' in result.stdout


def test_unknown_device_names_the_ones_that_exist(pulse: PrivatePulse) -> None:
    with pytest.raises(AudioError, match=r"No microphone named 'Blue Yeti'.*'pulse'") as err:
        MicCapture(SampleRing(4096), device="Blue Yeti").start()
    assert "audio.input_device" in str(err.value)
    with pytest.raises(AudioError, match=r"No speaker named 'HDMI 7'.*audio.output_device"):
        DevicePlayer(device="HDMI 7")
