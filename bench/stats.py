"""The one way benchmarks summarise a sample: median, 95th percentile and count."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def summary(values: Sequence[float]) -> dict[str, float | int]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "n": 0}
    arr = np.asarray(values, dtype=float)
    return {"p50": round(float(np.median(arr)), 1), "p95": round(float(np.percentile(arr, 95)), 1), "n": len(arr)}
