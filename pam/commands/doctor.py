"""`pam doctor`: checks everything PAM needs and prints one line per problem with its fix."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable

from pam import assets as assets_mod
from pam import config
from pam.audio.devices import list_devices, pick_device
from pam.errors import PamError
from pam.store.db import Store

NAME = "doctor"
HELP = "check the audio server, devices, model files, config and database"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="print problems only")


def _check_config() -> tuple[str, config.Config | None]:
    try:
        return "", config.load()
    except PamError as err:
        return str(err), None


def _check_audio(cfg: config.Config) -> list[str]:
    problems = []
    try:
        devices = list_devices()
    except PamError as err:
        return [str(err)]
    if not any(d.inputs for d in devices):
        problems.append("No microphone was found; plug one in or select another with audio.input_device.")
    if not any(d.outputs for d in devices):
        problems.append("No speaker was found; plug one in or select another with audio.output_device.")
    for name, kind in ((cfg.audio.input_device, "input"), (cfg.audio.output_device, "output")):
        try:
            pick_device(name, kind)  # type: ignore[arg-type]
        except PamError as err:
            problems.append(str(err))
    return problems


def _check_store(cfg: config.Config) -> list[str]:
    try:
        Store(cfg.db_path()).close()
    except PamError as err:
        return [str(err)]
    return []


def _check_tools() -> list[str]:
    if shutil.which("espeak-ng") is None:
        return ["espeak-ng is not installed, so PAM has no fallback voice; install the espeak-ng package."]
    return []


def run(args: argparse.Namespace) -> int:
    problem, cfg = _check_config()
    problems = [problem] if problem else []
    cfg = cfg or config.Config()
    checks: list[tuple[str, Callable[[], list[str]]]] = [
        ("audio server and devices", lambda: _check_audio(cfg)),
        ("model files and checksums", lambda: assets_mod.Assets().problems()),
        ("database", lambda: _check_store(cfg)),
        ("fallback voice", _check_tools),
    ]
    for label, check in checks:
        found = check()
        problems.extend(found)
        if not args.quiet:
            print(f"{'ok  ' if not found else 'FAIL'} {label}")
    for line in problems:
        print(line)
    return 1 if problems else 0
