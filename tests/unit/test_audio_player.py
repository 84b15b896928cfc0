from __future__ import annotations

from pathlib import Path

import numpy as np

from pam.audio.convert import resample
from pam.audio.files import read_audio
from pam.audio.player import FilePlayer, Player


def test_resample_keeps_duration_and_clips_instead_of_wrapping() -> None:
    assert len(resample(np.zeros(22_050, dtype=np.int16), 22_050, 16_000)) == 16_000
    loud = np.full(100, 30_000, dtype=np.int16)
    assert resample(loud, 16_000, 16_000, gain=2.0).tolist() == [32_767] * 100
    same = np.arange(10, dtype=np.int16)
    assert resample(same, 16_000, 16_000) is not None and np.array_equal(resample(same, 16_000, 16_000), same)


def test_file_player_follows_the_player_protocol(tmp_path: Path) -> None:
    player: Player = FilePlayer()
    assert isinstance(player, FilePlayer)
    player.begin()
    player.play(np.ones(24_000, dtype=np.int16), 24_000)  # 1 s at 24 kHz
    assert player.played_ms() == 1000 and player.output_pos == 16_000 and not player.busy
    player.stop()
    player.play(np.ones(16_000, dtype=np.int16), 16_000)  # after a barge-in: dropped
    assert player.silent_at() == 16_000 and player.output_pos == 16_000
    player.begin()
    assert player.played_ms() == 0
    player.play(np.ones(8_000, dtype=np.int16), 16_000)
    assert player.played_ms() == 500 and player.silent_at() == 16_000
    player.write(tmp_path / "out.wav")
    assert len(read_audio(tmp_path / "out.wav")) == 24_000
