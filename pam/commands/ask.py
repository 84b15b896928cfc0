"""`pam ask "TEXT"`: one text turn through PAM's routing and tools, no audio.

The intent matcher answers common commands at once; anything else goes to the chosen engine
(the local LLM, or OpenAI Realtime with the local engine as fallback), which has the same tools.
"""

from __future__ import annotations

import argparse
import json
import queue
import time
from typing import Any

NAME = "ask"
HELP = "answer one typed request with PAM's tools (no microphone needed)"
ENGINE_MODES = {"local": "local", "realtime": "auto"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", help='what you would say, e.g. "I spent $40 on fuel"')
    parser.add_argument("--engine", choices=list(ENGINE_MODES), default="local", help="which engine answers")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the reply")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the engine")


def _ask_engine(app: Any, cfg: Any, tools: Any, text: str, mode: str, timeout: float) -> dict[str, Any]:
    """The engine's reply to ``text``: its words and the tool it used, if any."""
    from pam.assets import Assets
    from pam.engines.base import EngineDone, EngineEvent, EngineFailed, TextDelta, ToolCall, UserInput
    from pam.errors import PamError

    engine = app.build_engine(cfg, Assets(), mode, tools)
    events: queue.Queue[EngineEvent] = queue.Queue()
    try:
        engine.wait_ready(timeout)
        turn = engine.respond(UserInput(turn_id=1, text=text), events.put)
        turn.commit()
        reply: list[str] = []
        call: ToolCall | None = None
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = events.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise PamError(f"No answer within {timeout:.0f} s; run `pam doctor`.") from None
            match event:
                case TextDelta(text=delta):
                    reply.append(delta)
                case ToolCall():
                    call = event
                case EngineFailed(message=message):
                    reply = [message]
                    break
                case EngineDone():
                    break
        return {
            "engine": getattr(turn, "engine", "") or engine.name,
            "tool": call.name if call else None,
            "arguments": call.arguments if call else {},
            "result": call.result if call else None,
            "reply": "".join(reply).strip(),
        }
    finally:
        engine.close()


def run(args: argparse.Namespace) -> int:
    from pam import app
    from pam import config as config_module
    from pam.store import usage
    from pam.store.db import Store
    from pam.store.records import TurnRecord
    from pam.tools.router import answer

    cfg = config_module.load()
    store = Store(cfg.db_path())
    tools = app.build_tools(cfg, store)
    try:
        started = time.time()
        matched = answer(args.text, tools.registry, tools.context())
        if matched.tool is not None:
            out = {
                "engine": args.engine,
                "tool": matched.tool,
                "arguments": matched.arguments,
                "result": matched.result,
                "reply": matched.reply,
            }
            latencies = {"route_ms": matched.route_ms, "tool_ms": matched.tool_ms}
        else:
            out = _ask_engine(app, cfg, tools, args.text, ENGINE_MODES[args.engine], args.timeout)
            latencies = {"engine_ms": (time.time() - started) * 1000}
        ended = time.time()
        calls: tuple[dict[str, Any], ...] = ()
        if out["tool"]:
            ok = bool(out["result"] and out["result"].get("ok"))
            error = "" if ok else out["reply"]
            calls = ({"name": out["tool"], "arguments": out["arguments"], "result": out["result"], "error": error},)
        session = store.start_session(out["engine"])
        turn = TurnRecord(
            session_id=session,
            started_at=started,
            ended_at=ended,
            trigger="text",
            engine=out["engine"],
            transcript=args.text,
            reply=out["reply"],
            latencies=latencies,
            tool_calls=calls,
        )
        turn_id = store.save_turn(turn)
        store.end_session(session)
        usage.record(
            store, usage.UsageEvent(at=ended, engine=out["engine"], turn_id=turn_id, turns=1, tool_calls=len(calls))
        )
    finally:
        tools.registry.close()
        store.close()
    print(json.dumps(out) if args.json else out["reply"])
    return 0
