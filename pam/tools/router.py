"""One text turn through PAM's tools: the intent matcher first, then (when wired) the LLM, then the tool.

`answer` is what `pam ask` runs and what an engine can run on a final transcript. The LLM seam is
`LlmRouter`: the local engine supplies one that fills `Registry.routing_schema()` with
grammar-constrained JSON; with none, text the matcher declines gets no tool and a plain reply.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from pam.tools import intents
from pam.tools.intents import Intent
from pam.tools.registry import Registry, ToolContext

NO_ROUTE = "I can't help with that without the language model yet."


class LlmRouter(Protocol):
    def route(self, text: str, registry: Registry) -> Intent | None:
        """The tool call for ``text`` (None: no tool fits, answer in words)."""


@dataclass(frozen=True)
class Routed:
    intent: Intent | None
    source: str  # "matcher" | "llm" | "none"
    ms: float


def route(text: str, registry: Registry, llm: LlmRouter | None = None) -> Routed:
    started = time.perf_counter()
    intent = intents.match(text)
    if intent is not None and registry.get(intent.tool):
        return Routed(intent, "matcher", (time.perf_counter() - started) * 1000)
    if llm is not None:
        intent = llm.route(text, registry)
        if intent is not None:
            return Routed(intent, "llm", (time.perf_counter() - started) * 1000)
    return Routed(None, "none", (time.perf_counter() - started) * 1000)


@dataclass(frozen=True)
class Answer:
    tool: str | None
    arguments: dict[str, Any]
    result: dict[str, Any] | None
    reply: str
    source: str
    route_ms: float
    tool_ms: float


def answer(text: str, registry: Registry, ctx: ToolContext, llm: LlmRouter | None = None) -> Answer:
    """Route ``text``, run the tool and phrase the reply (the tool's own sentence, or its error)."""
    routed = route(text, registry, llm)
    if routed.intent is None:
        return Answer(None, {}, None, NO_ROUTE, routed.source, routed.ms, 0.0)
    started = time.perf_counter()
    result = registry.call(routed.intent.tool, routed.intent.arguments, ctx)
    tool_ms = (time.perf_counter() - started) * 1000
    reply = str(result.get("reply", "")) if result["ok"] else str(result["error"])
    return Answer(routed.intent.tool, dict(routed.intent.arguments), result, reply, routed.source, routed.ms, tool_ms)
