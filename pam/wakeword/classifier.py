"""The "hey pam" classifier: a small MLP over one window of 16 × 96 openWakeWord embeddings, trained
with scikit-learn and exported as the ONNX classifier openWakeWord 0.5.1 loads (input
``[batch, 16, 96]`` float32, output ``[batch, 1]`` score in 0..1)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pam.wakeword.features import EMBED_DIM, WINDOW, Embeddings
from pam.wakeword.onnx_writer import Node, model_bytes

INPUT = "embeddings"
OUTPUT = "score"


@dataclass(frozen=True)
class TrainConfig:
    hidden: tuple[int, ...] = (32,)
    epochs: int = 25
    hard_epochs: int = 10
    alpha: float = 0.1
    negative_weight: float = 20.0
    """negatives outweigh positives this much in total: a false accept costs more than a miss"""
    near_miss_weight: float = 2.0
    hard_weight: float = 5.0
    """extra weight of the negatives the first pass scored above ``hard_score``"""
    hard_score: float = 0.1
    seed: int = 7


def _weights(y: npt.NDArray[np.int8], kind: npt.NDArray[np.int8], cfg: TrainConfig) -> npt.NDArray[np.float64]:
    w = np.ones(len(y))
    w[kind == 1] = cfg.near_miss_weight
    w[kind == 4] = cfg.near_miss_weight
    pos, neg = y == 1, y == 0
    w[pos] *= len(y) / (2 * pos.sum())
    w[neg] *= cfg.negative_weight * len(y) / (2 * w[neg].sum())
    return w


def train(x: Embeddings, y: npt.NDArray[np.int8], kind: npt.NDArray[np.int8], cfg: TrainConfig | None = None) -> Any:
    """Fits the MLP (two passes: all data, then again with the hardest negatives weighted up).
    Returns (mlp, mean, std) of the flattened standardised input."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    cfg = cfg or TrainConfig()

    flat = x.reshape(len(x), -1)
    mean = flat.mean(axis=0)
    std = flat.std(axis=0) + 1e-3
    z = (flat - mean) / std
    w = _weights(y, kind, cfg)
    mlp = MLPClassifier(
        hidden_layer_sizes=cfg.hidden, alpha=cfg.alpha, batch_size=256, learning_rate_init=1e-3,
        max_iter=cfg.epochs, random_state=cfg.seed, shuffle=True, warm_start=True,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(z, y, sample_weight=w)
        if cfg.hard_epochs:
            hard = (y == 0) & (mlp.predict_proba(z)[:, 1] > cfg.hard_score)
            w[hard] *= cfg.hard_weight
            mlp.max_iter = cfg.hard_epochs
            mlp.fit(z, y, sample_weight=w)
    return mlp, mean.astype(np.float32), std.astype(np.float32)


def to_onnx(trained: Any, metadata: Mapping[str, str]) -> bytes:
    """The MLP as ONNX, with the input standardisation folded into the first layer."""
    mlp, mean, std = trained
    weights: dict[str, npt.NDArray[np.float32]] = {}
    nodes = [Node("Flatten", (INPUT,), "flat", {"axis": 1})]
    prev = "flat"
    n_layers = len(mlp.coefs_)
    for i, (coef, bias) in enumerate(zip(mlp.coefs_, mlp.intercepts_, strict=True)):
        coef = np.asarray(coef, dtype=np.float64)
        bias = np.asarray(bias, dtype=np.float64)
        if i == 0:
            bias = bias - (mean / std) @ coef
            coef = coef / std[:, None]
        weights[f"w{i}"] = coef.astype(np.float32)
        weights[f"b{i}"] = bias.astype(np.float32)
        nodes.append(Node("Gemm", (prev, f"w{i}", f"b{i}"), f"z{i}"))
        act = "Sigmoid" if i == n_layers - 1 else "Relu"
        out = OUTPUT if i == n_layers - 1 else f"h{i}"
        nodes.append(Node(act, (f"z{i}",), out))
        prev = out
    return model_bytes(
        nodes, weights, {INPUT: ["batch", WINDOW, EMBED_DIM]}, {OUTPUT: ["batch", 1]}, metadata, name="hey_pam"
    )


class OnnxScorer:
    """Scores windows with an exported classifier through onnxruntime (one thread), exactly as at run time."""

    def __init__(self, model: bytes | Path) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        source = str(model) if isinstance(model, Path) else model
        self.session = ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map)

    def windows(self, x: Embeddings, batch: int = 4096) -> npt.NDArray[np.float32]:
        out = [self.session.run(None, {self.input: x[i : i + batch]})[0][:, 0] for i in range(0, len(x), batch)]
        return np.concatenate(out).astype(np.float32) if out else np.zeros(0, dtype=np.float32)

    def stream(self, emb: Embeddings) -> npt.NDArray[np.float32]:
        """Per-chunk scores of a stream's runtime embeddings (0 until a full window exists)."""
        from pam.wakeword.features import windows

        scores = np.zeros(len(emb), dtype=np.float32)
        scores[WINDOW - 1 :] = self.windows(windows(emb))
        return scores

    def default_threshold(self, fallback: float = 0.5) -> float:
        return float(self.metadata.get("pam.threshold", fallback))

    def curve(self) -> list[dict[str, float]]:
        data: list[dict[str, float]] = json.loads(self.metadata.get("pam.curve", "[]"))
        return data
