"""`pam wakeword enroll` through the real audio path: a private PulseAudio's virtual microphone hears
"hey pam" (Piper), the takes are scored with the shipped model and the threshold is fitted."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from pam import cli, paths
from pam.audio.testing_pulse import PrivatePulse
from pam.wakeword import enroll
from pam.wakeword.voices import Synthesizer, Voice

pytestmark = [pytest.mark.e2e, pytest.mark.models]
RATE = 16_000


@pytest.fixture(scope="module")
def phrase_loop() -> np.ndarray:
    """ "Hey Pam!" every 1.5 s for 30 s, so every take of a few seconds hears it whole at least once."""
    voice = Synthesizer().speak(Voice("piper", "joe"), "Hey Pam!")
    period = np.zeros(int(1.5 * RATE), dtype=np.int16)
    period[: len(voice)] = voice[: len(period)]
    return np.tile(period, 20)


def test_record_takes_hears_the_virtual_microphone(pulse: PrivatePulse, phrase_loop: np.ndarray) -> None:
    feeding = []
    takes = enroll.record_takes(2, 2.0, prompt=lambda i: feeding.append(pulse.feed(phrase_loop)) if i == 0 else None)
    for proc in feeding:
        proc.kill()
        proc.wait()
    assert [len(t) for t in takes] == [2 * RATE, 2 * RATE]
    assert all(np.abs(t.astype(np.int32)).max() > 3000 for t in takes), "the phrase reached the takes"


def test_enroll_cli_fits_and_saves_the_threshold(
    pulse: PrivatePulse,
    phrase_loop: np.ndarray,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PAM_HOME", str(tmp_path))
    player = pulse.feed(phrase_loop)
    try:
        assert cli.main(["wakeword", "enroll", "--takes", "3", "--seconds", "3", "--json"]) == 0
    finally:
        player.kill()
        player.wait()
    out = json.loads(capsys.readouterr().out)
    assert len(out["peaks"]) == 3 and out["saved"]
    assert all(p > out["floor"] for p in out["peaks"]), "the shipped model knows this voice"
    assert out["floor"] <= out["threshold"] <= enroll.CEILING
    assert all(Path(p).is_file() for p in out["takes"])
    saved = tomllib.loads(paths.config_file().read_text())
    assert saved["wake"]["model"] == "hey_pam" and saved["wake"]["threshold"] == out["threshold"]
