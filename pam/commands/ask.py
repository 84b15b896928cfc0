"""`pam ask "TEXT"`: one text turn through PAM's routing and tools, no audio."""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from typing import Any

from pam import config as config_module
from pam.store import usage
from pam.store.db import Store
from pam.store.records import TurnRecord
from pam.tools.catalog import default_registry
from pam.tools.registry import ToolContext
from pam.tools.router import answer

NAME = "ask"
HELP = "answer one typed request with PAM's tools (no microphone needed)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", help='what you would say, e.g. "I spent $40 on fuel"')
    parser.add_argument("--engine", choices=["local", "realtime"], default="local", help="which engine answers")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the reply")


def run(args: argparse.Namespace) -> int:
    cfg = config_module.load()
    store = Store(cfg.db_path())
    registry = default_registry()
    try:
        started = time.time()
        ctx = ToolContext(store=store, config=cfg.tools, now=lambda: datetime.now().astimezone())
        result = answer(args.text, registry, ctx)
        ended = time.time()
        calls: tuple[dict[str, Any], ...] = ()
        if result.tool:
            error = "" if result.result and result.result["ok"] else result.reply
            calls = (
                {
                    "name": result.tool,
                    "arguments": result.arguments,
                    "result": result.result,
                    "error": error,
                    "ms": result.tool_ms,
                },
            )
        session = store.start_session(args.engine)
        turn = TurnRecord(
            session_id=session,
            started_at=started,
            ended_at=ended,
            trigger="text",
            engine=args.engine,
            transcript=args.text,
            reply=result.reply,
            latencies={"route_ms": result.route_ms, "tool_ms": result.tool_ms},
            tool_calls=calls,
        )
        turn_id = store.save_turn(turn)
        store.end_session(session)
        usage.record(
            store, usage.UsageEvent(at=ended, engine=args.engine, turn_id=turn_id, turns=1, tool_calls=len(calls))
        )
    finally:
        registry.close()
        store.close()
    if args.json:
        out = {
            "engine": args.engine,
            "tool": result.tool,
            "arguments": result.arguments,
            "result": result.result,
            "reply": result.reply,
        }
        print(json.dumps(out))
    else:
        print(result.reply)
    return 0
