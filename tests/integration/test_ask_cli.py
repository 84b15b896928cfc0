"""`pam ask`, `pam usage` and `pam export` through the real CLI in a subprocess, on a temp PAM_HOME."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def pam(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAM_HOME": str(home), "PAM_TOOLS_HOME": "Moab, UT", "PAM_TOOLS_MONTHLY_BUDGET": "1500"}
    env.pop("PAM_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "pam", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def ask(home: Path, text: str, *extra: str) -> dict[str, Any]:
    done = pam(home, "ask", text, "--json", *extra)
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    assert set(out) == {"engine", "tool", "arguments", "result", "reply"}
    return out


def test_ask_runs_tools_and_keeps_the_data(tmp_path: Path) -> None:
    logged = ask(tmp_path, "I spent forty dollars on gas")
    assert logged["engine"] == "local" and logged["tool"] == "add_expense"
    assert logged["arguments"] == {"amount": 40.0, "category": "fuel"}
    assert logged["result"]["ok"] is True and logged["reply"] == "Logged $40 for fuel."
    assert ask(tmp_path, "twelve fifty for lunch")["reply"] == "Logged $12.50 for dining."
    assert ask(tmp_path, "how much budget do I have left")["result"]["remaining"] == 1447.5
    route = ask(tmp_path, "how far is it to Denver", "--engine", "realtime")
    assert route["engine"] == "realtime" and route["result"]["origin"] == "Moab, UT"
    assert ask(tmp_path, "remember that the water pump fuse is under the step")["tool"] == "add_note"
    assert ask(tmp_path, "where is the water pump fuse")["reply"] == "The water pump fuse is under the step."
    assert ask(tmp_path, "set a timer for half an hour")["reply"] == "Timer set for 30 minutes."
    assert ask(tmp_path, "undo the last expense")["reply"] == "Removed $12.50 for dining."

    declined = ask(tmp_path, "tell me a joke")
    assert declined["tool"] is None and declined["result"] is None and declined["reply"]
    failed = ask(tmp_path, "how far is it to Narnia")
    assert failed["tool"] == "route" and failed["result"]["ok"] is False and "Narnia" in failed["reply"]

    plain = pam(tmp_path, "ask", "what timers do I have")
    assert plain.returncode == 0 and plain.stdout.startswith("You have: timer, ")

    usage = pam(tmp_path, "usage", "--json", "--days", "3")
    assert usage.returncode == 0, usage.stderr
    report = json.loads(usage.stdout)
    assert report["today"]["total"]["turns"] == 11
    assert report["today"]["by_engine"]["realtime"]["turns"] == 1
    assert report["month"]["total"]["tool_calls"] == 10
    assert len(report["daily"]) == 3 and report["activity"]["active_days"] == 1
    text = pam(tmp_path, "usage")
    assert text.returncode == 0 and "This month" in text.stdout and "$0.00" in text.stdout
    assert pam(tmp_path, "usage", "--days", "-2").returncode == 2

    out = tmp_path / "export"
    exported = pam(tmp_path, "export", str(out))
    assert exported.returncode == 0, exported.stderr
    with (out / "expenses.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["amount"], r["category"]) for r in rows] == [("40.00", "fuel")]
    notes = json.loads((out / "notes.json").read_text(encoding="utf-8"))
    assert [n["text"] for n in notes] == ["the water pump fuse is under the step"]
    conversations = json.loads((out / "conversations.json").read_text(encoding="utf-8"))
    assert len(conversations) == 11
    assert conversations[0]["transcript"] == "I spent forty dollars on gas"
    assert conversations[0]["tool_calls"][0]["arguments"] == {"amount": 40.0, "category": "fuel"}
    assert json.loads((out / "trips.json").read_text(encoding="utf-8")) == {"places": [], "stops": []}
