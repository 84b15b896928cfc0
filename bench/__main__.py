"""`python -m bench [NAME...]`: run benchmarks, merge their figures into bench/results.json and
rewrite bench/REPORT.md. Each benchmark module has `run() -> dict` of figures and a `HOW` text."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
REPORT = HERE / "REPORT.md"

# name -> module in bench/
BENCHMARKS = {
    "audio_callback": "bench.audio_callback",
    "listener_cpu": "bench.listener_cpu",
    "barge_in": "bench.barge_in",
    "local_engine": "bench.local_engine",
    "turn_latency": "bench.turn_latency",
    "realtime": "bench.realtime",
    "intents": "bench.intents",
    "wakeword": "bench.wakeword",
}


def _machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"
    )


def _fmt(value: Any) -> str:
    if isinstance(value, dict) and "p50" in value:
        p99 = f", p99 {value['p99']:.1f}" if "p99" in value else ""
        return f"p50 {value['p50']:.1f}, p95 {value['p95']:.1f}{p99} (n={value['n']})"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def write_report(results: dict[str, Any], how: dict[str, str]) -> None:
    lines = [
        "# PAM benchmarks",
        "",
        f"Machine: {results.get('machine', '?')}  ",
        f"Date: {results.get('date', '?')}",
        "",
        "| figure | value |",
        "| --- | --- |",
    ]
    for key, value in results.items():
        if key not in ("machine", "date", "how"):
            lines.append(f"| `{key}` | {_fmt(value)} |")
    lines += ["", "## How each was measured", ""]
    for name, text in sorted(how.items()):
        lines += [f"### {name}", "", text.strip(), ""]
    REPORT.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="default: all")
    parser.add_argument("--quick", action="store_true", help="shorter runs (for a smoke check)")
    args = parser.parse_args(argv)
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    how: dict[str, str] = results.pop("how", {})
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        print(f"== {name}", file=sys.stderr, flush=True)
        figures = module.run(quick=args.quick)
        for key, value in figures.items():
            print(f"   {key}: {_fmt(value)}", file=sys.stderr, flush=True)
        results.update(figures)
        how[name] = module.HOW
    results["machine"] = _machine()
    results["date"] = dt.date.today().isoformat()
    RESULTS.write_text(json.dumps({**results, "how": how}, indent=2, sort_keys=True) + "\n")
    write_report(results, how)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
