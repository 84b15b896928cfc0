"""The online engine (OpenAI Realtime). ``build_engine`` is what the app calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pam import secrets
from pam.config import RealtimeConfig
from pam.engines.realtime.engine import RealtimeEngine, ToolRunner

__all__ = ["RealtimeEngine", "ToolRunner", "build_engine"]


def build_engine(
    config: RealtimeConfig,
    *,
    tools: Sequence[dict[str, Any]] = (),
    run_tool: ToolRunner | None = None,
    environ: Mapping[str, str] | None = None,
) -> RealtimeEngine | None:
    """The online engine with the user's key, or None when no key is set (the router then goes local)."""
    key = secrets.api_key(environ)
    return None if key is None else RealtimeEngine(config, key, tools=tools, run_tool=run_tool)
