from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from pam.audio.files import FileSource, read_audio, write_wav
from pam.audio.ring import SampleRing
from pam.errors import InputFileError, PamError


def tone(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return 0.5 * np.sin(2 * np.pi * freq * t)


def dominant_hz(samples: np.ndarray, rate: int = 16_000) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


def test_any_rate_and_channel_count_comes_back_as_16k_mono(tmp_path: Path) -> None:
    stereo = np.stack([tone(440, 1.5, 44_100), tone(440, 1.5, 44_100)], axis=1)
    sf.write(tmp_path / "a.flac", stereo, 44_100)
    audio = read_audio(tmp_path / "a.flac")
    assert audio.dtype == np.int16 and audio.ndim == 1
    assert len(audio) == 24_000
    assert abs(dominant_hz(audio) - 440) < 2
    assert 15_000 < np.abs(audio).max() < 17_500


def test_write_then_read_is_exact(tmp_path: Path) -> None:
    samples = (np.arange(-8000, 8000) * 2).astype(np.int16)
    write_wav(tmp_path / "x.wav", samples, 16_000)
    assert np.array_equal(read_audio(tmp_path / "x.wav"), samples)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing.wav", None, "does not exist"),
        ("notes.wav", b"this is not audio at all", "Cannot read"),
        ("empty.wav", "empty", "contains no audio"),
    ],
)
def test_bad_files_give_one_sentence(tmp_path: Path, name: str, content: object, words: str) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "empty":
        write_wav(path, np.zeros(0, dtype=np.int16))
    with pytest.raises(InputFileError, match=words) as err:
        read_audio(path)
    assert "\n" not in str(err.value) and str(err.value).endswith(".")


def test_unwritable_path_gives_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(PamError, match="Cannot write"):
        write_wav(tmp_path / "no" / "such" / "dir.wav", np.zeros(10, dtype=np.int16))


def drain(source: FileSource, ring: SampleRing) -> tuple[int, np.ndarray]:
    parts = []
    first = None
    deadline = time.monotonic() + 30
    while not (source.done and ring.available() == 0):
        assert time.monotonic() < deadline
        got = ring.read(min(ring.available(), 320)) if ring.available() else None
        if got is None:
            time.sleep(0.001)
            continue
        first = got[0] if first is None else first
        parts.append(got[1])
    return int(first or 0), np.concatenate(parts)


def test_file_source_feeds_every_sample_then_silence_without_lapping_a_slow_reader() -> None:
    ring = SampleRing(1024)
    samples = np.arange(1, 20_001).astype(np.int16)
    with FileSource(ring, samples, realtime=False, tail_silence_ms=100) as source:
        first, got = drain(source, ring)
    assert first == 0 and source.end_sample == 20_000 + 1600
    assert np.array_equal(got[:20_000], samples) and not got[20_000:].any() and len(got) == 21_600
    assert ring.lost_samples == 0


def test_file_source_in_real_time_takes_as_long_as_the_audio() -> None:
    ring = SampleRing(1 << 15)
    t0 = time.monotonic()
    with FileSource(ring, np.ones(8000, dtype=np.int16), realtime=True, tail_silence_ms=0) as source:
        assert source.wait(5)
    assert time.monotonic() - t0 > 0.45
    assert ring.write_pos == 8000
