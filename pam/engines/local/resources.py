"""How the offline engine shares a small CPU: thread counts per model and the OpenMP wait policy.

The three models mostly run one after another (STT, then the LLM, then TTS clause by clause
while the LLM writes the next one). Each gets the cores it can use when it runs alone, except
Piper, which is faster on one thread and so leaves a core to the LLM while they overlap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MAX_AUTO_THREADS = 4  # small models stop scaling beyond this, and a laptop has other work to do


@dataclass(frozen=True)
class CpuPlan:
    stt_threads: int
    llm_threads: int
    tts_threads: int = 1


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_threads(cores: int, stt_threads: int = 0, llm_threads: int = 0) -> CpuPlan:
    """Thread counts for ``cores`` CPUs; an explicit count (> 0) wins over the automatic one."""
    auto = max(1, min(cores, MAX_AUTO_THREADS))
    return CpuPlan(stt_threads=stt_threads or auto, llm_threads=llm_threads or auto)


def quiet_idle_threads() -> None:
    """Let OpenMP worker threads sleep when idle instead of spinning on a core another model needs.

    OpenMP reads this once, when CTranslate2 or llama.cpp first start their thread pools, so it
    must run before either is imported. A value the user set is kept.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
