"""`pam` command line: each subcommand lives in its own module under pam/commands/."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from pam import __version__, logs
from pam.errors import PamError

# Each module defines NAME, HELP, add_arguments(parser) and run(args) -> int.
COMMANDS = [
    "pam.commands.run",
    "pam.commands.talk",
    "pam.commands.listen",
    "pam.commands.devices",
    "pam.commands.doctor",
    "pam.commands.ask",
    "pam.commands.usage",
    "pam.commands.export",
    "pam.commands.wakeword",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pam", description="PAM, a local-first voice assistant.")
    parser.add_argument("--version", action="version", version=f"pam {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS:
        module = importlib.import_module(module_name)
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.setup(verbose=args.verbose)
    if args.command is None:
        args = parser.parse_args(["run", *(argv or [])])
    try:
        return int(args.handler(args))
    except PamError as err:
        print(f"pam: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        logging.getLogger("pam").debug("unexpected error", exc_info=True)
        report = logs.write_crash_report(exc)
        where = f"details in {report}" if report else "no crash report could be written"
        print(f"pam: PAM hit an unexpected error ({type(exc).__name__}; {where}); please report it.", file=sys.stderr)
        return 70
