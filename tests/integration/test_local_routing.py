"""PAM's real tools behind the local engine's hook: routed while speculative, run once committed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pam.assets import Assets
from pam.config import ToolsConfig
from pam.engines.local.hooks import ToolQuery
from pam.engines.local.llm import LocalLlm
from pam.engines.local.normalize import normalize_numbers
from pam.engines.local.routing import LocalLlmRouter, registry_router
from pam.store.db import Store
from pam.tools.catalog import default_registry
from pam.tools.registry import Registry, ToolContext

NOW = datetime(2025, 7, 10, 9, 0, tzinfo=ZoneInfo("America/Denver"))


@pytest.fixture
def context(tmp_path: Path) -> Iterator[ToolContext]:
    store = Store(tmp_path / "pam.sqlite3")
    yield ToolContext(store, ToolsConfig(), lambda: NOW)
    store.close()


@pytest.fixture
def registry() -> Iterator[Registry]:
    tools = default_registry()
    yield tools
    tools.close()


def query(text: str, speculative: bool) -> ToolQuery:
    return ToolQuery(text=text, normalized=normalize_numbers(text), speculative=speculative)


def test_an_expense_is_only_routed_while_speculative_and_added_once_committed(
    registry: Registry, context: ToolContext
) -> None:
    route = registry_router(registry, lambda: context)
    text = "Add forty dollars for diesel."
    held = route(query(text, speculative=True))
    assert held is not None and held.needs_commit and not held.calls
    before = registry.call("spending", {}, context)
    assert before["ok"]
    outcome = route(query(text, speculative=False))
    assert outcome is not None and outcome.say and not outcome.needs_commit
    [call] = outcome.calls
    assert call.name == "add_expense" and call.error is None and call.result and call.result["ok"]
    assert "40" in outcome.say
    assert registry.call("spending", {}, context) != before


def test_small_talk_is_left_to_the_llm(registry: Registry, context: ToolContext) -> None:
    route = registry_router(registry, lambda: context)
    assert route(query("Tell me a joke about camping.", speculative=True)) is None
    assert route(query("Tell me a joke about camping.", speculative=False)) is None


@pytest.mark.models
def test_the_local_llm_fills_the_routing_schema(registry: Registry) -> None:
    llm = LocalLlm(Assets().path("llm_qwen05"), threads=2, context=2048, system_prompt="You are PAM.")
    try:
        router = LocalLlmRouter(lambda: llm)
        intent = router.route("start a timer for ten minutes", registry)
        assert intent is not None and intent.tool == "set_timer"
        assert router.route("tell me a joke", registry) is None
    finally:
        llm.close()
    assert LocalLlmRouter(lambda: None).route("start a timer", registry) is None
