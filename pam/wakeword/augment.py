"""Audio augmentation and synthetic backgrounds for wake word training. Pure numpy/scipy on float32
samples in [-1, 1] at 16 kHz; every random choice comes from the caller's ``Generator``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.signal import butter, fftconvolve, resample_poly, sosfilt

RATE = 16_000
Float = npt.NDArray[np.float32]


def as_float(audio: npt.NDArray[np.int16]) -> Float:
    return audio.astype(np.float32) / 32768.0


def rms(x: Float) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


def room_impulse(rng: np.random.Generator) -> Float:
    """A synthetic room: the direct path, a few early reflections and an exponentially decaying diffuse
    tail with RT60 between 0.15 and 0.9 s (no recorded impulse responses are installed here)."""
    rt60 = rng.uniform(0.15, 0.9)
    n = int(rt60 * RATE)
    t = np.arange(n) / RATE
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    # air and walls absorb highs faster than lows
    tail = sosfilt(butter(2, rng.uniform(2500, 7000), fs=RATE, output="sos"), tail)
    ir = tail * rng.uniform(0.05, 0.35)
    ir[0] = 1.0
    for _ in range(int(rng.integers(2, 6))):
        ir[int(rng.uniform(0.002, 0.03) * RATE)] += rng.uniform(0.2, 0.6) * rng.choice([-1, 1])
    return (ir / np.sqrt(np.sum(ir**2))).astype(np.float32)


def reverb(x: Float, rng: np.random.Generator) -> Float:
    y = fftconvolve(x, room_impulse(rng))[: len(x)]
    return (y * (rms(x) / rms(y))).astype(np.float32)


def speed(x: Float, factor: float) -> Float:
    """Resample so the clip plays ``factor`` times faster (pitch moves with it, as with tape)."""
    up = 100
    down = round(up * factor)
    return resample_poly(x, up, down).astype(np.float32)


def band_limit(x: Float, rng: np.random.Generator) -> Float:
    """A cheap microphone or a phone line: random high-pass and low-pass, or 8 kHz resampling."""
    if rng.random() < 0.3:
        return resample_poly(resample_poly(x, 1, 2), 2, 1)[: len(x)].astype(np.float32)
    low = rng.uniform(60, 400)
    high = rng.uniform(3000, 7600)
    return sosfilt(butter(2, [low, high], btype="band", fs=RATE, output="sos"), x).astype(np.float32)


def mix_at_snr(speech: Float, noise: Float, snr_db: float) -> Float:
    """``speech`` plus ``noise`` scaled so the speech is ``snr_db`` above it (noise tiles if short)."""
    if len(noise) < len(speech):
        noise = np.tile(noise, int(np.ceil(len(speech) / max(1, len(noise)))))
    noise = noise[: len(speech)]
    scale = rms(speech) / (rms(noise) * 10 ** (snr_db / 20))
    return (speech + noise * scale).astype(np.float32)


def to_level(x: Float, dbfs: float) -> Float:
    return (x * (10 ** (dbfs / 20) / rms(x))).astype(np.float32)


def clip(x: Float, ceiling: float) -> Float:
    return np.clip(x, -ceiling, ceiling).astype(np.float32)


# -- backgrounds --------------------------------------------------------------------------------------


def colored_noise(n: int, exponent: float, rng: np.random.Generator) -> Float:
    """Noise with power ∝ 1/f^exponent: 0 white, 1 pink, 2 brown."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    f[0] = f[1]
    y = np.fft.irfft(spec / f ** (exponent / 2), n)
    return (y / (np.abs(y).max() + 1e-9)).astype(np.float32)


def hum(n: int, rng: np.random.Generator) -> Float:
    """Mains hum or an engine/fan drone: a base frequency with harmonics, slowly wobbling."""
    base = rng.choice([50.0, 60.0, rng.uniform(80, 240)])
    t = np.arange(n) / RATE
    wobble = 1 + 0.01 * np.sin(2 * np.pi * rng.uniform(0.1, 1.0) * t)
    y = sum(rng.uniform(0.1, 1) / k * np.sin(2 * np.pi * base * k * t * wobble) for k in range(1, 8))
    y = y + 0.3 * colored_noise(n, 1.0, rng)
    return (y / (np.abs(y).max() + 1e-9)).astype(np.float32)


def music_like(n: int, rng: np.random.Generator) -> Float:
    """Notes of harmonic tones on a beat, with chords and noise-burst drums, as a stand-in for music."""
    out = np.zeros(n, dtype=np.float64)
    bpm = rng.uniform(70, 160)
    beat = int(RATE * 60 / bpm)
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    root = rng.uniform(100, 300)
    pos = 0
    while pos < n:
        length = beat * int(rng.choice([1, 1, 2]))
        t = np.arange(min(length, n - pos)) / RATE
        env = np.exp(-t * rng.uniform(2, 8))
        for _ in range(int(rng.integers(1, 4))):
            f = root * 2 ** ((scale[rng.integers(0, 7)] + 12 * rng.integers(-1, 2)) / 12)
            out[pos : pos + len(t)] += env * sum(np.sin(2 * np.pi * f * k * t) / k**1.5 for k in range(1, 6))
        if rng.random() < 0.6:  # drum
            d = min(int(0.08 * RATE), n - pos)
            out[pos : pos + d] += rng.standard_normal(d) * np.exp(-np.arange(d) / (0.015 * RATE)) * 0.8
        pos += length
    return (out / (np.abs(out).max() + 1e-9)).astype(np.float32)


def babble(clips: Sequence[Float], n: int, rng: np.random.Generator, voices: int = 4) -> Float:
    """Several speech clips talking over each other, like a room of people or a TV."""
    out = np.zeros(n, dtype=np.float32)
    for _ in range(voices):
        pos = 0
        while pos < n:
            c = clips[int(rng.integers(len(clips)))]
            take = min(len(c), n - pos)
            out[pos : pos + take] += c[:take] / (rms(c) + 1e-6) * 0.1
            pos += take + int(rng.integers(0, RATE // 2))
    return out


def background(n: int, rng: np.random.Generator, speech: Sequence[Float]) -> Float:
    """One random background of ``n`` samples at unit peak: noise, hum, music or babble."""
    kind = rng.choice(["white", "pink", "brown", "hum", "music", "babble"], p=[0.1, 0.2, 0.15, 0.15, 0.2, 0.2])
    if kind == "hum":
        y = hum(n, rng)
    elif kind == "music":
        y = music_like(n, rng)
    elif kind == "babble" and speech:
        y = babble(speech, n, rng)
    else:
        y = colored_noise(n, {"white": 0.0, "pink": 1.0, "brown": 2.0}.get(str(kind), 1.0), rng)
    return (y / (np.abs(y).max() + 1e-9)).astype(np.float32)
