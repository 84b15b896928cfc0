"""PAM's tools behind the local engine's ``ToolRouter`` hook, and the local LLM as a tool router.

``LocalLlmRouter`` is the second stage of ``pam.tools.router.route`` (after the deterministic
intent matcher): the loaded Qwen fills ``Registry.routing_schema()`` as grammar-constrained JSON
on its side slot, so the conversation's KV cache stays warm.

``registry_router`` makes the hook: a speculative query is only routed (no tool runs; a match
asks the engine to wait for the commit), a committed one runs the tool and PAM speaks the tool's
own reply, so facts come from PAM's data and never from the model.
"""

from __future__ import annotations

from collections.abc import Callable

from pam.engines.base import ToolCall
from pam.engines.local.hooks import ToolOutcome, ToolQuery, ToolRouter
from pam.engines.local.llm import LocalLlm
from pam.tools import router
from pam.tools.intents import Intent
from pam.tools.registry import Registry, ToolContext

ROUTING_INSTRUCTIONS = (
    "You pick which of PAM's tools handles a spoken request and fill in its arguments. "
    'Answer with JSON only. When no tool fits (small talk, general questions), answer {"tool": "none", '
    '"arguments": {}}.\nTools:\n'
)
ROUTING_MAX_TOKENS = 128


class LocalLlmRouter:
    """``pam.tools.router.LlmRouter`` on the local engine's LLM (None until it has loaded)."""

    def __init__(self, llm: Callable[[], LocalLlm | None]) -> None:
        self._llm = llm

    def route(self, text: str, registry: Registry) -> Intent | None:
        llm = self._llm()
        if llm is None:
            return None
        messages = [
            {"role": "system", "content": ROUTING_INSTRUCTIONS + registry.routing_prompt()},
            {"role": "user", "content": text},
        ]
        value = llm.complete_json(messages, registry.routing_schema(), ROUTING_MAX_TOKENS)
        tool = value.get("tool") if isinstance(value, dict) else None
        if not isinstance(tool, str) or tool == "none" or registry.get(tool) is None:
            return None
        arguments = value.get("arguments")
        return Intent(tool, dict(arguments) if isinstance(arguments, dict) else {})


def registry_router(
    registry: Registry, context: Callable[[], ToolContext], llm: router.LlmRouter | None = None
) -> ToolRouter:
    """The engine's hook over ``registry``; ``context`` gives the ToolContext for each call."""

    def route(query: ToolQuery) -> ToolOutcome | None:
        if query.speculative:
            # routing is pure; running the tool (adding an expense...) must wait for the commit
            matched = router.route(query.text, registry, llm).intent is not None
            return ToolOutcome(needs_commit=True) if matched else None
        answer = router.answer(query.text, registry, context(), llm)
        if answer.tool is None:
            return None
        ok = bool(answer.result and answer.result.get("ok"))
        call = ToolCall(
            turn_id=0,
            name=answer.tool,
            arguments=answer.arguments,
            result=answer.result if ok else None,
            error=None if ok else answer.reply,
        )
        return ToolOutcome(say=answer.reply, calls=(call,))

    return route
