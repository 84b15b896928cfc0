"""Generates the wake word data sets from the offline voices and turns them into features.

* ``train``: 2 s clips (one classifier window each) with "hey pam" ending 0-0.5 s before the window
  end (label 1), near-miss clips placed the same way, and windows from long streams of other speech,
  noise, hum, music and babble (label 0). Training voices and sentences only.
* ``dev``: training voices, fresh sentences and random draws: the threshold is chosen here.
* ``test``: held-out voices, sentences and near-miss words: the reported rates come from here.

Evaluation sets are long streams scored the way the runtime scores the microphone (80 ms chunks
through openWakeWord's streaming feature extractor), with the sample where each phrase ends.
Everything is cached under the cache dir, keyed by the plan; nothing generated is committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from pam import paths
from pam.wakeword import augment as aug
from pam.wakeword import phrases
from pam.wakeword.features import CHUNK, WINDOW, Embeddings, Features, windows
from pam.wakeword.voices import Split, Synthesizer, Voice, sample_voices, trim

log = logging.getLogger(__name__)

RATE = 16_000
DATA_VERSION = 2
"""bump when generation changes, so old caches are not reused"""
ITEM_SAMPLES = 3 * RATE
"""a training item: its 13 windows end between 2.03 s and 2.99 s into it"""
POSITIVE_OFFSETS = (0.0, 0.5)
"""a window is a positive if the phrase ended this many seconds before the window's end"""
CUT_OFFSET = -0.12
"""a window that ends more than this before the phrase ends hears it cut short: a negative"""
LEAD_IN = 2 * RATE
"""each evaluation item starts with this much background, so a full window precedes the phrase"""
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    name: str
    positives: int
    near_misses: int
    speech_minutes: float
    noise_minutes: float
    eval_positives: int
    eval_near_misses: int
    eval_speech_minutes: float
    eval_noise_minutes: float
    prose_minutes: float
    """extra negative speech read from ``phrases.prose_sentences`` (cached as its own part)"""
    dev_share: float = 0.5
    """the development set (threshold choice) is this fraction of the test set's size"""
    seed: int = 20_251_121

    def key(self) -> str:
        text = json.dumps({**asdict(self), "v": DATA_VERSION}, sort_keys=True)
        return f"{self.name}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


PLANS = {
    "tiny": Plan("tiny", 120, 120, 2, 1, 24, 16, 2, 1, 1, dev_share=1.0),
    "small": Plan("small", 1200, 1200, 40, 10, 150, 100, 10, 5, 30, dev_share=1.0),
    "full": Plan("full", 3000, 3000, 120, 30, 400, 300, 60, 30, 240),
}


@dataclass(frozen=True)
class TrainSet:
    x: Embeddings
    """(N, 16, 96) windows"""
    y: npt.NDArray[np.int8]
    kind: npt.NDArray[np.int8]
    """0 phrase, 1 near miss, 2 other speech, 3 background, 4 phrase cut short"""


@dataclass(frozen=True)
class Stream:
    """A long evaluation recording: its audio, runtime embeddings and the items spoken in it."""

    audio: npt.NDArray[np.int16]
    emb: Embeddings
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    """sample where each item's phrase starts / ends"""
    labels: tuple[str, ...]
    """the phrase text and voice of each item"""


@dataclass(frozen=True)
class EvalSet:
    positives: Stream
    near_misses: Stream
    unseen_near_misses: Stream
    negatives: Stream


NEAR_MISS_TEXTS = (*phrases.NEAR_MISS_TRAIN, *(f"hey, {c}" for c in phrases.CONTINUATIONS[::2]))
"""near misses plus "hey" followed by a request without the name"""
KINDS = ("phrase", "near_miss", "speech", "background", "cut_phrase")


