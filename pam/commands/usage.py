"""`pam usage`: what PAM did today, this month and ever, with the estimated cost by engine."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from typing import Any

from pam import config as config_module
from pam.store import usage
from pam.store.db import Store

NAME = "usage"
HELP = "show today's and this month's turns, voice minutes, tool calls and estimated cost"


def _days(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 3660:
        raise argparse.ArgumentTypeError("give a whole number of days from 0 to 3660")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--days", type=_days, default=0, metavar="N", help="also list the last N days, one per line")


def _line(label: str, t: dict[str, Any]) -> str:
    return (
        f"{label:<10} {t['turns']:>6} turns  {t['voice_minutes']:>7.1f} voice min  "
        f"{t['tool_calls']:>5} tool calls  {t['input_tokens'] + t['output_tokens']:>9} tokens  ${t['cost_usd']:.2f}"
    )


def run(args: argparse.Namespace) -> int:
    store = Store(config_module.load().db_path())
    try:
        today = date.today()
        data = usage.report(store, today)
        if args.days:
            first = today - timedelta(days=args.days - 1)
            data["daily"] = [{"day": d.day, **d.totals.__dict__} for d in usage.daily(store, first, today)]
    finally:
        store.close()
    if args.json:
        print(json.dumps(data))
        return 0
    for key, label in (("today", "Today"), ("month", "This month"), ("lifetime", "All time")):
        print(_line(label, data[key]["total"]))
        for engine, t in data[key]["by_engine"].items():
            print(_line(f"  {engine}", t))
    act = data["activity"]
    since = f" since {act['first_day']}" if act["first_day"] else ""
    print(
        f"Active days: {act['active_days']}{since}; {act['active_last_7']} of the last 7, "
        f"{act['active_last_30']} of the last 30; streak {act['streak']}."
    )
    for d in data.get("daily", []):
        print(_line(d["day"], d))
    return 0
