"""`pam export [DIR]`: the user's own data as files they can keep (CSV and JSON)."""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pam import config as config_module
from pam.errors import InputFileError
from pam.store import userdata
from pam.store.db import Store

NAME = "export"
HELP = "write your expenses (CSV), places and trip stops, notes, reminders and conversations (JSON) to a folder"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", default="pam-export", help="folder to write (default: ./pam-export)")


def _conversations(store: Store) -> list[dict[str, Any]]:
    turns = userdata.turns(store)
    calls: dict[int, list[dict[str, Any]]] = {}
    for call in store.read("SELECT * FROM tool_calls ORDER BY id"):
        call["arguments"] = json.loads(call["arguments"] or "{}")
        call["result"] = json.loads(call["result"] or "null")
        calls.setdefault(call.pop("turn_id"), []).append(call)
    for turn in turns:
        turn["states"] = json.loads(turn["states"] or "[]")
        turn["latencies"] = json.loads(turn["latencies"] or "{}")
        turn["interrupted"] = bool(turn["interrupted"])
        turn["tool_calls"] = calls.get(turn["id"], [])
    return turns


def export(store: Store, folder: Path) -> list[Path]:
    """Write every file; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    path = folder / "expenses.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["date", "amount", "currency", "category", "note"])
        for e in userdata.expenses(store):
            out.writerow([e.day, f"{e.amount:.2f}", e.currency, e.category, e.note])
    written.append(path)
    documents: dict[str, Any] = {
        "trips.json": {
            "places": [asdict(p) for p in userdata.saved_places(store)],
            "stops": [asdict(s) for s in userdata.stops(store)],
        },
        "notes.json": [asdict(n) for n in userdata.notes(store)][::-1],
        "reminders.json": [asdict(r) for r in userdata.pending_reminders(store)],
        "conversations.json": _conversations(store),
    }
    for name, document in documents.items():
        path = folder / name
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    store = Store(config_module.load().db_path())
    try:
        written = export(store, Path(args.dir))
    except OSError as err:
        raise InputFileError(f"Cannot write to {args.dir} ({err.strerror}); choose another folder.") from err
    finally:
        store.close()
    for path in written:
        print(path)
    return 0
