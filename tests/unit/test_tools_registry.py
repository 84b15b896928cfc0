"""The registry: validation before handlers, errors as results, timeouts, OpenAI and LLM schemas."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import Field

from pam.config import ToolsConfig
from pam.store.db import Store
from pam.tools.catalog import default_registry
from pam.tools.registry import Args, Registry, Tool, ToolContext

NOW = datetime(2025, 7, 10, 9, 0, tzinfo=ZoneInfo("America/Denver"))


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ToolContext]:
    store = Store(tmp_path / "pam.sqlite3")
    yield ToolContext(store, ToolsConfig(), lambda: NOW)
    store.close()


class Echo(Args):
    word: str = Field(min_length=1)
    times: int = Field(1, ge=1, le=3)


def _echo(ctx: ToolContext, args: Echo) -> dict[str, Any]:
    return {"reply": " ".join([args.word] * args.times)}


def _slow(ctx: ToolContext, args: Echo) -> dict[str, Any]:
    time.sleep(1.0)
    return {"reply": "late"}


def _broken(ctx: ToolContext, args: Echo) -> dict[str, Any]:
    raise KeyError("boom")


def _registry() -> Registry:
    return Registry(
        [
            Tool("echo", "Say a word.", Echo, _echo),
            Tool("slow", "Too slow.", Echo, _slow, timeout_s=0.1),
            Tool("broken", "Always fails.", Echo, _broken),
            Tool("online_only", "Needs the net.", Echo, _echo, needs_network=True, offline_error="No net, sorry."),
        ]
    )


def test_valid_call_returns_ok_and_reply(ctx: ToolContext) -> None:
    assert _registry().call("echo", {"word": "hi", "times": 2}, ctx) == {"ok": True, "reply": "hi hi"}


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"word": "hi", "times": "many"}, "times"),
        ({"word": ""}, "word"),
        ({"word": "hi", "times": 9}, "times"),
        ({"word": "hi", "colour": "red"}, "colour"),
        ({}, "word"),
    ],
)
def test_bad_arguments_are_one_sentence_results(ctx: ToolContext, arguments: dict[str, Any], fragment: str) -> None:
    result = _registry().call("echo", arguments, ctx)
    assert result["ok"] is False
    assert fragment in result["error"] and result["error"].endswith(".")


def test_handler_errors_timeouts_and_unknown_tools_never_raise(ctx: ToolContext) -> None:
    registry = _registry()
    assert "KeyError" in registry.call("broken", {"word": "x"}, ctx)["error"]
    started = time.monotonic()
    assert "longer than 0.1 seconds" in registry.call("slow", {"word": "x"}, ctx)["error"]
    assert time.monotonic() - started < 0.9
    assert registry.call("nope", {}, ctx) == {"ok": False, "error": "There is no tool called 'nope'."}


def test_network_tools_say_their_offline_sentence(ctx: ToolContext) -> None:
    offline = ToolContext(ctx.store, ctx.config, ctx.now, online=False)
    assert _registry().call("online_only", {"word": "x"}, offline) == {"ok": False, "error": "No net, sorry."}


def test_openai_function_definitions_follow_the_realtime_format() -> None:
    functions = default_registry().openai_functions()
    names = [f["name"] for f in functions]
    assert {"add_expense", "route", "set_timer", "add_note", "weather", "conversation_control"} <= set(names)
    for f in functions:
        assert f["type"] == "function" and f["description"]
        params = f["parameters"]
        assert params["type"] == "object" and params["additionalProperties"] is False
        assert '"title"' not in json.dumps(params)
    expense = next(f for f in functions if f["name"] == "add_expense")["parameters"]
    assert expense["required"] == ["amount"]
    assert "fuel" in expense["properties"]["category"]["enum"]


def test_routing_schema_offers_every_tool_and_none() -> None:
    registry = default_registry()
    options = registry.routing_schema()["oneOf"]
    consts = [o["properties"]["tool"]["const"] for o in options]
    assert consts == [*registry.names, "none"]
    assert all(name in registry.routing_prompt() for name in registry.names)