class _Maker:
    """Generates audio for one split with one random generator."""

    def __init__(self, split: Split, rng: np.random.Generator, synth: Synthesizer, pool: ThreadPoolExecutor) -> None:
        self.split = split
        self.rng = rng
        self.synth = synth
        self.pool = pool
        self._speech: list[aug.Float] = []

    def say(self, texts: Sequence[str], n: int) -> list[tuple[aug.Float, str]]:
        """``n`` utterances of random ``texts`` by random voices of the split, trimmed, as float."""
        voices = sample_voices(self.split, n, self.rng)
        chosen = [str(self.rng.choice(list(texts))) for _ in range(n)]

        def one(job: tuple[Voice, str]) -> aug.Float:
            return aug.as_float(trim(self.synth.speak(*job)))

        audio = list(self.pool.map(one, zip(voices, chosen, strict=True)))
        return [(a, f"{t} | {v.describe()}") for a, t, v in zip(audio, chosen, voices, strict=True) if len(a) > 800]

    def speech_pool(self, n: int, sentences: Sequence[str] | None = None) -> list[aug.Float]:
        if not self._speech:
            sentences = sentences or phrases.general_sentences(held_out=self.split == "test")
            self._speech = [a for a, _ in self.say(sentences, n)]
        return self._speech

    def voice_fx(self, x: aug.Float) -> aug.Float:
        """Speaker and room variation: speed, reverb, microphone band, level."""
        if self.rng.random() < 0.35:
            x = aug.speed(x, float(self.rng.uniform(0.88, 1.12)))
        if self.rng.random() < 0.5:
            x = aug.reverb(x, self.rng)
        if self.rng.random() < 0.3:
            x = aug.band_limit(x, self.rng)
        return aug.to_level(x, float(self.rng.uniform(-35, -12)))

    def backdrop(self, x: aug.Float) -> aug.Float:
        """Adds a background at a random SNR (or a faint noise floor), sometimes clipping."""
        n = len(x)
        if self.rng.random() < 0.7:
            bg = aug.background(n, self.rng, self._speech)
            y = aug.mix_at_snr(x, bg, float(self.rng.uniform(0, 30))) if aug.rms(x) > 1e-4 else bg * 0.05
        else:
            y = x + aug.colored_noise(n, 1.0, self.rng) * 10 ** (self.rng.uniform(-75, -55) / 20)
        if self.rng.random() < 0.05:
            y = aug.clip(y * 4, 0.5)
        return y.astype(np.float32)

    def context(self) -> aug.Float | None:
        pool = self._speech
        return pool[int(self.rng.integers(len(pool)))] if pool and self.rng.random() < 0.4 else None

    def compose(self, phrase: aug.Float, length: int, end: int) -> aug.Float:
        """``phrase`` ending at sample ``end`` of a ``length`` clip, maybe with speech before/after."""
        out = np.zeros(length, dtype=np.float32)
        phrase = self.voice_fx(phrase)
        start = end - len(phrase)
        out[max(start, 0) : end] = phrase[max(0, -start) :]
        before = self.context()
        if before is not None:
            stop = start - int(self.rng.uniform(0.1, 0.6) * RATE)
            if stop > 0:
                seg = self.voice_fx(before)[-stop:]
                out[stop - len(seg) : stop] += seg
        after = self.context()
        if after is not None:
            begin = end + int(self.rng.uniform(0.05, 0.3) * RATE)
            if begin < length:
                seg = self.voice_fx(after)[: length - begin]
                out[begin : begin + len(seg)] += seg
        return self.backdrop(out)

    def items_for_training(self, texts: Sequence[str], n: int) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]]:
        """``n`` clips of ``ITEM_SAMPLES`` with a phrase ending at a random point of their last second,
        so their windows see it complete, cut short and absent; and where each phrase ends."""
        utterances = self.say(texts, max(1, n // 3))
        out = np.empty((n, ITEM_SAMPLES), dtype=np.int16)
        ends = self.rng.integers(int(1.95 * RATE), int(2.6 * RATE), size=n)
        for i in range(n):
            phrase = utterances[int(self.rng.integers(len(utterances)))][0]
            out[i] = _int16(self.compose(phrase, ITEM_SAMPLES, int(ends[i])))
        return out, ends.astype(np.int64)

    def other_audio(self, minutes: float, speech_share: float) -> list[tuple[aug.Float, bool]]:
        """10 s segments of sentences (with gaps) or of backgrounds alone; True marks speech."""
        seg = 10 * RATE
        out = []
        for _ in range(max(1, round(minutes * 6))):
            if self.rng.random() < speech_share:
                x = np.zeros(seg, dtype=np.float32)
                pos = int(self.rng.uniform(0, 1) * RATE)
                while pos < seg:
                    s = self.voice_fx(self._speech[int(self.rng.integers(len(self._speech)))])
                    take = min(len(s), seg - pos)
                    x[pos : pos + take] += s[:take]
                    pos += take + int(self.rng.uniform(0.1, 1.2) * RATE)
                out.append((self.backdrop(x), True))
            else:
                bg = aug.background(seg, self.rng, self._speech)
                out.append((aug.to_level(bg, float(self.rng.uniform(-55, -15))), False))
        return out

    def items(self, utterances: list[tuple[aug.Float, str]]) -> tuple[aug.Float, list[int], list[int], list[str]]:
        """One stream of lead-in background + phrase + up to 1.5 s after, per utterance."""
        parts, starts, ends, labels = [], [], [], []
        pos = 0
        for phrase, label in utterances:
            length = LEAD_IN + len(phrase) + int(1.5 * RATE)
            end = LEAD_IN + len(phrase)
            parts.append(self.compose(phrase, length, end))
            starts.append(pos + LEAD_IN)
            ends.append(pos + end)
            labels.append(label)
            pos += length
        return np.concatenate(parts), starts, ends, labels


def _int16(x: aug.Float) -> npt.NDArray[np.int16]:
    return np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)


def _rng(plan: Plan, part: str) -> np.random.Generator:
    return np.random.default_rng([plan.seed, int.from_bytes(part.encode(), "little") % (1 << 32)])


def cache_dir(plan: Plan) -> Path:
    return paths.cache_dir() / "wakeword" / plan.key()


def _save_stream(path: Path, s: Stream) -> None:
    np.savez(path, audio=s.audio, emb=s.emb, starts=s.starts, ends=s.ends, labels=np.array(s.labels))


def _load_stream(path: Path) -> Stream:
    with np.load(path) as z:
        return Stream(z["audio"], z["emb"], z["starts"], z["ends"], tuple(str(s) for s in z["labels"]))


class DataBuilder:
    def __init__(self, plan: Plan, progress: Progress | None = None, workers: int = 2) -> None:
        self.plan = plan
        self.dir = cache_dir(plan)
        self.progress = progress or (lambda msg: log.info(msg))
        self.workers = workers
        self._synth: Synthesizer | None = None
        self._features: Features | None = None

    @property
    def synth(self) -> Synthesizer:
        self._synth = self._synth or Synthesizer()
        return self._synth

    @property
    def features(self) -> Features:
        self._features = self._features or Features(ncpu=1)
        return self._features

    def train_set(self) -> TrainSet:
        """The phrase, near-miss and other-audio windows, plus the prose part (two cached files, so a
        change to one does not regenerate the other)."""
        base, prose = self._base_train_set(), self._prose_train_set()
        kind = np.concatenate([base.kind, prose.kind])
        return TrainSet(np.concatenate([base.x, prose.x]), (kind == 0).astype(np.int8), kind)

    def _cached(self, name: str, make: Callable[[], TrainSet]) -> TrainSet:
        path = self.dir / name
        if path.exists():
            with np.load(path) as z:
                return TrainSet(z["x"], z["y"], z["kind"])
        data = make()
        self.dir.mkdir(parents=True, exist_ok=True)
        np.savez(path, x=data.x, y=data.y, kind=data.kind)
        return data

    def _prose_train_set(self) -> TrainSet:
        def make() -> TrainSet:
            p = self.plan
            with ThreadPoolExecutor(self.workers) as pool:
                m = _Maker("train", _rng(p, "prose"), self.synth, pool)
                self.progress(f"train: {p.prose_minutes:g} min of prose")
                m.speech_pool(min(4000, max(40, int(p.prose_minutes * 17))), phrases.prose_sentences())
                x, kind = self._other_windows(m.other_audio(p.prose_minutes, 1.0))
            return TrainSet(x, np.zeros(len(kind), dtype=np.int8), kind)

        return self._cached("train-prose.npz", make)

    def _other_windows(self, other: list[tuple[aug.Float, bool]]) -> tuple[Embeddings, npt.NDArray[np.int8]]:
        parts, kinds = [], []
        for seg, is_speech in other:
            emb = self.features.embed_clips(_int16(seg)[None])[0]
            # background windows change slowly: every other one is enough
            parts.append(windows(emb, stride=1 if is_speech else 2))
            kinds.append(np.full(len(parts[-1]), 2 if is_speech else 3, dtype=np.int8))
        return np.concatenate(parts).astype(np.float32), np.concatenate(kinds)

    def _base_train_set(self) -> TrainSet:
        return self._cached("train.npz", self._make_base_train_set)

    def _make_base_train_set(self) -> TrainSet:
        p = self.plan
        with ThreadPoolExecutor(self.workers) as pool:
            m = _Maker("train", _rng(p, "train"), self.synth, pool)
            self.progress("train: synthesising sentences")
            m.speech_pool(min(1500, max(80, int(p.speech_minutes * 25))))
            self.progress(f"train: {p.positives} phrase items")
            pos_x, pos_k = self._item_windows(*m.items_for_training(phrases.POSITIVE, p.positives), positive=True)
            self.progress(f"train: {p.near_misses} near-miss items")
            near_x, near_k = self._item_windows(*m.items_for_training(NEAR_MISS_TEXTS, p.near_misses), positive=False)
            self.progress(f"train: {p.speech_minutes:g} min of speech, {p.noise_minutes:g} min of backgrounds")
            total = p.speech_minutes + p.noise_minutes
            other_x, other_k = self._other_windows(m.other_audio(total, p.speech_minutes / total))
        x = np.concatenate([pos_x, near_x, other_x]).astype(np.float32)
        kind = np.concatenate([pos_k, near_k, other_k]).astype(np.int8)
        return TrainSet(x, (kind == 0).astype(np.int8), kind)

    def _item_windows(
        self, clips: npt.NDArray[np.int16], ends: npt.NDArray[np.int64], positive: bool
    ) -> tuple[Embeddings, npt.NDArray[np.int8]]:
        """Every window of each training item, labelled by where it ends relative to the phrase end."""
        emb = self.features.embed_clips(clips)
        n = emb.shape[1]
        # window j ends (in runtime terms) 160 samples before the audio that made its last embedding
        win_end = ITEM_SAMPLES - 160 - (n - 1 - np.arange(WINDOW - 1, n)) * CHUNK
        xs, ks = [], []
        for e, end in zip(emb, ends, strict=True):
            offset = (win_end - end) / RATE
            w = windows(e)
            if not positive:
                xs.append(w)
                ks.append(np.ones(len(w), dtype=np.int8))
                continue
            done = (offset >= POSITIVE_OFFSETS[0]) & (offset <= POSITIVE_OFFSETS[1])
            cut = offset < CUT_OFFSET
            xs += [w[done], w[cut]]
            ks += [np.zeros(int(done.sum()), dtype=np.int8), np.full(int(cut.sum()), 4, dtype=np.int8)]
        return np.concatenate(xs), np.concatenate(ks)

    def eval_set(self, split: Split, name: str) -> EvalSet:
        """``name`` is "dev" (training voices) or "test" (held-out voices)."""
        files = {k: self.dir / f"{name}-{k}.npz" for k in ("pos", "near", "unseen", "neg")}
        if not all(f.exists() for f in files.values()):
            self._make_eval(split, name, files)
        s = {k: _load_stream(f) for k, f in files.items()}
        return EvalSet(s["pos"], s["near"], s["unseen"], s["neg"])

    def _make_eval(self, split: Split, name: str, files: dict[str, Path]) -> None:
        p = self.plan
        scale = p.dev_share if name == "dev" else 1.0
        self.dir.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(self.workers) as pool:
            m = _Maker(split, _rng(p, name), self.synth, pool)
            self.progress(f"{name}: synthesising sentences")
            m.speech_pool(min(1500, max(80, int(p.eval_speech_minutes * scale * 15))))
            jobs = {
                "pos": (phrases.POSITIVE, p.eval_positives),
                "near": (phrases.NEAR_MISS_LISTED, p.eval_near_misses),
                "unseen": (phrases.NEAR_MISS_UNSEEN, p.eval_near_misses // 2),
            }
            for key, (texts, count) in jobs.items():
                n = max(1, round(count * scale))
                self.progress(f"{name}: {n} {key} items")
                audio, starts, ends, labels = m.items(m.say(texts, n))
                self._finish_stream(files[key], audio, starts, ends, labels)
            speech, noise = p.eval_speech_minutes * scale, p.eval_noise_minutes * scale
            self.progress(f"{name}: {speech:g} + {noise:g} min of other audio")
            other = m.other_audio(speech + noise, speech / (speech + noise))
        lead = aug.colored_noise(LEAD_IN, 1.0, np.random.default_rng(0)) * 1e-3
        self._finish_stream(files["neg"], np.concatenate([lead, *(seg for seg, _ in other)]), [], [], [])

    def _finish_stream(
        self, path: Path, audio: aug.Float, starts: list[int], ends: list[int], labels: list[str]
    ) -> None:
        pcm = _int16(audio)
        pcm = pcm[: len(pcm) // CHUNK * CHUNK]
        emb = self.features.stream(pcm)
        _save_stream(path, Stream(pcm, emb, np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64),
                                  tuple(labels)))  # fmt: skip
