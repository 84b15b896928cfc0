"""The wake word detector with the real openWakeWord models (stand-in "hey jarvis")."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pam.assets import Assets
from pam.audio.files import read_audio
from pam.config import Config, WakeConfig
from pam.errors import ModelError
from pam.listen.endpointer import FRAME_SAMPLES
from pam.listen.events import WakeDetected
from pam.listen.listener import Listener
from pam.listen.wakeword import CHUNK_SAMPLES, WakeWordDetector

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def hey_jarvis(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    path = tmp_path_factory.mktemp("wake") / "hey_jarvis.wav"
    subprocess.run(["espeak-ng", "-w", str(path), "hey jarvis, what's the weather"], check=True)
    return read_audio(path)


def room(seconds: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(seconds * 16000)) * 60  # about -55 dBFS


def wakes(audio: np.ndarray, detector: WakeWordDetector | None = None) -> list[WakeDetected]:
    listener = Listener(Config(), detector or WakeWordDetector.from_config(WakeConfig()))
    audio = np.clip(audio, -32768, 32767).astype(np.int16)
    audio = audio[: len(audio) // CHUNK_SAMPLES * CHUNK_SAMPLES]
    found = []
    for start in range(0, len(audio), FRAME_SAMPLES):
        found += [
            e for e in listener.process(start, audio[start : start + FRAME_SAMPLES]) if isinstance(e, WakeDetected)
        ]
    return found


@pytest.mark.parametrize("offset", range(0, CHUNK_SAMPLES, 320))
def test_one_detection_wherever_the_phrase_falls_on_the_80_ms_grid(hey_jarvis: np.ndarray, offset: int) -> None:
    lead = 32000 + offset
    audio = room(6, seed=offset)
    audio[lead : lead + len(hey_jarvis)] += hey_jarvis
    found = wakes(audio)
    assert len(found) == 1
    assert found[0].model == "hey_jarvis" and found[0].score >= 0.5
    # the sample is the end of the 80 ms chunk that fired, during or just after the phrase
    assert found[0].sample % CHUNK_SAMPLES == 0
    assert lead < found[0].sample < lead + 16000 * 1.5


def test_each_of_two_wake_phrases_is_detected_once(hey_jarvis: np.ndarray) -> None:
    audio = room(10, seed=1)
    for lead in (16000, 16000 * 5):
        audio[lead : lead + len(hey_jarvis)] += hey_jarvis
    found = wakes(audio)
    assert len(found) == 2
    assert found[0].sample < 16000 * 3 < found[1].sample


def test_detection_is_repeatable(hey_jarvis: np.ndarray) -> None:
    audio = np.concatenate([hey_jarvis, np.zeros(16000)])
    assert wakes(audio) == wakes(audio)


def test_onnx_sessions_are_single_threaded() -> None:
    detector = WakeWordDetector.from_config(WakeConfig())
    model = detector._model
    sessions = [model.preprocessor.melspec_model, model.preprocessor.embedding_model, *model.models.values()]
    for session in sessions:
        options = session.get_session_options()
        assert options.intra_op_num_threads == 1 and options.inter_op_num_threads == 1


def test_a_path_to_an_onnx_classifier_works(hey_jarvis: np.ndarray, tmp_path: Path) -> None:
    model = tmp_path / "my_wake_word.onnx"
    shutil.copy(Assets().path("hey_jarvis"), model)
    detector = WakeWordDetector.from_config(WakeConfig(model=str(model)))
    found = wakes(np.concatenate([hey_jarvis, np.zeros(16000)]), detector)
    assert [w.model for w in found] == ["my_wake_word"]


@pytest.mark.parametrize("spec", ["hey_pam_v9", "/nonexistent/model.onnx"])
def test_unknown_wake_models_are_one_clear_sentence(spec: str) -> None:
    with pytest.raises(ModelError, match=r"^Wake word model .* set \[wake\] model to") as err:
        WakeWordDetector.from_config(WakeConfig(model=spec))
    assert "\n" not in str(err.value)


def test_a_file_that_is_not_a_model_is_reported(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.onnx"
    bogus.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="Cannot load wake word model"):
        WakeWordDetector.from_config(WakeConfig(model=str(bogus)))


def test_an_onnx_model_that_is_no_wake_word_classifier_is_reported(tmp_path: Path) -> None:
    other = tmp_path / "melspectrogram.onnx"
    shutil.copy(Assets().path("wake_melspectrogram"), other)
    with pytest.raises(ModelError, match="not an openWakeWord classifier"):
        WakeWordDetector.from_config(WakeConfig(model=str(other)))
