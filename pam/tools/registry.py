"""The tool registry both engines use: typed arguments, validation, timeouts, errors as results.

Each tool's arguments are a pydantic model, the single source of truth: it validates what a model
(or the intent matcher) proposes, and its JSON schema is what OpenAI and the local LLM's grammar see.
A call never raises into the turn: bad arguments, a failing handler and a timeout all come back
as ``{"ok": False, "error": "<one sentence>"}``. A successful result carries ``"ok": True`` and a
short spoken ``"reply"`` so PAM can answer with no LLM at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from pam.config import ToolsConfig
from pam.errors import PamError
from pam.store.db import Store

log = logging.getLogger(__name__)


class Args(BaseModel):
    """Base for tool arguments: unknown keys are errors, so a model's typo is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolFailed(Exception):
    """A handler's way to say "cannot do that" in one sentence (unknown place, nothing to undo)."""


@dataclass(frozen=True)
class ToolContext:
    """What handlers may use. ``now`` returns an aware local datetime; tests pass a fixed one."""

    store: Store
    config: ToolsConfig
    now: Callable[[], datetime]
    online: bool = True  # False when the user said "go offline" or the router has no network


Handler = Callable[[ToolContext, Any], dict[str, Any]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[Args]
    handler: Handler
    timeout_s: float = 2.0
    needs_network: bool = False
    offline_error: str = ""  # what to say instead of calling it while offline

    def parameters(self) -> dict[str, Any]:
        """The arguments' JSON schema, without pydantic's titles (noise to a model)."""
        return _strip_titles(self.args.model_json_schema())


def _strip_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_titles(v) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node


def _validation_sentence(tool: str, err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    what = f"a bad {where}" if where else "bad arguments"
    return f"The {tool} tool got {what}: {msg[0].lower()}{msg[1:]}."


class Registry:
    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {t.name: t for t in tools}
        # handlers block on SQLite or HTTP; a pool lets a call be abandoned at its timeout
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="pam-tool")

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def call(self, name: str, arguments: dict[str, Any] | None, ctx: ToolContext) -> dict[str, Any]:
        """Validate and run one tool call; always returns a result dict (``ok`` true or false)."""
        tool = self._tools.get(name)
        if tool is None:
            return {"ok": False, "error": f"There is no tool called {name!r}."}
        if tool.needs_network and not ctx.online:
            return {"ok": False, "error": tool.offline_error or f"The {name} tool needs a connection."}
        try:
            args = tool.args.model_validate(arguments or {})
        except ValidationError as err:
            return {"ok": False, "error": _validation_sentence(name, err)}
        started = time.monotonic()
        future = self._pool.submit(tool.handler, ctx, args)
        try:
            result = future.result(timeout=tool.timeout_s)
        except FutureTimeout:
            return {"ok": False, "error": f"The {name} tool took longer than {tool.timeout_s:g} seconds."}
        except (ToolFailed, PamError) as err:
            return {"ok": False, "error": str(err)}
        except Exception as err:  # a tool bug must not end the turn
            log.exception("tool %s failed", name)
            return {"ok": False, "error": f"The {name} tool failed ({type(err).__name__}: {err})."}
        log.debug("tool %s ran in %.1f ms", name, (time.monotonic() - started) * 1000)
        return {"ok": True, **result}

    def openai_functions(self) -> list[dict[str, Any]]:
        """Function tools in the Realtime GA session format."""
        return [
            {"type": "function", "name": t.name, "description": t.description, "parameters": t.parameters()}
            for t in self._tools.values()
        ]

    def routing_schema(self) -> dict[str, Any]:
        """One JSON schema a grammar-constrained LLM fills: a tool name with its arguments, or none.

        ``{"tool": "add_expense", "arguments": {...}}`` or ``{"tool": "none", "arguments": {}}``.
        """
        options: list[dict[str, Any]] = [
            {
                "type": "object",
                "properties": {"tool": {"const": t.name}, "arguments": t.parameters()},
                "required": ["tool", "arguments"],
                "additionalProperties": False,
            }
            for t in self._tools.values()
        ]
        options.append(
            {
                "type": "object",
                "properties": {"tool": {"const": "none"}, "arguments": {"type": "object", "maxProperties": 0}},
                "required": ["tool", "arguments"],
                "additionalProperties": False,
            }
        )
        return {"oneOf": options}

    def routing_prompt(self) -> str:
        """A compact tool list for the local LLM's system prompt (one line per tool)."""
        lines = []
        for t in self._tools.values():
            props = t.parameters().get("properties", {})
            lines.append(f"- {t.name}({', '.join(props)}): {t.description}")
        return "\n".join(lines)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
